/**
 * The lane machine: one active (documentId, scope, branch) lane. It is idle, or runs the job the
 * supervisor assigned it through the embedded job lifecycle states, then goes idle again. A lane is
 * a root actor kept by the lane registry; it never holds more than one job: the queue grants a
 * lane to one claim at a time, and the runtime holds a claim that arrives while the lane still
 * settles its previous job until the lane is idle. The lane's next job may come with the success
 * of the current one (`attempt.done` with `next`): the lifecycle then goes from one job's
 * `running` to the next's in one step (`startsNext`), without passing through `idle`.
 * @module
 */
import { initialLaneContext, jobLifecycleStates, laneSetup } from './job-lifecycle.js';

export const laneMachine = laneSetup.createMachine({
  id: 'lane',
  description: 'One active lane: idle, or running its head job through the job lifecycle.',
  context: ({ input }) => initialLaneContext(input),
  initial: 'idle',
  states: {
    idle: {
      description: 'No job in hand; the registry may stop the lane after its idle period.',
      tags: ['idle'],
      on: {
        'job.assign': {
          target: 'busy.running',
          actions: {
            type: 'assignJob',
            params: ({ event }) => ({ claim: event.claim, config: event.config }),
          },
        },
      },
    },
    busy: {
      description: 'Holding a claimed job until it completes, fails or goes back to the queue.',
      initial: 'pending',
      states: jobLifecycleStates,
      onDone: [
        // A stop came first: the next job goes back to the queue unstarted.
        { guard: 'hasNext', target: 'idle', actions: ['emitNextReleased', 'clearJob', 'emitIdle'] },
        { target: 'idle', actions: ['clearJob', 'emitIdle'] },
      ],
    },
  },
});
