/**
 * Model-based tests of the supervisor machine. The walk offers, in every state, what a correct
 * runtime can send: start (capacity 1–3), pause, resume, stop (graceful or hard), jobs.available;
 * while a claim is in flight its result (0, 1 or `limit` claims) or its failure; a slot request
 * from an in-flight job that holds no slot and is not waiting; and batched releases of slots and
 * jobs that exist (one job ends, one goes to retry, one without a slot ends, everything ends).
 * States with more than capacity + 1 jobs in flight are not expanded, so the graph is finite.
 *
 * Every edge is replayed through a real actor restored at its source state (one actor per edge:
 * ~50k edges, too many to replay from the start each), and the shortest path to every state is
 * replayed from the start through a real actor on a `SimulatedClock`.
 */
import { describe, expect, it } from 'vitest';
import { createActor, type EventObject, SimulatedClock, type StateValue } from 'xstate';
import type { Claim } from '../../src/adapters/ports.js';
import type { SupervisorEmitted, SupervisorEvent } from '../../src/machines/protocol.js';
import {
  type SupervisorContext,
  supervisorMachine,
} from '../../src/machines/supervisor-machine.js';
import { makeJob } from './lane-model.js';
import {
  type ActorStep,
  Coverage,
  handledEventTypes,
  replayEdge,
  replayPath,
  stateKey,
  stateNodesOf,
  transitionsOf,
  walk,
} from './model-harness.js';

const machine = supervisorMachine;
type Snapshot = ReturnType<typeof machine.transition>;

const claims = (n: number): Claim[] =>
  Array.from({ length: n }, (_, i) => ({ job: { ...makeJob(1), id: `job-${i}` }, token: `t${i}` }));
const laneKeys = ['a', 'b', 'c', 'd', 'e'];
const free = (c: SupervisorContext) => c.capacity - c.used - (c.claiming ? c.claimLimit : 0);

/** What a correct runtime can send the supervisor in `snapshot`. */
function events(snapshot: { context: SupervisorContext }): SupervisorEvent[] {
  const c = snapshot.context;
  const offered: SupervisorEvent[] = [
    ...[1, 2, 3].map((capacity) => ({ type: 'start' as const, capacity })),
    { type: 'pause' },
    { type: 'resume' },
    { type: 'stop', graceful: true },
    { type: 'stop', graceful: false },
    { type: 'jobs.available' },
  ];
  if (c.claiming) {
    for (const n of new Set([0, 1, c.claimLimit])) {
      if (n <= c.claimLimit) offered.push({ type: 'claim.done', claims: claims(n) });
    }
    offered.push({ type: 'claim.failed', error: new Error('queue down') });
  }
  // Jobs in flight that hold no slot and wait for none: backing off, or claims being returned.
  const unslotted = c.inFlight - c.used - c.waiting.length;
  if (unslotted > 0) {
    const laneKey = laneKeys.find((k) => !c.waiting.includes(k))!;
    offered.push({ type: 'slot.request', laneKey });
  }
  const releases = [
    [1, 1], // a job ended
    [1, 0], // a job went to retry
    [0, 1], // a job without a slot ended (released while backing off, or returned unstarted)
    [c.used, c.inFlight - c.waiting.length], // everything not waiting ended, in one batch
  ] as const;
  const seen = new Set<string>();
  for (const [slots, jobs] of releases) {
    const valid =
      slots + jobs > 0 &&
      slots <= c.used &&
      jobs <= unslotted + slots &&
      !seen.has(`${slots}/${jobs}`);
    seen.add(`${slots}/${jobs}`);
    if (valid) offered.push({ type: 'slots.released', slots, jobs });
  }
  return offered;
}

const stopWhen = (s: Snapshot) => s.context.inFlight > s.context.capacity + 1;
const graph = walk(machine, { events, stopWhen });

/** Context invariants of a supervisor at rest. */
function checkContext(snapshot: Snapshot): string[] {
  const c = snapshot.context;
  const problems: string[] = [];
  const state = topState(snapshot.value);
  if (c.used < 0) problems.push(`used ${c.used} < 0`);
  if (c.used > c.capacity) problems.push(`used ${c.used} > capacity ${c.capacity}`);
  if (c.inFlight < 0) problems.push(`inFlight ${c.inFlight} < 0`);
  if (c.used + c.waiting.length > c.inFlight) problems.push('more slots and waiters than jobs');
  if (c.claiming && (c.claimLimit < 1 || c.used + c.claimLimit > c.capacity)) {
    problems.push(`claim of ${c.claimLimit} with ${c.used}/${c.capacity} used`);
  }
  if (!c.claiming && c.claimLimit !== 0) problems.push('a reservation without a claim');
  if (new Set(c.waiting).size !== c.waiting.length) problems.push('a lane waits twice');
  if (state === 'stopped' && (c.used || c.inFlight || c.claiming || c.waiting.length)) {
    problems.push('stopped with work in flight');
  }
  if (state === 'stopping' && c.waiting.length) problems.push('stopping with lanes waiting');
  if (state === 'stopping' && !c.used && !c.inFlight && !c.claiming) {
    problems.push('stopping although drained');
  }
  // The tags the runtime asks agree with the state and the waiting retries.
  const continues = state === 'running' && c.waiting.length === 0;
  if (snapshot.hasTag('continuesLanes') !== continues) problems.push('continuesLanes tag');
  if (snapshot.hasTag('active') !== (state === 'running' || state === 'paused')) {
    problems.push('active tag');
  }
  // A free slot goes to a waiting retry at once: a retry never waits while a slot is free.
  if (state === 'running' && c.waiting.length && free(c) > 0) {
    problems.push(`${c.waiting.length} waiting with ${free(c)} slots free`);
  }
  return problems;
}

/** The top-level state (`running` for `{ running: 'lanesContinue' }`). */
const topState = (value: StateValue) =>
  typeof value === 'string' ? value : Object.keys(value)[0]!;

const isClaimResult = (e: EventObject) => e.type === 'claim.done' || e.type === 'claim.failed';

/** Checks one step's emitted events against the step. */
function checkStep(step: ActorStep<Snapshot, SupervisorEvent>): string[] {
  const { event, before, after } = step;
  const emitted = step.emitted as SupervisorEmitted[];
  const problems: string[] = [];
  const from = topState(before.value);
  const to = topState(after.value);
  // Claims in flight after this step, by counting: the model's `claiming` must agree.
  let claimsInFlight = before.context.claiming && !isClaimResult(event) ? 1 : 0;
  const pending = [...before.context.waiting];
  if (event.type === 'slot.request' && from !== 'stopping') pending.push(event.laneKey);
  for (const e of emitted) {
    switch (e.type) {
      case 'jobs.claim':
        if (to !== 'running') problems.push(`jobs.claim while ${to}`);
        if (claimsInFlight > 0) problems.push('jobs.claim with a claim in flight');
        claimsInFlight++;
        if (e.limit < 1 || after.context.used + e.limit > after.context.capacity) {
          problems.push(`jobs.claim limit ${e.limit} with ${after.context.used} used`);
        }
        break;
      case 'claims.dispatch':
        if (from !== 'running' || event.type !== 'claim.done') problems.push('claims dispatched');
        break;
      case 'claims.return':
        if (from === 'running' || event.type !== 'claim.done') problems.push('claims returned');
        break;
      case 'slot.granted':
        if (to !== 'running') problems.push(`slot.granted while ${to}`);
        // Oldest waiter first.
        if (e.laneKey !== pending.shift())
          problems.push(`slot.granted to ${e.laneKey} out of turn`);
        break;
      case 'lane.release':
      case 'lane.abort':
        if (to !== 'stopping' && to !== 'stopped') problems.push(`${e.type} while ${to}`);
        if ((e.type === 'lane.release') !== after.context.graceful) {
          problems.push(`${e.type} on a ${after.context.graceful ? 'graceful' : 'hard'} stop`);
        }
        break;
      case 'executor.started':
        if (from !== 'stopped' || event.type !== 'start') problems.push('executor.started');
        break;
      case 'executor.stopped':
        if (to !== 'stopped' || from === 'stopped') problems.push('executor.stopped');
        if (e.graceful !== after.context.graceful) problems.push('executor.stopped graceful');
        break;
      case 'claim.retry':
        if (event.type !== 'claim.failed') problems.push('claim.retry without a failed claim');
        if (to !== 'running' && to !== 'paused') problems.push(`claim.retry while ${to}`);
        break;
    }
  }
  if (claimsInFlight !== (after.context.claiming ? 1 : 0)) {
    problems.push(`${claimsInFlight} claims in flight, model claiming ${after.context.claiming}`);
  }
  if (event.type === 'slot.request' && to === 'stopping') {
    // A job due for a retry while stopping goes back to the queue.
    const told = emitted.some(
      (e) => (e.type === 'lane.release' || e.type === 'lane.abort') && e.laneKey === event.laneKey,
    );
    if (!told) problems.push('a slot request while stopping was not answered');
  }
  if (to !== 'stopping' && to !== 'stopped' && after.context.waiting.join() !== pending.join()) {
    problems.push(`waiting [${after.context.waiting}], expected [${pending}]`);
  }
  return problems;
}

/** Every edge replayed through a real actor restored at its source. */
const edgeReplays = (() => {
  const coverage = new Coverage(machine);
  const problems: string[] = [];
  for (const edge of graph.edges) {
    const step = replayEdge<Snapshot, SupervisorEvent>(machine, edge.state, edge.event);
    coverage.add(step);
    const where = `${edge.event.type} in ${stateKey(edge.state)}`;
    if (stateKey(step.after) !== stateKey(edge.nextState)) problems.push(`actor ≠ model: ${where}`);
    for (const p of checkStep(step)) problems.push(`${p}: ${where}`);
  }
  return { coverage, problems };
})();

describe('supervisor machine (model-based)', () => {
  it('is offered every event it handles', () => {
    const offered = new Set(graph.states.flatMap((s) => events(s).map((e) => e.type)));
    expect([...offered].sort()).toEqual(handledEventTypes(machine));
    // claim.done with 0, some and limit-many claims, limits up to the largest capacity.
    const sizes = new Set(
      graph.edges.flatMap((e) => (e.event.type === 'claim.done' ? [e.event.claims.length] : [])),
    );
    expect([...sizes].sort()).toEqual([0, 1, 2, 3]);
  });

  it('reaches every state node', () => {
    const initial = createActor(machine).getSnapshot();
    edgeReplays.coverage.add({ taken: [], visited: new Set([`supervisor.${initial.value}`]) });
    expect(edgeReplays.coverage.missingNodes()).toEqual([]);
    expect(edgeReplays.coverage.nodes.size).toBe(stateNodesOf(machine).length);
  });

  it('takes every transition', () => {
    expect(edgeReplays.coverage.missingTransitions()).toEqual([]);
    expect(edgeReplays.coverage.transitions.size).toBe(transitionsOf(machine).length);
  });

  it('keeps 0 ≤ used ≤ capacity, inFlight ≥ 0 and its other invariants in every state', () => {
    const problems = graph.states.flatMap((s) =>
      checkContext(s).map((p) => `${p}: ${stateKey(s)}`),
    );
    expect(problems.slice(0, 5)).toEqual([]);
    expect(graph.states.some((s) => s.context.used === s.context.capacity)).toBe(true);
  });

  it('claims one batch at a time, only while running, and grants slots oldest first', () => {
    expect(edgeReplays.problems.slice(0, 5)).toEqual([]);
  });

  it('replays the shortest path to every state through a real actor', () => {
    const problems: string[] = [];
    let started = 0;
    let stopped = 0;
    for (const state of graph.states) {
      const path = graph.pathTo(state);
      let running = false;
      let end = graph.states[0]!;
      replayPath<Snapshot, SupervisorEvent>(machine, undefined, path, {
        onStep: (step) => {
          end = step.after;
          for (const p of checkStep(step)) problems.push(`${p} on ${path.map((e) => e.type)}`);
          for (const e of step.emitted) {
            // executor.started and executor.stopped alternate, starting with started.
            if (e.type === 'executor.started') {
              if (running) problems.push('started twice');
              running = true;
              started++;
            }
            if (e.type === 'executor.stopped') {
              if (!running) problems.push('stopped before started');
              running = false;
              stopped++;
            }
          }
        },
      });
      if (stateKey(end) !== stateKey(state)) problems.push(`actor ≠ model at ${stateKey(state)}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(started).toBeGreaterThan(0);
    expect(stopped).toBeGreaterThan(0);
  });
});

/** Sends `events` to a fresh supervisor and returns what it emitted, per event. */
function run(events: SupervisorEvent[]) {
  const actor = createActor(machine, { clock: new SimulatedClock() });
  const emitted: SupervisorEmitted[][] = [];
  let current: SupervisorEmitted[] = [];
  actor.on('*', (e) => current.push(e));
  actor.start();
  for (const event of events) {
    current = [];
    actor.send(event);
    emitted.push(current);
  }
  return { emitted, context: actor.getSnapshot().context };
}

describe('supervisor machine: cases the model found', () => {
  it('does not start a second claim when resumed while a claim is in flight', () => {
    const { emitted, context } = run([
      { type: 'start', capacity: 2 }, // claims 2
      { type: 'claim.done', claims: claims(1) }, // 1 slot used, the queue is empty
      { type: 'jobs.available' }, // claims 1
      { type: 'pause' },
      { type: 'slots.released', slots: 1, jobs: 1 }, // both slots free, one reserved by the claim
      { type: 'resume' },
    ]);
    expect(emitted.at(-1)!.filter((e) => e.type === 'jobs.claim')).toEqual([]);
    expect(context).toMatchObject({ used: 0, claiming: true, claimLimit: 1, claimAgain: true });
  });

  it('grants a waiting retry the slots a short claim leaves free', () => {
    const { emitted } = run([
      { type: 'start', capacity: 2 }, // claims 2
      { type: 'claim.done', claims: claims(1) },
      { type: 'slots.released', slots: 1, jobs: 0 }, // the job backs off; claims 2
      { type: 'slot.request', laneKey: 'a' }, // its retry is due: every slot is reserved
      { type: 'claim.done', claims: [] }, // the queue is empty: 2 slots free
    ]);
    expect(emitted.at(-1)).toContainEqual({ type: 'slot.granted', laneKey: 'a' });
  });

  it('grants a waiting retry the slots a failed claim leaves free', () => {
    const { emitted } = run([
      { type: 'start', capacity: 1 }, // claims 1
      { type: 'claim.done', claims: claims(1) },
      { type: 'slots.released', slots: 1, jobs: 0 }, // the job backs off; claims 1
      { type: 'slot.request', laneKey: 'a' },
      { type: 'claim.failed', error: new Error('queue down') },
    ]);
    expect(emitted.at(-1)).toContainEqual({ type: 'slot.granted', laneKey: 'a' });
  });
});
