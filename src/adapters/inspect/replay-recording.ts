/**
 * Replaying a `--record` file into the Stately inspector: each recorded line converted to the
 * inspector's wire format (what `@statelyai/inspect` sends), published through a bridge.
 * @module
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RecordedEvent } from './recorder.js';

/** Marks messages made from a recording (the wire format's `_version`). */
const WIRE_VERSION = 'seriatim-recording';

/** One recorded line as the inspector's message, or undefined for a marker line. */
export function toInspectorMessage(line: RecordedEvent): Record<string, unknown> | undefined {
  const common = {
    sessionId: line.sessionId,
    rootId: line.rootId,
    _version: WIRE_VERSION,
    createdAt: String(line.t),
    id: null,
  };
  switch (line.type) {
    case '@xstate.actor':
      return {
        ...common,
        type: '@xstate.actor',
        name: line.actor,
        // A recording keeps no machine definitions: the inspector shows the actor and its states.
        definition: JSON.stringify({ id: line.actor }),
        parentId: line.parentId,
        snapshot: line.snapshot ?? {},
      };
    case '@xstate.event':
      return { ...common, type: '@xstate.event', event: line.event, sourceId: line.sourceId };
    case '@xstate.snapshot':
      return { ...common, type: '@xstate.snapshot', event: line.event, snapshot: line.snapshot };
    default:
      return undefined;
  }
}

/** The lines of a recording, parsed; a line that is not JSON is skipped. */
export async function* readRecording(file: string): AsyncGenerator<RecordedEvent> {
  const lines = createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of lines) {
    if (text.trim() === '') continue;
    try {
      yield JSON.parse(text) as RecordedEvent;
    } catch {
      // a torn last line of a killed run
    }
  }
}

/**
 * Publishes every line of `file` to `bridge` (a late viewer gets them from its history).
 * @returns the messages published.
 * @example
 * const bridge = await startInspectorBridge();
 * await replayRecording('.seriatim/inspect.jsonl', bridge);
 */
export async function replayRecording(
  file: string,
  bridge: { publish(message: object): void },
): Promise<number> {
  let published = 0;
  for await (const line of readRecording(file)) {
    const message = toInspectorMessage(line);
    if (!message) continue;
    bridge.publish(message);
    published += 1;
  }
  return published;
}
