/**
 * A worker process of P4's multi-process run: one more reactor on the parent's PostgreSQL
 * database, claiming and running the parent's counter jobs.
 *
 *   node --import tsx bench/p4-worker.ts '{"url":"postgres://…","runnerId":"p4-w1"}'
 *
 * Protocol, one JSON object per stdout line: `{ event: 'ready' }` once its reactor runs. A line
 * `go` on stdin starts its CPU count; a line `stop` stops the reactor and prints
 * `{ event: 'done', cpuMicros, completed, failed }` (CPU time since `go`, jobs it finished), then
 * it exits.
 */
import { createInterface } from 'node:readline';
import { createReactor } from '../src/create-reactor.js';
import { counterModel } from '../src/examples/counter-model.js';
import type { ExecutorOptions } from '../src/options.js';
import { cpuMicros } from './support/workloads.js';

/** What the parent passes. */
export type P4WorkerConfig = { url: string; runnerId: string; config?: ExecutorOptions };

/** A line the worker prints. */
export type P4WorkerMessage =
  | { event: 'ready' }
  | { event: 'done'; cpuMicros: number; completed: number; failed: number };

const config = JSON.parse(process.argv[2] ?? '{}') as P4WorkerConfig;
const send = (message: P4WorkerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);

const reactor = await createReactor({
  models: [counterModel],
  storage: { postgres: config.url },
  config: config.config,
  runnerId: config.runnerId,
});
let completed = 0;
let failed = 0;
reactor.manager.on('jobCompleted', () => completed++);
reactor.manager.on('jobFailed', () => failed++);
await reactor.start();
send({ event: 'ready' });

let cpu = process.cpuUsage();
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    cpu = process.cpuUsage();
    completed = 0;
    failed = 0;
  } else if (line === 'stop') {
    const used = cpuMicros(cpu);
    await reactor.close();
    send({ event: 'done', cpuMicros: used, completed, failed });
    break;
  }
}
process.exit(0);
