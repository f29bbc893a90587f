/**
 * Wakes runners: LISTEN on the schema's channel, with polling as a backstop.
 * @module
 */
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import { QueueEventTypes } from '../../events.js';
import type { IEventBus } from '../ports.js';
import { loadPg } from './load-pg.js';

/** What {@link PostgresListener} needs. */
export type PostgresListenerOptions = {
  connectionString: string;
  /** `application_name` of the listening connection (shows in pg_stat_activity). */
  applicationName: string;
  channel: string;
  /** This storage instance: its own notifications are ignored (it published locally already). */
  origin: string;
  bus: IEventBus;
  clock: Clock;
  /** Delay before reconnecting after the listening connection failed, in ms. */
  reconnectDelay: number;
  onError: (error: unknown) => void;
};

/**
 * A dedicated connection that LISTENs on the channel and publishes `jobAvailable` on the bus for
 * every notification another storage instance sent (enqueue, release, retry, skip, cancel, a
 * completion or a reap that made a job ready). When the connection fails it reconnects after
 * `reconnectDelay`; the storage's polling covers the gap.
 */
export class PostgresListener {
  readonly #options: PostgresListenerOptions;
  #client: pg.Client | undefined;
  #timer: unknown;
  #stopped = true;

  constructor(options: PostgresListenerOptions) {
    this.#options = options;
  }

  /** Whether the LISTEN connection is up. */
  get listening(): boolean {
    return this.#client !== undefined;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await client.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const { connectionString, applicationName, channel, origin, bus, onError } = this.#options;
    const client = new (loadPg().Client)({ connectionString, application_name: applicationName });
    client.on('notification', (message) => {
      if (message.channel !== channel || message.payload === origin) return;
      bus.publish(QueueEventTypes.JOB_AVAILABLE, {});
    });
    client.on('error', (error) => {
      onError(error);
      this.#lost(client);
    });
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${channel}"`);
    } catch (error) {
      onError(error);
      client.end().catch(() => {});
      this.#reconnectLater();
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    // Jobs may have become ready while nobody listened.
    bus.publish(QueueEventTypes.JOB_AVAILABLE, {});
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    this.#reconnectLater();
  }

  #reconnectLater(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopped) void this.#connect();
    }, this.#options.reconnectDelay);
  }
}
