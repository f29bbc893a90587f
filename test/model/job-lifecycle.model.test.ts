/**
 * Model-based tests of the job lifecycle machine: its state graph is walked with `xstate/graph`
 * for every claim of a small domain (maxRetries 0–2, with and without a sync source, a re-claim),
 * offering every event in every state; each edge is then replayed through a real actor on a
 * `SimulatedClock` (the shortest path to its source, then its event), delayed events by stepping
 * the clock to the pending timer.
 */
import { describe, expect, it } from 'vitest';
import { assign, createActor, type EventObject, SimulatedClock } from 'xstate';
import { JobError, JobErrorCodes } from '../../src/errors.js';
import type { LaneContext } from '../../src/machines/job-lifecycle.js';
import { jobLifecycleMachine } from '../../src/machines/job-lifecycle.js';
import type { LaneEmitted } from '../../src/machines/protocol.js';
import type { Job } from '../../src/types.js';
import {
  attemptAt0,
  attemptBound,
  backoffAt0,
  checkJobContext,
  claimCases,
  isStale,
  LaneEventChecker,
  laneEvents,
  makeJob,
} from './lane-model.js';
import {
  Coverage,
  delayedEventTypes,
  handledEventTypes,
  replayPath,
  stateKey,
  stateNodesOf,
  transitionsOf,
  walk,
} from './model-harness.js';

// The runtime provides the timing actions with its clock and seeded random; so does the model.
const machine = jobLifecycleMachine.provide({
  actions: { beginAttempt: assign(attemptAt0), chooseBackoff: assign(backoffAt0) },
});
type Snapshot = ReturnType<typeof machine.transition>;

const delayed = {
  jobTimeout: 'xstate.after.jobTimeout.jobLifecycle.running',
  backoff: 'xstate.after.backoff.jobLifecycle.retrying',
};
const events = laneEvents(delayed);
const finalStates = ['completed', 'failed', 'released', 'waiting'];
const transient = ['settled', 'releasedAfterAttempt'];

const walks = claimCases.map((c) => {
  const input = { laneKey: 'lane-1', claim: c.claim, config: c.config };
  return { ...c, input, walk: walk(machine, { input, events }) };
});

/** Replays every edge of every walk through a real actor, once, and keeps what it saw. */
const replays = (() => {
  const coverage = new Coverage(machine);
  const problems: string[] = [];
  let paths = 0;
  for (const { input, claim, config, walk: w } of walks) {
    for (const edge of w.edges) {
      paths++;
      const checker = new LaneEventChecker();
      checker.assign(claim, config, false);
      const path = [...w.pathTo(edge.state), edge.event];
      replayPath<Snapshot, EventObject>(machine, input, path, {
        onStart: (snapshot, emitted, visited) => {
          coverage.add({ taken: [], visited });
          checker.step({ type: 'xstate.init' }, '', String(snapshot.value), emitted);
        },
        onStep: (step) => {
          coverage.add(step);
          const before = String(step.before.value);
          checker.step(step.event, before, String(step.after.value), step.emitted);
          if (isStale(step.event, step.before.context)) {
            if (stateKey(step.after) !== stateKey(step.before) || step.emitted.length) {
              problems.push(`stale ${step.event.type} changed ${before}`);
            }
          }
        },
      });
      for (const p of checker.problems) problems.push(`${p} on ${path.map((e) => e.type)}`);
    }
  }
  return { coverage, problems, paths };
})();

describe('job lifecycle machine (model-based)', () => {
  it('names its delayed events after the named delays and the state ids', () => {
    expect(delayedEventTypes(machine)).toEqual([delayed.jobTimeout, delayed.backoff]);
  });

  it('is offered every event it handles', () => {
    const offered = new Set(events(walks[0]!.walk.states[0]!).map((e) => e.type));
    for (const type of handledEventTypes(machine)) expect(offered).toContain(type);
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
    for (const { walk: w } of walks) {
      for (const state of w.states) {
        // A success may have handed over the next job: the context's claim is the one to check.
        const claimed = state.context.job!.attempts;
        expect(checkJobContext(state.context, claimed), stateKey(state)).toEqual([]);
      }
    }
    // The bound is reached: the domain is not too small to test it.
    const reached = walks.some(({ walk: w }) =>
      w.states.some((s) => s.context.synced && s.context.attempts === attemptBound(s.context)),
    );
    expect(reached).toBe(true);
  });

  it('rests only in stable states, and is done exactly in the final ones', () => {
    for (const { walk: w } of walks) {
      for (const state of w.states) {
        const value = String(state.value);
        expect(transient).not.toContain(value);
        expect(state.status === 'done', value).toBe(finalStates.includes(value));
      }
    }
  });

  it('accepts no event once completed, failed, released or waiting', () => {
    let checked = 0;
    for (const { walk: w } of walks) {
      for (const edge of w.edges) {
        if (!finalStates.includes(String(edge.state.value))) continue;
        checked++;
        expect(stateKey(edge.nextState), edge.event.type).toBe(stateKey(edge.state));
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('ignores an attempt result carrying a stale token in every state', () => {
    let checked = 0;
    for (const { walk: w } of walks) {
      for (const edge of w.edges) {
        if (!isStale(edge.event, edge.state.context as LaneContext)) continue;
        checked++;
        expect(stateKey(edge.nextState)).toBe(stateKey(edge.state));
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('emits its events in a valid order on every path through a real actor', () => {
    expect(replays.problems.slice(0, 10)).toEqual([]);
    expect(replays.paths).toBe(walks.reduce((n, w) => n + w.walk.edges.length, 0));
  });
});

/**
 * A write whose outcome is unknown (README: Semantics, "Retries"). Not in the model's domain: such
 * a job is retried without bound, so its state space is infinite; its paths are driven here.
 */
describe('job lifecycle machine: a write whose outcome is unknown', () => {
  const ioError = new JobError(JobErrorCodes.IO_ERROR, 'connection reset');
  const unknown = new JobError(JobErrorCodes.IO_ERROR, 'connection reset', {
    outcomeUnknown: true,
  });

  function start(job: Job, maxRetries: number) {
    const clock = new SimulatedClock();
    const config = { ...claimCases[0]!.config, maxRetries };
    const actor = createActor(machine, {
      input: { laneKey: 'lane-1', claim: { job, token: 'claim' }, config },
      clock,
    });
    const emitted: LaneEmitted[] = [];
    actor.on('*', (event) => emitted.push(event as LaneEmitted));
    actor.start();
    actor.send({ type: 'slot.granted' });
    return { actor, clock, emitted };
  }
  const flagged = (attempts: number): Job => ({ ...makeJob(attempts), outcomeUnknown: true });
  const released = (emitted: LaneEmitted[]) => emitted.find((e) => e.type === 'job.released');

  it('a claim of a flagged job retries a retryable failure with its retries used up', () => {
    const { actor, emitted } = start(flagged(3), 0);
    expect(actor.getSnapshot().context.writeMayBeStored).toBe(true);
    actor.send({ type: 'attempt.failed', token: 1, error: ioError });
    expect(actor.getSnapshot().value).toBe('retrying');
    expect(emitted.some((e) => e.type === 'job.failed')).toBe(false);
    // A stop while it backs off: the release keeps the flag.
    actor.send({ type: 'lane.release' });
    expect(released(emitted)).toMatchObject({ attempts: 3, outcomeUnknown: true });
  });

  it('an unflagged claim with its retries used up fails', () => {
    const { actor } = start(makeJob(3), 0);
    expect(actor.getSnapshot().context.writeMayBeStored).toBe(false);
    actor.send({ type: 'attempt.failed', token: 1, error: ioError });
    expect(actor.getSnapshot().value).toBe('failed');
  });

  it('a failure with its outcome unknown flags the release that follows a graceful stop', () => {
    const { actor, emitted } = start(makeJob(1), 2);
    actor.send({ type: 'lane.release' });
    actor.send({ type: 'attempt.failed', token: 1, error: unknown });
    expect(actor.getSnapshot().value).toBe('released');
    expect(released(emitted)).toMatchObject({ attempts: 1, outcomeUnknown: true });
  });

  it('an aborted attempt whose write may have committed flags the release (hard stop)', () => {
    const { actor, emitted } = start(makeJob(1), 2);
    actor.send({ type: 'lane.abort' });
    expect(actor.getSnapshot().value).toBe('aborting');
    actor.send({ type: 'attempt.failed', token: 1, error: unknown });
    expect(released(emitted)).toMatchObject({ attempts: 0, outcomeUnknown: true });
  });

  it('an aborted attempt that failed knowing its outcome releases unflagged', () => {
    const { actor, emitted } = start(makeJob(1), 2);
    actor.send({ type: 'lane.abort' });
    actor.send({ type: 'attempt.failed', token: 1, error: ioError });
    expect(released(emitted)).toMatchObject({ attempts: 0, outcomeUnknown: false });
  });
});
