/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with the most self time,
 * the same by file, and, with `--inclusive`, the time with each function on the stack (an async
 * function's resumptions count apart: they start a new stack). How bench/README.md's profiles
 * were read.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/p2-memory-documents.ts 50000
 *   npx tsx bench/support/cpuprofile-summary.ts /tmp/prof/<largest>.cpuprofile [top=40] [--inclusive] [filter]
 *
 * The largest file of a `--cpu-prof-dir` is the main thread's; tsx's loader thread writes another.
 */
import { readFileSync } from 'node:fs';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const args = process.argv.slice(2);
const inclusive = args.includes('--inclusive');
const [file, topArg, filter] = args.filter((arg) => arg !== '--inclusive');
if (file === undefined) {
  console.error('usage: cpuprofile-summary.ts <file.cpuprofile> [top] [--inclusive] [filter]');
  process.exit(2);
}
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parentOf.set(child, node.id);
/** µs of samples whose leaf is each node. */
const leafTime = new Map<number, number>();
profile.samples.forEach((id, i) => {
  leafTime.set(id, (leafTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

/** `src/…`, `node_modules/<package>/…`, `bench/…`, or Node's own `node:…`. */
function shortUrl(url: string): string {
  return url.replace(/^.*\/(node_modules\/[^/]+|src|bench)\//, '$1/');
}
function label(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  return `${functionName || '(anonymous)'} ${shortUrl(url)}`;
}

let total = 0;
const self = new Map<string, number>();
const byFile = new Map<string, number>();
const withOnStack = new Map<string, number>();
for (const [id, micros] of leafTime) {
  total += micros;
  const leaf = byId.get(id)!;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + micros);
  const where = shortUrl(leaf.callFrame.url) || leaf.callFrame.functionName;
  byFile.set(where, (byFile.get(where) ?? 0) + micros);
  if (!inclusive) continue;
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
    const name = label(byId.get(at)!);
    if (seen.has(name)) continue; // recursion counts once per sample
    seen.add(name);
    withOnStack.set(name, (withOnStack.get(name) ?? 0) + micros);
  }
}

function print(title: string, rows: Map<string, number>): void {
  console.log(`\n${title}`);
  const sorted = [...rows]
    .filter(([name]) => filter === undefined || name.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [name, micros] of sorted) {
    const ms = (micros / 1000).toFixed(0).padStart(7);
    const share = ((100 * micros) / total).toFixed(1).padStart(5);
    console.log(`${ms} ms ${share} %  ${name}`);
  }
}

console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print('self time by function', self);
print('self time by file', byFile);
if (inclusive) print('time on the stack (inclusive)', withOnStack);
