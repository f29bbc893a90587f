/**
 * Model-based tests of the lane machine: an idle lane offered, in every state, an assignment of
 * each claim of a small domain (maxRetries 0–2, with and without a sync source, a re-claim) and
 * every lifecycle event, so the walk covers lanes running job after job. Each edge is replayed
 * through a real actor on a `SimulatedClock` (the shortest path to its source, then its event),
 * delayed events by stepping the clock to the pending timer.
 */
import { describe, expect, it } from 'vitest';
import { type AnyTransitionDefinition, assign, type EventObject, type StateValue } from 'xstate';
import { laneMachine } from '../../src/machines/lane-machine.js';
import type { LaneEvent } from '../../src/machines/protocol.js';
import {
  attemptAt0,
  attemptBound,
  backoffAt0,
  checkJobContext,
  claimCases,
  isStale,
  LaneEventChecker,
  laneEvents,
  nextJob,
} from './lane-model.js';
import {
  Coverage,
  delayedEventTypes,
  handledEventTypes,
  replayPath,
  stateKey,
  stateNodesOf,
  transitionKey,
  transitionsOf,
  walk,
} from './model-harness.js';

const machine = laneMachine.provide({
  actions: { beginAttempt: assign(attemptAt0), chooseBackoff: assign(backoffAt0) },
});
type Snapshot = ReturnType<typeof machine.transition>;

const delayed = {
  jobTimeout: 'xstate.after.jobTimeout.lane.busy.running',
  backoff: 'xstate.after.backoff.lane.busy.retrying',
};
const assignments: LaneEvent[] = claimCases.map(({ claim, config }) => ({
  type: 'job.assign',
  claim,
  config,
}));
const events = laneEvents(delayed, assignments);
const input = { laneKey: 'lane-1' };
const lane = walk(machine, { input, events });

/** `idle`, or the lifecycle state of `busy`. */
const leaf = (value: StateValue) =>
  typeof value === 'string' ? value : String(Object.values(value)[0]);
const finals = [
  'lane.busy.completed',
  'lane.busy.failed',
  'lane.busy.released',
  'lane.busy.waiting',
];
const transient = ['settled', 'releasedAfterAttempt', 'completed', 'failed', 'released', 'waiting'];
const [busyNextReleased, busyDone] = machine.root.states.busy!.transitions.get(
  'xstate.done.state.lane.busy',
)!;

/** Replays every edge through a real actor, once, and keeps what it saw. */
const replays = (() => {
  const coverage = new Coverage(machine);
  const problems: string[] = [];
  let jobsEnded = 0;
  let nextJobsRun = 0;
  for (const edge of lane.edges) {
    const checker = new LaneEventChecker();
    const path = [...lane.pathTo(edge.state), edge.event];
    replayPath<Snapshot, EventObject>(machine, input, path, {
      onStart: (_snapshot, emitted, visited) => {
        coverage.add({ taken: [], visited });
        if (emitted.length) problems.push('an idle lane emitted on start');
      },
      onStep: (step) => {
        coverage.add(step);
        const before = leaf(step.before.value);
        const after = leaf(step.after.value);
        if (step.event.type === 'job.assign' && before === 'idle' && after !== 'idle') {
          const { claim, config } = step.event as Extract<LaneEvent, { type: 'job.assign' }>;
          checker.assign(claim, config, true);
        }
        checker.step(step.event, before, after, step.emitted);
        if (isStale(step.event, step.before.context)) {
          if (stateKey(step.after) !== stateKey(step.before) || step.emitted.length) {
            problems.push(`stale ${step.event.type} changed ${before}`);
          }
        }
        // A success that hands over the next job starts it in the same step.
        const handedOver = (step.event as { next?: unknown }).next !== undefined;
        if (step.event.type === 'attempt.done' && handedOver && after === 'running') {
          nextJobsRun++;
          if (step.after.context.job?.id !== nextJob.claim.job.id) problems.push('next job lost');
          const types = step.emitted.map((e) => e.type).join();
          if (types !== 'job.completed,job.started') problems.push(`a next job emitted ${types}`);
        }
        // A final lifecycle state is left at once, by `onDone` alone, for an empty idle lane.
        if (finals.some((id) => step.visited.has(id))) {
          jobsEnded++;
          const last: AnyTransitionDefinition | undefined = step.taken.at(-1);
          const lastEmitted = step.emitted.at(-1)?.type;
          if (last !== busyDone && last !== busyNextReleased) {
            problems.push(`a final state went on by ${last && transitionKey(last)}`);
          } else {
            if (after !== 'idle' || step.after.context.job !== undefined) {
              problems.push(`a final state went on to ${after}`);
            }
            if (lastEmitted !== 'lane.idle') {
              problems.push(
                `a final state emitted ${step.emitted.map((e) => e.type)}, no lane.idle`,
              );
            }
          }
        }
      },
    });
    for (const p of checker.problems) problems.push(`${p} on ${path.map((e) => e.type)}`);
  }
  return { coverage, problems, jobsEnded, nextJobsRun };
})();

describe('lane machine (model-based)', () => {
  it('names its delayed events after the named delays and the state ids', () => {
    expect(delayedEventTypes(machine)).toEqual([delayed.jobTimeout, delayed.backoff]);
  });

  it('is offered every event it handles', () => {
    const offered = new Set(events(lane.states[0]!).map((e) => e.type));
    const handled = handledEventTypes(machine).filter((t) => !t.startsWith('xstate.done.'));
    for (const type of handled) expect(offered).toContain(type);
  });

  it('reaches every state node, transient ones included', () => {
    expect(replays.coverage.missingNodes()).toEqual([]);
    expect(replays.coverage.nodes.size).toBe(stateNodesOf(machine).length);
  });

  it('takes every transition', () => {
    expect(replays.coverage.missingTransitions()).toEqual([]);
    expect(replays.coverage.transitions.size).toBe(transitionsOf(machine).length);
  });

  it('keeps attempts within maxRetries + 1 (+1 after a sync) in every state', () => {
    for (const state of lane.states) {
      const c = state.context;
      expect(c.attempts, stateKey(state)).toBeLessThanOrEqual(attemptBound(c));
      if (c.job) expect(checkJobContext(c, c.job.attempts), stateKey(state)).toEqual([]);
    }
  });

  it('holds a job exactly while busy, and rests only in stable lifecycle states', () => {
    for (const state of lane.states) {
      const value = leaf(state.value);
      expect(state.status).toBe('active');
      expect(transient).not.toContain(value);
      expect(state.context.job !== undefined, stateKey(state)).toBe(value !== 'idle');
      if (value === 'idle') {
        expect(state.context.claimToken).toBe('');
        expect(state.context.stop).toBe('none');
      }
    }
  });

  it('goes idle right after completed, failed, released or waiting (or runs the job handed over), and runs the next job', () => {
    expect(replays.problems.filter((p) => p.startsWith('a final'))).toEqual([]);
    expect(replays.jobsEnded).toBeGreaterThan(0);
    expect(replays.nextJobsRun).toBeGreaterThan(0);
    // Some replayed path assigns a second job to the lane after its first one ended.
    const second = lane.edges.some(
      (e) =>
        e.event.type === 'job.assign' &&
        leaf(e.nextState.value) !== 'idle' &&
        lane.pathTo(e.state).some((earlier) => earlier.type === 'job.assign'),
    );
    expect(second).toBe(true);
  });

  it('ignores an attempt result carrying a stale token in every state', () => {
    let checked = 0;
    for (const edge of lane.edges) {
      if (!isStale(edge.event, edge.state.context)) continue;
      checked++;
      expect(stateKey(edge.nextState)).toBe(stateKey(edge.state));
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('emits its events in a valid order on every path through a real actor', () => {
    expect(replays.problems.slice(0, 10)).toEqual([]);
  });
});
