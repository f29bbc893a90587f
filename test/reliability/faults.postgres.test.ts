/**
 * Faults at every port, PostgreSQL: the workload and fault rates of faults.test.ts on a schema of
 * the test server (see that file). The clock steps only while no query is in flight, so a round
 * trip never passes for a timeout; heartbeats and the reaper run on the same clock.
 *
 *   SERIATIM_FAULT_SEED=<n>  another seed;  SERIATIM_SOAK=1  the longer run (not in CI)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_RUN, faultSeed } from '../support/fault-plan.js';
import { formatFaultRun, runFaultWorkload } from '../support/fault-run.js';
import {
  closeAdmin,
  dropSchema,
  hasPostgres,
  openStorage,
  schemaName,
} from '../support/postgres.js';

const SEED = faultSeed(0x9f17);

describe.skipIf(!hasPostgres)('faults at every port: PostgreSQL', () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
    await closeAdmin();
  });

  it(
    `${FAULT_RUN.jobs} jobs over ${FAULT_RUN.lanes} lanes, every job ends as it must`,
    async () => {
      const schema = schemaName('faults');
      schemas.push(schema);
      const report = await runFaultWorkload({
        ...FAULT_RUN.options,
        seed: SEED,
        open: (ctx) => openStorage(schema, ctx, { poolSize: 4 }),
      });
      console.info(formatFaultRun('postgres', SEED, report));
      expect(report.audit.findings).toEqual([]);
      expect(report.misreported.slice(0, 10)).toEqual([]);
      expect(report.audit).toMatchObject({
        lost: 0,
        duplicated: 0,
        unexpected: 0,
        outOfOrder: 0,
        replayMismatch: 0,
        stuck: 0,
        wrongOutcome: 0,
      });
      expect(report.faults.failedBefore + report.faults.failedAfter).toBeGreaterThan(
        report.faults.calls * 0.08,
      );
      expect(report.faults.delayedLong).toBeGreaterThan(0);
    },
    FAULT_RUN.timeout,
  );
});
