/**
 * The lane registry: lane actors are root actors (`createActor`) in a plain `Map`, created on
 * demand and stopped when idle.
 *
 * Why root actors and not children of the supervisor: on xstate 5.33 a parent's per-event cost
 * grows with its number of children, and unique child ids leak in a long-lived parent. Why idle
 * timers here and not `after` in the lanes: pending timers of one actor system are scanned on
 * every actor stop. So one sweep timer serves every idle lane, and the number of idle lanes kept
 * resident is bounded (least recently idle stopped first).
 * @module
 */
import { type Actor, createActor, type InspectionEvent, type Observer } from 'xstate';
import type { Clock } from '../clock.js';
import type { laneMachine } from '../machines/lane-machine.js';
import type { LaneEmitted } from '../machines/protocol.js';

export type LaneActor = Actor<typeof laneMachine>;

export type LaneRegistryOptions = {
  /** The lane machine with the runtime's implementations provided. */
  machine: typeof laneMachine;
  clock: Clock;
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  idleTimeout: number;
  maxResidentIdle: number;
  onEmitted(event: LaneEmitted): void;
  onError(error: unknown, laneKey: string): void;
};

/** When a lane went idle; a lane idle again later gets a new mark. */
type IdleMark = { readonly laneKey: string; readonly since: number };

export class LaneRegistry {
  private readonly lanes = new Map<string, LaneActor>();
  /** Idle lanes, least recently idle first, with their current mark. */
  private readonly idle = new Map<string, IdleMark>();
  /**
   * Idle marks oldest first, from `idleHead` on; a mark that is no longer its lane's (the lane was
   * acquired, stopped or went idle again) is skipped. Why not `idle.keys().next()`: a Map
   * iterator walks over the holes deletions leave at its front, microseconds per eviction.
   */
  private idleOrder: IdleMark[] = [];
  private idleHead = 0;
  private sweepTimer: unknown;
  private sweepAt = Number.POSITIVE_INFINITY;

  private idleTimeout: number;
  private maxResidentIdle: number;

  constructor(private readonly options: LaneRegistryOptions) {
    this.idleTimeout = options.idleTimeout;
    this.maxResidentIdle = options.maxResidentIdle;
  }

  /** New idle settings (`start(config)`); they apply from the next lane that goes idle. */
  configure(idleTimeout: number, maxResidentIdle: number): void {
    this.idleTimeout = idleTimeout;
    this.maxResidentIdle = maxResidentIdle;
  }

  /** The lane's actor, created and started if it is not resident. It is no longer idle. */
  acquire(laneKey: string): LaneActor {
    let actor = this.lanes.get(laneKey);
    if (actor) {
      this.idle.delete(laneKey);
      return actor;
    }
    const { machine, clock, inspect, onEmitted, onError } = this.options;
    actor = createActor(machine, { input: { laneKey }, clock, inspect });
    // An unobserved actor error would crash the process: report it instead.
    actor.subscribe({ error: (error) => onError(error, laneKey) });
    actor.on('*', onEmitted);
    actor.start();
    this.lanes.set(laneKey, actor);
    return actor;
  }

  get(laneKey: string): LaneActor | undefined {
    return this.lanes.get(laneKey);
  }

  private readonly goingIdle: string[] = [];

  /**
   * Called when a lane finished its job (from inside that lane's transition, so the work is
   * deferred to a microtask: the bound below may stop lanes, and an actor must not be stopped
   * from its own action).
   */
  laneWentIdle(laneKey: string): void {
    if (this.goingIdle.push(laneKey) > 1) return;
    queueMicrotask(() => {
      for (const key of this.goingIdle.splice(0)) this.markIdle(key);
    });
  }

  /** Starts the lane's idle period and bounds the idle population. */
  private markIdle(laneKey: string): void {
    const actor = this.lanes.get(laneKey);
    // It may have been handed a new job since it went idle.
    if (!actor?.getSnapshot().hasTag('idle')) return;
    this.idle.delete(laneKey); // re-inserted last: the Map's order stays the idle order
    const now = this.options.clock.now();
    const mark: IdleMark = { laneKey, since: now };
    this.idle.set(laneKey, mark);
    this.idleOrder.push(mark);
    while (this.idle.size > this.maxResidentIdle) {
      this.stopLane(this.oldestIdle()!.laneKey);
    }
    this.compactIdleOrder();
    this.scheduleSweep(now + this.idleTimeout);
  }

  /** The oldest current idle mark; drops the stale marks before it. */
  private oldestIdle(): IdleMark | undefined {
    const order = this.idleOrder;
    while (this.idleHead < order.length) {
      const mark = order[this.idleHead] as IdleMark;
      if (this.idle.get(mark.laneKey) === mark) return mark;
      this.idleHead++;
    }
    return undefined;
  }

  private compactIdleOrder(): void {
    const live = this.idleOrder.length - this.idleHead;
    if (this.idleHead > 1024 && this.idleHead * 2 > this.idleOrder.length) {
      this.idleOrder = this.idleOrder.slice(this.idleHead);
      this.idleHead = 0;
    } else if (live > 2 * this.idle.size + 1024) {
      // Mostly marks of lanes acquired again: rebuild from the Map, which is in idle order.
      this.idleOrder = [...this.idle.values()];
      this.idleHead = 0;
    }
  }

  /** Lanes holding a job (not idle). */
  *busyLanes(): IterableIterator<[string, LaneActor]> {
    for (const entry of this.lanes) {
      if (!this.idle.has(entry[0])) yield entry;
    }
  }

  /** Resident lane actors (busy and idle). */
  get size(): number {
    return this.lanes.size;
  }

  get idleCount(): number {
    return this.idle.size;
  }

  /** Stops every idle lane now (after `stop()`). Busy lanes are left alone. */
  stopIdle(): void {
    for (const laneKey of [...this.idle.keys()]) this.stopLane(laneKey);
    this.idleOrder = [];
    this.idleHead = 0;
    this.cancelSweep();
  }

  /** Stops every lane, busy or not (disposal). */
  stopAll(): void {
    for (const laneKey of [...this.lanes.keys()]) this.stopLane(laneKey);
    this.idleOrder = [];
    this.idleHead = 0;
    this.cancelSweep();
  }

  /** Forgets a lane whose actor failed (it has stopped itself); the next `acquire` makes a new one. */
  discard(laneKey: string): void {
    this.stopLane(laneKey);
  }

  private stopLane(laneKey: string): void {
    this.idle.delete(laneKey);
    const actor = this.lanes.get(laneKey);
    if (!actor) return;
    this.lanes.delete(laneKey);
    actor.stop();
  }

  private scheduleSweep(at: number): void {
    if (this.sweepTimer !== undefined && this.sweepAt <= at) return;
    this.cancelSweep();
    const { clock } = this.options;
    this.sweepAt = at;
    this.sweepTimer = clock.setTimeout(() => this.sweep(), Math.max(0, at - clock.now()));
  }

  private cancelSweep(): void {
    if (this.sweepTimer !== undefined) this.options.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepAt = Number.POSITIVE_INFINITY;
  }

  private sweep(): void {
    this.sweepTimer = undefined;
    this.sweepAt = Number.POSITIVE_INFINITY;
    const { idleTimeout } = this;
    const now = this.options.clock.now();
    for (let mark = this.oldestIdle(); mark !== undefined; mark = this.oldestIdle()) {
      // Oldest first: the first lane still inside its idle period ends the sweep.
      if (now - mark.since < idleTimeout) {
        this.scheduleSweep(mark.since + idleTimeout);
        return;
      }
      this.stopLane(mark.laneKey);
    }
    this.compactIdleOrder();
  }
}
