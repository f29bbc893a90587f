/**
 * Inspection adapters: live (`createWebSocketInspector`, to a local Stately inspector bridge) and
 * headless (`createRecorder`, JSON lines). Both give an `inspect` observer for `createReactor`.
 * @module
 */
export {
  type InspectorBridge,
  type InspectorBridgeOptions,
  startInspectorBridge,
} from './inspector-bridge.js';
export {
  createRecorder,
  type RecordedEvent,
  type Recorder,
  type RecorderOptions,
} from './recorder.js';
export { readRecording, replayRecording, toInspectorMessage } from './replay-recording.js';
export { type SummarizeOptions, summarize } from './summarize.js';
export {
  createWebSocketInspector,
  DEFAULT_INSPECTOR_URL,
  type WebSocketInspector,
  type WebSocketInspectorOptions,
} from './websocket-inspector.js';
