/**
 * The job lifecycle machine: one job from pending to completed or failed.
 *
 * pending → running → completed | retrying → pending → running … | failed, with the timeout as
 * an `after` on the named delay `jobTimeout`, backoff as the named delay `backoff`, and the fatal
 * path (`syncing`, then one re-apply). The lane machine embeds these same states; this standalone
 * machine exists so the lifecycle can be walked and tested on its own.
 * @module
 */
import { initialLaneContext, jobLifecycleStates, laneSetup } from './lane-setup.js';

export const jobLifecycleMachine = laneSetup.createMachine({
  id: 'jobLifecycle',
  description: 'One job, from its claim to completed, failed or released.',
  context: ({ input }) => initialLaneContext(input),
  initial: 'pending',
  states: jobLifecycleStates,
});
