/**
 * The supervisor machine: the executor's lifecycle (stopped → running ⇄ paused → stopping →
 * stopped) and the owner of the concurrency slots.
 *
 * It holds counters, never children: lanes are root actors in the lane registry. Everything it
 * asks of the outside world is an emitted event (`jobs.claim`, `claims.dispatch`, `slot.granted`,
 * `lane.release`, …) that the runtime carries out, reporting back with `claim.done` and
 * `slots.released` (the protocol: `./protocol.ts`). Slot releases arrive in batches, not one
 * event per job.
 * @module
 */
import { type ActorRefFrom, assign, emit, enqueueActions, not, setup } from 'xstate';
import type { Claim } from '../adapters/ports.js';
import type { SupervisorEmitted, SupervisorEvent } from './protocol.js';

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

const free = (c: SupervisorContext) => c.capacity - c.used - (c.claiming ? c.claimLimit : 0);

/**
 * State tags the runtime asks instead of naming states: `active`, claims and wake-ups are wanted
 * (running or paused); `paused`; `startsAttempts`, a claim that waited may go to its lane
 * (running); `continuesLanes`, a finished job's slot may run its lane's next job (running, and no
 * retry waits for a slot: waiting retries are older than anything the lane has next);
 * `stopping`; `stopped`.
 */
export type SupervisorTag =
  | 'active'
  | 'paused'
  | 'startsAttempts'
  | 'continuesLanes'
  | 'stopping'
  | 'stopped';

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    emitted: {} as SupervisorEmitted,
    tags: {} as SupervisorTag,
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
      enqueue.emit({ type: 'jobs.claim', limit });
    }),
    markClaimAgain: assign({ claimAgain: true }),
    acceptClaims: enqueueActions(({ context, enqueue }, params: { claims: Claim[] }) => {
      const n = params.claims.length;
      enqueue.assign({
        used: context.used + n,
        inFlight: context.inFlight + n,
        claiming: false,
        claimLimit: 0,
      });
      if (n > 0) enqueue.emit({ type: 'claims.dispatch', claims: params.claims });
    }),
    returnClaims: enqueueActions(({ context, enqueue }, params: { claims: Claim[] }) => {
      // In flight until the runtime has given them back (reported through `slots.released`).
      enqueue.assign({
        claiming: false,
        claimLimit: 0,
        inFlight: context.inFlight + params.claims.length,
      });
      if (params.claims.length > 0) {
        enqueue.emit({ type: 'claims.return', claims: params.claims });
      }
    }),
    claimFailed: assign({ claiming: false, claimLimit: 0, claimAgain: false }),
    /** Work is still wanted: ask the runtime to claim again after its retry delay. */
    retryClaim: emit({ type: 'claim.retry' as const }),
    releaseSlots: assign(({ context }, params: { slots: number; jobs: number }) => ({
      used: context.used - params.slots,
      inFlight: context.inFlight - params.jobs,
    })),
    queueSlotRequest: assign(({ context }, params: { laneKey: string }) => ({
      waiting: [...context.waiting, params.laneKey],
    })),
    /** Grant slots to waiting retries first: they are older than anything still in the queue. */
    serveWaiters: enqueueActions(({ context, enqueue }) => {
      const grants = Math.min(free(context), context.waiting.length);
      if (grants <= 0) return;
      const granted = context.waiting.slice(0, grants);
      enqueue.assign({ used: context.used + grants, waiting: context.waiting.slice(grants) });
      for (const laneKey of granted) enqueue.emit({ type: 'slot.granted', laneKey });
    }),
    releaseLanes: enqueueActions(({ enqueue }, params: { graceful: boolean }) => {
      const { graceful } = params;
      enqueue.assign({ graceful, waiting: [] });
      enqueue.emit({ type: graceful ? 'lane.release' : 'lane.abort' });
    }),
    releaseRequester: emit(({ context }, params: { laneKey: string }) => ({
      type: context.graceful ? ('lane.release' as const) : ('lane.abort' as const),
      laneKey: params.laneKey,
    })),
  },
  guards: {
    isClaiming: ({ context }) => context.claiming,
    /** More may be claimable: the claim filled its limit, or something arrived meanwhile. */
    shouldClaimAgain: ({ context }, params: { claimed: number }) =>
      context.claimAgain || params.claimed >= context.claimLimit,
    isHardStop: (_, params: { graceful: boolean }) => !params.graceful,
    hasWaiters: ({ context }) => context.waiting.length > 0,
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
      tags: ['stopped'],
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
      description: 'Claiming jobs into free slots on jobs.available and whenever a slot frees.',
      tags: ['active', 'startsAttempts'],
      entry: ['serveWaiters', 'startClaim'],
      initial: 'lanesContinue',
      states: {
        lanesContinue: {
          description:
            "No retry waits for a slot: a finished job's slot may run its lane's next job.",
          tags: ['continuesLanes'],
          always: { guard: 'hasWaiters', target: 'retriesWaiting' },
        },
        retriesWaiting: {
          description:
            'Retries wait for slots: every freed slot goes to them, before any new claim.',
          always: { guard: not('hasWaiters'), target: 'lanesContinue' },
        },
      },
      on: {
        'jobs.available': [
          { guard: 'isClaiming', actions: 'markClaimAgain' },
          { actions: 'startClaim' },
        ],
        // The claim's unused reservation frees slots: waiting retries get them first.
        'claim.done': [
          {
            guard: {
              type: 'shouldClaimAgain',
              params: ({ event }) => ({ claimed: event.claims.length }),
            },
            actions: [
              { type: 'acceptClaims', params: ({ event }) => ({ claims: event.claims }) },
              'serveWaiters',
              'startClaim',
            ],
          },
          {
            actions: [
              { type: 'acceptClaims', params: ({ event }) => ({ claims: event.claims }) },
              'serveWaiters',
            ],
          },
        ],
        'claim.failed': { actions: ['claimFailed', 'retryClaim', 'serveWaiters'] },
        'slot.request': {
          actions: [
            { type: 'queueSlotRequest', params: ({ event }) => ({ laneKey: event.laneKey }) },
            'serveWaiters',
          ],
        },
        'slots.released': [
          {
            guard: 'isClaiming',
            actions: [
              {
                type: 'releaseSlots',
                params: ({ event }) => ({ slots: event.slots, jobs: event.jobs }),
              },
              'serveWaiters',
              'markClaimAgain',
            ],
          },
          {
            actions: [
              {
                type: 'releaseSlots',
                params: ({ event }) => ({ slots: event.slots, jobs: event.jobs }),
              },
              'serveWaiters',
              'startClaim',
            ],
          },
        ],
        pause: { target: 'paused' },
        stop: { target: 'stopping' },
      },
    },
    paused: {
      description: 'No new attempt starts (due retries wait); running attempts finish.',
      tags: ['active', 'paused'],
      on: {
        'jobs.available': {},
        'claim.done': {
          actions: { type: 'returnClaims', params: ({ event }) => ({ claims: event.claims }) },
        },
        'claim.failed': { actions: ['claimFailed', 'retryClaim'] },
        'slot.request': {
          actions: {
            type: 'queueSlotRequest',
            params: ({ event }) => ({ laneKey: event.laneKey }),
          },
        },
        'slots.released': {
          actions: {
            type: 'releaseSlots',
            params: ({ event }) => ({ slots: event.slots, jobs: event.jobs }),
          },
        },
        resume: { target: 'running' },
        stop: { target: 'stopping' },
      },
    },
    stopping: {
      tags: ['stopping'],
      description:
        'Not claiming. Graceful: running attempts finish and waiting jobs go back to the queue. Hard: running attempts are aborted.',
      entry: {
        type: 'releaseLanes',
        params: ({ event }) => ({ graceful: event.type === 'stop' ? event.graceful : true }),
      },
      always: { guard: 'isDrained', target: 'stopped', actions: 'emitStopped' },
      on: {
        'jobs.available': {},
        'claim.done': {
          actions: { type: 'returnClaims', params: ({ event }) => ({ claims: event.claims }) },
        },
        'claim.failed': { actions: 'claimFailed' },
        'slot.request': {
          actions: {
            type: 'releaseRequester',
            params: ({ event }) => ({ laneKey: event.laneKey }),
          },
        },
        'slots.released': {
          actions: {
            type: 'releaseSlots',
            params: ({ event }) => ({ slots: event.slots, jobs: event.jobs }),
          },
        },
        stop: {
          guard: { type: 'isHardStop', params: ({ event }) => ({ graceful: event.graceful }) },
          actions: { type: 'releaseLanes', params: ({ event }) => ({ graceful: event.graceful }) },
        },
      },
    },
  },
});

export type SupervisorActor = ActorRefFrom<typeof supervisorMachine>;
