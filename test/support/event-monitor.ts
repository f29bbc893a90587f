/** Records bus events in order, by name, for assertions (graphile-worker-style test helper). */
import type { IEventBus } from '../../src/adapters/ports.js';
import { ExecutorEventNames } from '../../src/events.js';

// biome-ignore lint/suspicious/noExplicitAny: payloads of every event type, inspected loosely by tests
export type Recorded = { name: string; payload: any };

export class EventMonitor {
  readonly events: Recorded[] = [];
  private readonly unsubscribes: (() => void)[] = [];

  constructor(bus: IEventBus) {
    for (const [name, code] of Object.entries(ExecutorEventNames)) {
      this.unsubscribes.push(
        bus.subscribe(code, (payload) => {
          this.events.push({ name, payload });
        }),
      );
    }
  }

  count(name: string): number {
    return this.events.filter((e) => e.name === name).length;
  }

  /** `name:jobId` for each job event, in order. */
  trace(filter?: (e: Recorded) => boolean): string[] {
    return this.events
      .filter((e) => (filter ? filter(e) : true))
      .map((e) => (e.payload?.job ? `${e.name}:${e.payload.job.id}` : e.name));
  }

  forJob(jobId: string): string[] {
    return this.events.filter((e) => e.payload?.job?.id === jobId).map((e) => e.name);
  }

  dispose(): void {
    for (const u of this.unsubscribes) u();
  }
}
