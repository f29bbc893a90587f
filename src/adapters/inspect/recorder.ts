/**
 * A headless inspector: writes the actors' inspection events to a file as JSON lines.
 * @module
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AnyActorRef, InspectionEvent, Observer } from 'xstate';
import { summarize } from './summarize.js';

/** One line of a recording. */
export type RecordedEvent = {
  /** Milliseconds since the epoch. */
  t: number;
  type:
    | '@xstate.actor'
    | '@xstate.event'
    | '@xstate.snapshot'
    | '@xstate.microstep'
    | '@xstate.action';
  /** The actor's session id (unique per actor instance). */
  sessionId: string;
  rootId?: string;
  /** The machine's id (`lane`, `supervisor`, …) or the actor's own id. */
  actor: string;
  parentId?: string;
  /** `@xstate.event`: the sender's session id, when known. */
  sourceId?: string;
  /** `@xstate.event` and `@xstate.snapshot`: the event's type and a summary of its payload. */
  event?: { type: string; [key: string]: unknown };
  /** `@xstate.actor` and `@xstate.snapshot`: status, state value and a summary of the context. */
  snapshot?: { status?: string; value?: unknown; context?: unknown; output?: unknown };
};

export type RecorderOptions = {
  /** Inspection event types written. @default ['@xstate.actor', '@xstate.event', '@xstate.snapshot'] */
  types?: RecordedEvent['type'][];
  /** Nesting kept in context and event summaries. @default 4 */
  depth?: number;
  /** @default Date.now */
  now?: () => number;
  /**
   * Bytes the file may reach; then recording stops, ending the file with one
   * `{ "type": "@seriatim.truncated" }` line. @default 104857600 (100 MiB)
   */
  maxBytes?: number;
  /**
   * Bytes waiting for the disk beyond which events are dropped (an inspection observer cannot
   * wait, so past this it drops rather than buffer without bound). @default 16777216 (16 MiB)
   */
  maxBuffered?: number;
};

/** A recording in progress. */
export type Recorder = {
  /** Pass as the `inspect` option of `createReactor` (or of any `createActor`). */
  inspect: Observer<InspectionEvent>;
  /** Lines written so far. */
  readonly count: number;
  /**
   * Events left out because the file could not keep up (more than `maxBuffered` bytes were
   * waiting for the disk). A
   * `{ "type": "@seriatim.dropped", "count": n }` line marks where, once the buffer drains.
   */
  readonly dropped: number;
  /** Whether `maxBytes` was reached and recording stopped. */
  readonly truncated: boolean;
  /** Flushes and closes the file; later events are ignored. */
  close(): Promise<void>;
};

/**
 * Records inspection events to `file` as JSON lines (one {@link RecordedEvent} per line),
 * serialised safely: payloads are summarised (functions, cycles and class instances made plain).
 * @example
 * const recorder = createRecorder('.seriatim/inspect.jsonl');
 * const reactor = await createReactor({ models, inspect: recorder.inspect });
 * // …
 * await reactor.close();
 * await recorder.close();
 */
export function createRecorder(file: string, options: RecorderOptions = {}): Recorder {
  const types = new Set(options.types ?? ['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
  const depth = options.depth ?? 4;
  const now = options.now ?? Date.now;
  mkdirSync(dirname(file), { recursive: true });
  const out = createWriteStream(file, { flags: 'w' });
  let failure: unknown;
  out.on('error', (error) => {
    failure = error;
  });
  let count = 0;
  let closed = false;
  const maxBytes = options.maxBytes ?? 104_857_600;
  let bytes = 0;
  let dropped = 0;
  let droppedSinceDrain = 0;
  const maxBuffered = options.maxBuffered ?? 16_777_216;
  let blocked = false;
  let truncated = false;
  const markDropped = () => {
    if (droppedSinceDrain === 0 || truncated) return;
    write(JSON.stringify({ t: now(), type: '@seriatim.dropped', count: droppedSinceDrain }));
    droppedSinceDrain = 0;
  };
  out.on('drain', () => {
    blocked = false;
    if (!closed) markDropped();
  });
  const write = (text: string) => {
    const line = `${text}\n`;
    bytes += Buffer.byteLength(line);
    out.write(line);
    // Past the bound, wait for 'drain' (the buffer emptied) before writing again.
    if (out.writableLength > maxBuffered) blocked = true;
  };

  const record = (event: InspectionEvent): RecordedEvent => {
    const actorRef = event.actorRef as AnyActorRef;
    const line: RecordedEvent = {
      t: now(),
      type: event.type as RecordedEvent['type'],
      sessionId: actorRef.sessionId,
      rootId: event.rootId,
      actor: actorName(actorRef),
    };
    const parentId = (actorRef as { _parent?: AnyActorRef })._parent?.sessionId;
    if (parentId !== undefined) line.parentId = parentId;
    switch (event.type) {
      case '@xstate.actor':
        // Sent while the actor is being constructed: its snapshot may not exist yet.
        try {
          line.snapshot = snapshotSummary(actorRef.getSnapshot(), depth);
        } catch {}
        break;
      case '@xstate.event':
        if (event.sourceRef) line.sourceId = event.sourceRef.sessionId;
        line.event = summarize(event.event, { depth }) as RecordedEvent['event'];
        break;
      case '@xstate.snapshot':
        line.event = { type: String(event.event?.type ?? '') };
        line.snapshot = snapshotSummary(event.snapshot, depth);
        break;
      default:
        if ('event' in event) line.event = { type: String(event.event?.type ?? '') };
    }
    return line;
  };

  return {
    inspect: {
      next(event) {
        if (closed || truncated || failure !== undefined) return;
        if (!types.has(event.type as RecordedEvent['type'])) return;
        if (blocked) {
          dropped += 1;
          droppedSinceDrain += 1;
          return;
        }
        let text: string;
        try {
          text = JSON.stringify(record(event));
        } catch {
          return;
        }
        if (bytes + Buffer.byteLength(text) + 1 > maxBytes - TRUNCATED_LINE_BYTES) {
          truncated = true;
          write(JSON.stringify({ t: now(), type: '@seriatim.truncated', maxBytes }));
          return;
        }
        write(text);
        count += 1;
      },
    },
    get count() {
      return count;
    },
    get dropped() {
      return dropped;
    },
    get truncated() {
      return truncated;
    },
    close() {
      if (closed) return Promise.resolve();
      markDropped();
      closed = true;
      return new Promise<void>((resolve, reject) => {
        out.end(() => (failure === undefined ? resolve() : reject(failure)));
      });
    },
  };
}

/** Room kept for the final `@seriatim.truncated` line. */
const TRUNCATED_LINE_BYTES = 100;

function actorName(actorRef: AnyActorRef): string {
  const logicId = (actorRef as { logic?: { config?: { id?: unknown } } }).logic?.config?.id;
  if (actorRef.id === actorRef.sessionId && typeof logicId === 'string') return logicId;
  return actorRef.id;
}

function snapshotSummary(snapshot: unknown, depth: number): RecordedEvent['snapshot'] {
  if (snapshot === null || typeof snapshot !== 'object') return undefined;
  const s = snapshot as { status?: unknown; value?: unknown; context?: unknown; output?: unknown };
  const out: NonNullable<RecordedEvent['snapshot']> = {};
  if (typeof s.status === 'string') out.status = s.status;
  if (s.value !== undefined) out.value = summarize(s.value, { depth: 8 });
  if (s.context !== undefined) out.context = summarize(s.context, { depth });
  if (s.output !== undefined) out.output = summarize(s.output, { depth });
  return out;
}
