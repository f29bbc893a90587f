/**
 * Shared plumbing for the model-based tests: the machine's structure (state nodes, transition
 * definitions, delayed event types), a walk of its state graph with `xstate/graph`, and replays of
 * the walk's paths through real actors on a `SimulatedClock`, recording what each step emitted and
 * which transition definitions and state nodes it went through (transient ones included).
 */
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  createActor,
  type EventObject,
  type InspectionEvent,
  SimulatedClock,
  type StateValue,
} from 'xstate';
import {
  type AdjacencyMap,
  adjacencyMapToArray,
  getAdjacencyMap,
  getShortestPaths,
  getStateNodes,
  type StatePath,
  serializeSnapshot,
} from 'xstate/graph';
import { nextDue } from '../support/clock.js';

// ─── Structure ───────────────────────────────────────────────────────────────────────────────────

/** Every state node below the root, depth first. */
export function stateNodesOf(machine: AnyStateMachine): AnyStateNode[] {
  return getStateNodes(machine.root);
}

/** Every transition definition (`on`, `after`, `always`, `onDone`), the root's included. */
export function transitionsOf(machine: AnyStateMachine): AnyTransitionDefinition[] {
  return [machine.root, ...getStateNodes(machine.root)].flatMap((node) => [
    ...[...node.transitions.values()].flat(),
    ...(node.always ?? []),
  ]);
}

/** The event type of every `after` transition, e.g. `xstate.after.jobTimeout.lane.busy.running`. */
export function delayedEventTypes(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root).flatMap((node) => node.after.map((t) => t.eventType));
}

/** Every event type some state node handles (`after` and `onDone` events included). */
export function handledEventTypes(machine: AnyStateMachine): string[] {
  const types = [machine.root, ...getStateNodes(machine.root)].flatMap((node) => [
    ...node.transitions.keys(),
  ]);
  return [...new Set(types)].sort();
}

type AnyGuard = AnyTransitionDefinition['guard'];

function guardName(guard: AnyGuard): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const inner = (guard as { guards?: AnyGuard[] }).guards;
    return inner ? `${guard.name}(${inner.map(guardName).join(', ')})` : guard.name;
  }
  return (guard as { type: string }).type;
}

/** A readable, unique name: `lane.busy.settled always [canRetry] → lane.busy.retrying`. */
export function transitionKey(t: AnyTransitionDefinition): string {
  const event = t.eventType || 'always';
  const guard = t.guard === undefined ? '' : ` [${guardName(t.guard)}]`;
  const target = t.target?.length ? t.target.map((n) => n.id).join(', ') : '(no target)';
  return `${t.source.id} ${event}${guard} → ${target}`;
}

/** Ids of the state nodes a snapshot is in, read off its state value. */
export function activeNodeIds(machine: AnyStateMachine, snapshot: AnyMachineSnapshot): string[] {
  const ids: string[] = [];
  const visit = (node: AnyStateNode, value: StateValue) => {
    const entries = typeof value === 'string' ? [[value, {}] as const] : Object.entries(value);
    for (const [key, sub] of entries) {
      const child = node.states[key]!;
      ids.push(child.id);
      if (sub !== undefined) visit(child, sub);
    }
  };
  visit(machine.root, snapshot.value);
  return ids;
}

// ─── The walk ────────────────────────────────────────────────────────────────────────────────────

export type Edge<TSnapshot, TEvent> = { state: TSnapshot; event: TEvent; nextState: TSnapshot };

export type Walk<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject> = {
  adjacency: AdjacencyMap<TSnapshot, TEvent>;
  states: TSnapshot[];
  edges: Edge<TSnapshot, TEvent>[];
  /** The events of a shortest path from the initial snapshot to `state`. */
  pathTo(state: TSnapshot): TEvent[];
};

/**
 * The reachable state graph of `machine` from its initial snapshot for `input`, with `events`
 * offered in every state (the traversal's default would offer only the events a state handles).
 */
export function walk<TMachine extends AnyStateMachine, TEvent extends EventObject>(
  machine: TMachine,
  options: {
    input?: unknown;
    events: (snapshot: ReturnType<TMachine['transition']>) => TEvent[];
    stopWhen?: (snapshot: ReturnType<TMachine['transition']>) => boolean;
  },
): Walk<ReturnType<TMachine['transition']>, TEvent> {
  type S = ReturnType<TMachine['transition']>;
  const traversal = {
    input: options.input,
    events: options.events,
    stopWhen: options.stopWhen,
  } as Parameters<typeof getAdjacencyMap<S, TEvent, unknown>>[1];
  const adjacency = getAdjacencyMap<S, TEvent, unknown>(machine as never, traversal);
  const paths = new Map<string, StatePath<S, TEvent>>();
  for (const path of getShortestPaths(machine, traversal as never) as StatePath<S, TEvent>[]) {
    paths.set(serializeSnapshot(path.state), path);
  }
  return {
    adjacency,
    states: Object.values(adjacency).map((v) => v.state),
    edges: adjacencyMapToArray(adjacency),
    pathTo(state) {
      const path = paths.get(serializeSnapshot(state));
      if (!path) throw new Error(`No path to ${serializeSnapshot(state)}`);
      // Step 0 is `xstate.init`; each later step holds the event that led to its state.
      return path.steps.slice(1).map((step) => step.event);
    },
  };
}

// ─── Replays through real actors ─────────────────────────────────────────────────────────────────

/** What one event did to a real actor. */
export type ActorStep<TSnapshot, TEvent> = {
  event: TEvent;
  before: TSnapshot;
  after: TSnapshot;
  emitted: EventObject[];
  /** Transition definitions taken, microstep by microstep (eventless and `onDone` included). */
  taken: AnyTransitionDefinition[];
  /** Ids of the state nodes entered or passed through, transient ones included. */
  visited: Set<string>;
};

/** Records coverage across many replays. */
export class Coverage {
  readonly nodes = new Set<string>();
  readonly transitions = new Set<AnyTransitionDefinition>();

  constructor(private readonly machine: AnyStateMachine) {}

  add(step: { taken: AnyTransitionDefinition[]; visited: Set<string> }): void {
    for (const t of step.taken) this.transitions.add(t);
    for (const id of step.visited) this.nodes.add(id);
  }

  missingNodes(): string[] {
    return stateNodesOf(this.machine)
      .map((n) => n.id)
      .filter((id) => !this.nodes.has(id));
  }

  missingTransitions(): string[] {
    return transitionsOf(this.machine)
      .filter((t) => !this.transitions.has(t))
      .map(transitionKey);
  }
}

/** An actor of `machine` that records, per `send`, the emitted events and microsteps. */
class RecordingActor<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject> {
  readonly clock = new SimulatedClock();
  readonly actor: AnyActorRef;
  private emitted: EventObject[] = [];
  private taken: AnyTransitionDefinition[] = [];
  private visited = new Set<string>();
  private error: unknown;
  readonly initialVisited: Set<string>;

  constructor(machine: AnyStateMachine, from: { input?: unknown } | { snapshot: TSnapshot }) {
    const inspect = (event: InspectionEvent) => {
      if (event.type !== '@xstate.microstep') return;
      this.taken.push(...event._transitions);
      for (const id of activeNodeIds(machine, event.snapshot as AnyMachineSnapshot)) {
        this.visited.add(id);
      }
    };
    this.actor =
      'snapshot' in from
        ? createActor(machine, {
            snapshot: machine.getPersistedSnapshot(from.snapshot),
            clock: this.clock,
            inspect,
          })
        : createActor(machine, { input: from.input, clock: this.clock, inspect });
    this.actor.on('*', (event: EventObject) => this.emitted.push(event));
    this.actor.subscribe({
      error: (error: unknown) => {
        this.error = error;
      },
    });
    this.actor.start();
    this.throwIfFailed();
    this.initialVisited = new Set(activeNodeIds(machine, this.snapshot));
  }

  get snapshot(): TSnapshot {
    return this.actor.getSnapshot() as TSnapshot;
  }

  /** The events emitted so far and not yet taken by a step (e.g. on start). */
  takeEmitted(): EventObject[] {
    const emitted = this.emitted;
    this.emitted = [];
    return emitted;
  }

  /**
   * Sends `event`; a delayed event that the model says fires is produced by stepping the clock to
   * the pending timer instead, so the named delay and its event id are exercised for real.
   */
  step(event: TEvent, fireTimer: boolean): ActorStep<TSnapshot, TEvent> {
    const before = this.snapshot;
    this.emitted = [];
    this.taken = [];
    this.visited = new Set();
    if (fireTimer) {
      const due = nextDue(this.clock);
      if (due === undefined) throw new Error(`No timer pending for ${event.type}`);
      this.clock.set(due);
    } else {
      this.actor.send(event);
    }
    this.throwIfFailed();
    return {
      event,
      before,
      after: this.snapshot,
      emitted: this.emitted,
      taken: this.taken,
      visited: this.visited,
    };
  }

  stop(): void {
    this.actor.stop();
  }

  private throwIfFailed(): void {
    if (this.error !== undefined) throw this.error;
  }
}

const isDelayed = (event: EventObject) => event.type.startsWith('xstate.after.');

/**
 * Replays `events` from the initial snapshot of `input` through a real actor. Stops early at a
 * final snapshot (a stopped actor takes no events; the pure walk checks that finals are inert).
 * `onStart` gets the events emitted on start; `onStep` gets every step.
 */
export function replayPath<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject>(
  machine: AnyStateMachine,
  input: unknown,
  events: TEvent[],
  handlers: {
    onStart?: (snapshot: TSnapshot, emitted: EventObject[], visited: Set<string>) => void;
    onStep: (step: ActorStep<TSnapshot, TEvent>) => void;
  },
): void {
  const actor = new RecordingActor<TSnapshot, TEvent>(machine, { input });
  handlers.onStart?.(actor.snapshot, actor.takeEmitted(), actor.initialVisited);
  for (const event of events) {
    if (actor.snapshot.status !== 'active') break;
    const before = actor.snapshot;
    // Fire the timer only when the delayed event is one the current state handles.
    const fires = isDelayed(event) && before.can(event);
    handlers.onStep(actor.step(event, fires));
  }
  actor.stop();
}

/** One event sent to a real actor restored at `snapshot` (delayed events are sent as events). */
export function replayEdge<TSnapshot extends AnyMachineSnapshot, TEvent extends EventObject>(
  machine: AnyStateMachine,
  snapshot: TSnapshot,
  event: TEvent,
): ActorStep<TSnapshot, TEvent> {
  const actor = new RecordingActor<TSnapshot, TEvent>(machine, { snapshot });
  actor.takeEmitted();
  const step = actor.step(event, false);
  actor.stop();
  return step;
}

/** The parts of a snapshot the model compares: value, status and context. */
export function stateKey(snapshot: AnyMachineSnapshot): string {
  return `${snapshot.status} ${serializeSnapshot(snapshot)}`;
}
