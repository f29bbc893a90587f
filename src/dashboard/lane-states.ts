/**
 * The lane machines' live states, for the dashboard's lane view: an inspection observer (give
 * `laneStates.inspect` to `createReactor({ inspect })`) that keeps, per lane, the lane actor's
 * latest state and its last transitions — the lifecycle the Stately inspector shows, without it.
 * @module
 */
import type { InspectionEvent } from 'xstate';
import { type Clock, systemClock } from '../clock.js';
import { laneKey } from '../lane-key.js';
import type { LaneRef } from '../types.js';

/** One snapshot of a lane machine. */
export type LaneMachineStep = {
  /** When it was seen (ms since epoch). */
  at: number;
  /** The event that led to it. */
  event: string;
  /** The state value (`'idle'`, `{ holding: 'running' }`, …). */
  value: unknown;
  /** The state's tags. */
  tags: string[];
  /** Actor status: active, done, error, stopped. */
  status: string;
  jobId?: string;
  attempts?: number;
};

/** What the dashboard shows for a lane. */
export type LaneMachineView = LaneRef & { current: LaneMachineStep; history: LaneMachineStep[] };

export type LaneStatesOptions = {
  /** Steps kept per lane. @default 20 */
  historySize?: number;
  /** Lanes kept; the least recently changed are forgotten first. @default 10000 */
  maxLanes?: number;
  clock?: Clock;
};

/** The observer and its view. */
export type LaneStates = {
  /** Pass to `createReactor({ inspect })`. */
  inspect(event: InspectionEvent): void;
  /** The lane's machine, or undefined when no lane actor of it was seen. */
  get(lane: LaneRef): LaneMachineView | undefined;
  /** How many lanes are tracked. */
  readonly size: number;
};

type LaneContextShape = {
  laneKey?: unknown;
  job?: { id?: unknown };
  attempts?: unknown;
};

/**
 * Tracks lane actors by the `laneKey` of their context.
 * @example
 * const laneStates = createLaneStates();
 * const reactor = await createReactor({ models, inspect: laneStates.inspect });
 * await startDashboard(reactor, { laneStates });
 */
export function createLaneStates(options: LaneStatesOptions = {}): LaneStates {
  const historySize = options.historySize ?? 20;
  const maxLanes = options.maxLanes ?? 10_000;
  const clock = options.clock ?? systemClock;
  const lanes = new Map<string, LaneMachineStep[]>();
  return {
    inspect(event) {
      if (event.type !== '@xstate.snapshot') return;
      const snapshot = event.snapshot as {
        value?: unknown;
        status?: string;
        context?: LaneContextShape;
        tags?: Set<string>;
      };
      const key = snapshot.context?.laneKey;
      if (typeof key !== 'string') return;
      const step: LaneMachineStep = {
        at: clock.now(),
        event: event.event.type,
        value: snapshot.value,
        tags: snapshot.tags ? [...snapshot.tags] : [],
        status: snapshot.status ?? 'active',
      };
      const jobId = snapshot.context?.job?.id;
      if (typeof jobId === 'string') step.jobId = jobId;
      const attempts = snapshot.context?.attempts;
      if (typeof attempts === 'number') step.attempts = attempts;
      const history = lanes.get(key) ?? [];
      lanes.delete(key); // re-inserted last: the map stays in least-recently-changed order
      history.push(step);
      if (history.length > historySize) history.splice(0, history.length - historySize);
      lanes.set(key, history);
      if (lanes.size > maxLanes) lanes.delete(lanes.keys().next().value as string);
    },
    get(lane) {
      const history = lanes.get(laneKey(lane.documentId, lane.scope, lane.branch));
      const current = history?.at(-1);
      if (!history || !current) return undefined;
      return { ...lane, current, history: [...history] };
    },
    get size() {
      return lanes.size;
    },
  };
}
