/**
 * `npm run inspector [-- --port 8080 --host 127.0.0.1 --replay FILE]`: starts the local inspector
 * bridge for `npm start -- --inspect`, and optionally replays a `--record` file into it.
 */
import { parseArgs } from 'node:util';
import { replayRecording, startInspectorBridge } from '../src/adapters/inspect/index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    replay: { type: 'string' },
  },
});
const bridge = await startInspectorBridge({ port: Number(values.port), host: values.host });
process.stdout.write(
  `inspector bridge: listening on ${bridge.url} (only this machine, unless --host says otherwise)\n` +
    `open ${bridge.pageUrl} in a browser: the page loads Stately's hosted inspector app ` +
    '(https://stately.ai/inspect), which needs network access and is handed the events\n',
);
if (values.replay) {
  const count = await replayRecording(values.replay, bridge);
  process.stdout.write(
    `replayed ${count} messages from ${values.replay}; open the page to see them\n`,
  );
}
process.stdout.write('Ctrl-C stops the bridge\n');
process.on('SIGINT', () => {
  bridge.close().then(() => process.exit(0));
});
