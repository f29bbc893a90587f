/** Runs a small seeded workload on a memory reactor with the given inspection observer. */
import type { InspectionEvent, Observer } from 'xstate';
import { buildWorkload, workloadModels } from '../../src/cli/workload.js';
import { createReactor } from '../../src/create-reactor.js';

export async function runSmallWorkload(inspect: Observer<InspectionEvent>) {
  const workload = buildWorkload({ seed: 3, documents: 4, jobs: 40 });
  const reactor = await createReactor({
    models: workloadModels,
    config: { maxConcurrency: 4 },
    inspect,
  });
  await reactor.start();
  await reactor.queue.enqueueMany(workload.jobs);
  const results = await Promise.all(workload.jobs.map((job) => reactor.manager.watch(job.id)));
  await reactor.close();
  return { workload, results };
}
