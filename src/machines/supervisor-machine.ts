/**
 * The supervisor machine: the executor's lifecycle (stopped → running ⇄ paused → stopping →
 * stopped) and the owner of the concurrency slots.
 *
 * It holds counters, never children: lanes are root actors in the lane registry. Everything it
 * asks of the outside world is an emitted event (`claim.requested`, `claims.accepted`,
 * `slot.granted`, `lanes.release`, …) that the runtime carries out, reporting back with
 * `claim.done` and `slots.released`. Slot releases arrive in batches, not one event per job.
 * @module
 */
import { type ActorRefFrom, assign, emit, enqueueActions, setup } from 'xstate';
import type { Claim } from '../adapters/ports.js';

export type SupervisorContext = {
  /** maxConcurrency. */
  capacity: number;
  /** Slots held by running attempts (claimed jobs and granted retries). */
  used: number;
  /** Jobs claimed and not yet settled (running, backing off, or finishing their I/O). */
  inFlight: number;
  /** A claim is in flight; it reserved `claimLimit` slots. */
  claiming: boolean;
  claimLimit: number;
  /** Something changed while claiming: claim again when it returns. */
  claimAgain: boolean;
  /** Lanes whose retry waits for a slot, oldest first (served before new claims). */
  waiting: string[];
  graceful: boolean;
};

export type SupervisorEvent =
  | { type: 'start'; capacity: number }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop'; graceful: boolean }
  | { type: 'jobAvailable' }
  | { type: 'claim.done'; claims: Claim[] }
  | { type: 'claim.failed'; error: unknown }
  | { type: 'slot.request'; laneKey: string }
  /** Batched report: `slots` concurrency slots freed, `jobs` claimed jobs settled. */
  | { type: 'slots.released'; slots: number; jobs: number };

export type SupervisorEmitted =
  | { type: 'executor.started'; capacity: number }
  | { type: 'executor.stopped'; graceful: boolean }
  | { type: 'claim.requested'; limit: number }
  | { type: 'claims.accepted'; claims: Claim[] }
  /** Claims that arrived when no new attempt may start: give them back unstarted. */
  | { type: 'claims.returned'; claims: Claim[] }
  | { type: 'slot.granted'; laneKey: string }
  /** Tell lanes holding jobs to give them back (graceful) or abort them (not graceful). */
  | { type: 'lanes.release'; graceful: boolean; laneKey?: string }
  | { type: 'claim.error'; error: unknown };

const free = (c: SupervisorContext) => c.capacity - c.used - (c.claiming ? c.claimLimit : 0);

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    emitted: {} as SupervisorEmitted,
  },
  actions: {
    configure: assign((_, params: { capacity: number }) => ({
      capacity: params.capacity,
      used: 0,
      inFlight: 0,
      claiming: false,
      claimLimit: 0,
      claimAgain: false,
      waiting: [],
    })),
    emitStarted: emit(({ context }) => ({
      type: 'executor.started' as const,
      capacity: context.capacity,
    })),
    emitStopped: emit(({ context }) => ({
      type: 'executor.stopped' as const,
      graceful: context.graceful,
    })),
    /** Reserve every free slot and ask the runtime to claim that many jobs. */
    startClaim: enqueueActions(({ context, enqueue }) => {
      // One claim at a time: resumed while a claim is in flight, claim again when it returns.
      if (context.claiming) {
        enqueue.assign({ claimAgain: true });
        return;
      }
      const limit = free(context);
      if (limit <= 0) return;
      enqueue.assign({ claiming: true, claimLimit: limit, claimAgain: false });
      enqueue.emit({ type: 'claim.requested', limit });
    }),
    markClaimAgain: assign({ claimAgain: true }),
    acceptClaims: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'claim.done') return;
      const n = event.claims.length;
      enqueue.assign({
        used: context.used + n,
        inFlight: context.inFlight + n,
        claiming: false,
        claimLimit: 0,
      });
      if (n > 0) enqueue.emit({ type: 'claims.accepted', claims: event.claims });
    }),
    returnClaims: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'claim.done') return;
      // In flight until the runtime has given them back (reported through `slots.released`).
      enqueue.assign({
        claiming: false,
        claimLimit: 0,
        inFlight: context.inFlight + event.claims.length,
      });
      if (event.claims.length > 0) enqueue.emit({ type: 'claims.returned', claims: event.claims });
    }),
    claimFailed: enqueueActions(({ event, enqueue }) => {
      enqueue.assign({ claiming: false, claimLimit: 0, claimAgain: false });
      if (event.type === 'claim.failed') enqueue.emit({ type: 'claim.error', error: event.error });
    }),
    releaseSlots: assign(({ context, event }) =>
      event.type === 'slots.released'
        ? { used: context.used - event.slots, inFlight: context.inFlight - event.jobs }
        : {},
    ),
    queueSlotRequest: assign(({ context, event }) =>
      event.type === 'slot.request' ? { waiting: [...context.waiting, event.laneKey] } : {},
    ),
    /** Grant slots to waiting retries first: they are older than anything still in the queue. */
    serveWaiters: enqueueActions(({ context, enqueue }) => {
      const grants = Math.min(free(context), context.waiting.length);
      if (grants <= 0) return;
      const granted = context.waiting.slice(0, grants);
      enqueue.assign({ used: context.used + grants, waiting: context.waiting.slice(grants) });
      for (const laneKey of granted) enqueue.emit({ type: 'slot.granted', laneKey });
    }),
    releaseLanes: enqueueActions(({ event, enqueue }) => {
      const graceful = event.type === 'stop' ? event.graceful : true;
      enqueue.assign({ graceful, waiting: [] });
      enqueue.emit({ type: 'lanes.release', graceful });
    }),
    releaseRequester: emit(({ context, event }) => ({
      type: 'lanes.release' as const,
      graceful: context.graceful,
      laneKey: event.type === 'slot.request' ? event.laneKey : undefined,
    })),
  },
  guards: {
    isClaiming: ({ context }) => context.claiming,
    /** More may be claimable: the claim filled its limit, or something arrived meanwhile. */
    shouldClaimAgain: ({ context, event }) =>
      event.type === 'claim.done' &&
      (context.claimAgain || event.claims.length >= context.claimLimit),
    isHardStop: ({ event }) => event.type === 'stop' && !event.graceful,
    isDrained: ({ context }) => context.inFlight === 0 && context.used === 0 && !context.claiming,
  },
}).createMachine({
  id: 'supervisor',
  description: 'Executor lifecycle and concurrency slots.',
  context: {
    capacity: 0,
    used: 0,
    inFlight: 0,
    claiming: false,
    claimLimit: 0,
    claimAgain: false,
    waiting: [],
    graceful: true,
  },
  initial: 'stopped',
  states: {
    stopped: {
      description: 'Not claiming; no job in flight.',
      on: {
        start: {
          target: 'running',
          actions: [
            { type: 'configure', params: ({ event }) => ({ capacity: event.capacity }) },
            'emitStarted',
          ],
        },
      },
    },
    running: {
      description: 'Claiming jobs into free slots on jobAvailable and whenever a slot frees.',
      entry: ['serveWaiters', 'startClaim'],
      on: {
        jobAvailable: [
          { guard: 'isClaiming', actions: 'markClaimAgain' },
          { actions: 'startClaim' },
        ],
        // The claim's unused reservation frees slots: waiting retries get them first.
        'claim.done': [
          {
            guard: 'shouldClaimAgain',
            actions: ['acceptClaims', 'serveWaiters', 'startClaim'],
          },
          { actions: ['acceptClaims', 'serveWaiters'] },
        ],
        'claim.failed': { actions: ['claimFailed', 'serveWaiters'] },
        'slot.request': { actions: ['queueSlotRequest', 'serveWaiters'] },
        'slots.released': [
          { guard: 'isClaiming', actions: ['releaseSlots', 'serveWaiters', 'markClaimAgain'] },
          { actions: ['releaseSlots', 'serveWaiters', 'startClaim'] },
        ],
        pause: { target: 'paused' },
        stop: { target: 'stopping' },
      },
    },
    paused: {
      description: 'No new attempt starts (due retries wait); running attempts finish.',
      on: {
        jobAvailable: {},
        'claim.done': { actions: 'returnClaims' },
        'claim.failed': { actions: 'claimFailed' },
        'slot.request': { actions: 'queueSlotRequest' },
        'slots.released': { actions: 'releaseSlots' },
        resume: { target: 'running' },
        stop: { target: 'stopping' },
      },
    },
    stopping: {
      description:
        'Not claiming. Graceful: running attempts finish and waiting jobs go back to the queue. Hard: running attempts are aborted.',
      entry: 'releaseLanes',
      always: { guard: 'isDrained', target: 'stopped', actions: 'emitStopped' },
      on: {
        jobAvailable: {},
        'claim.done': { actions: 'returnClaims' },
        'claim.failed': { actions: 'claimFailed' },
        'slot.request': { actions: 'releaseRequester' },
        'slots.released': { actions: 'releaseSlots' },
        stop: { guard: 'isHardStop', actions: 'releaseLanes' },
      },
    },
  },
});

export type SupervisorActor = ActorRefFrom<typeof supervisorMachine>;
