/**
 * Mermaid `stateDiagram-v2` diagrams generated from the machine definitions, by walking
 * `machine.root`: nested states, initial and final states, `on` / `after` / `always` / `onDone`
 * transitions with their event, guard and action names, entry and exit actions, and transitions
 * that stay in their state. `docs/machines.md` is this module's output; `test/docs` checks that
 * the committed file matches.
 * @module
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { jobLifecycleMachine } from '../src/machines/job-lifecycle.js';
import { laneMachine } from '../src/machines/lane-machine.js';
import { supervisorMachine } from '../src/machines/supervisor-machine.js';

/** The machines documented, in order, with a section title each. */
export const documentedMachines: { title: string; machine: AnyStateMachine }[] = [
  { title: 'Job lifecycle machine', machine: jobLifecycleMachine },
  { title: 'Lane machine', machine: laneMachine },
  { title: 'Supervisor machine', machine: supervisorMachine },
];

type Named = string | { type: string } | ((...args: never[]) => unknown);

/** The name of a guard (`and(canRetry, isStopRequested)` for a combined one). */
export function guardName(guard: Named): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const inner = (guard as { guards?: Named[] }).guards;
    return inner ? `${guard.name}(${inner.map(guardName).join(', ')})` : guard.name || 'inline';
  }
  return guard.type;
}

/** Whether `action` is one of the raise/cancel pairs XState adds to implement an `after`. */
function isDelayPlumbing(action: unknown): boolean {
  const a = action as { type?: string; id?: unknown; sendId?: unknown };
  const id = a.type === 'xstate.raise' ? a.id : a.type === 'xstate.cancel' ? a.sendId : undefined;
  return typeof id === 'string' && id.startsWith('xstate.after.');
}

function actionNames(actions: readonly unknown[]): string[] {
  return actions.filter((a) => !isDelayPlumbing(a)).map((a) => guardName(a as Named));
}

/** A Mermaid state id: the node's path joined with `_` (Mermaid ids cannot hold dots). */
export function mermaidId(node: AnyStateNode): string {
  return node.path.join('_');
}

/**
 * `event [guard] / actions`: `after <delay>`, `always` and `done` for the built-in events, and
 * `(ignored)` for an event handled by doing nothing.
 */
export function transitionLabel(node: AnyStateNode, t: AnyTransitionDefinition): string {
  let event = t.eventType;
  if (!event) event = 'always';
  else if (event.startsWith('xstate.after.')) {
    const delay = node.after.find((a) => a.eventType === event)?.delay;
    event = `after ${delay}`;
  } else if (event.startsWith('xstate.done.state.')) event = 'done';
  const guard = t.guard === undefined ? '' : ` [${guardName(t.guard as Named)}]`;
  const actions = actionNames(t.actions);
  if (actions.length) return `${event}${guard} / ${actions.join(', ')}`;
  return t.target?.length ? `${event}${guard}` : `${event}${guard} (ignored)`;
}

function transitionsOf(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
}

/** What is written inside a state's box: entry and exit actions, transitions that stay. */
function boxLines(node: AnyStateNode): string[] {
  const entry = actionNames(node.entry);
  const exit = actionNames(node.exit);
  return [
    ...(entry.length ? [`entry / ${entry.join(', ')}`] : []),
    ...(exit.length ? [`exit / ${exit.join(', ')}`] : []),
    ...transitionsOf(node)
      .filter((t) => !t.target?.length)
      .map((t) => transitionLabel(node, t)),
  ];
}

/** The lines of one state node's contents: declarations, initial, transitions, children. */
function nodeLines(node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  const children = Object.values(node.states) as AnyStateNode[];
  // Declared first: Mermaid titles a box with its first description, so the name comes first.
  for (const child of children) {
    if (!Object.keys(child.states).length)
      lines.push(`state "${child.key}" as ${mermaidId(child)}`);
  }
  const initial = node.initial?.target[0];
  if (initial) lines.push(`[*] --> ${mermaidId(initial)}`);
  for (const child of children) {
    const id = mermaidId(child);
    const box = boxLines(child);
    if (Object.keys(child.states).length) {
      // Mermaid draws a composite state with its name only: what its box would hold goes in
      // notes beside it.
      lines.push(`state ${id} {`, ...nodeLines(child, '  '), '}');
      for (const line of box) lines.push(`note right of ${id} : ${line}`);
    } else {
      for (const line of box) lines.push(`${id} : ${line}`);
    }
    for (const t of transitionsOf(child)) {
      for (const target of t.target ?? []) {
        lines.push(`${id} --> ${mermaidId(target)} : ${transitionLabel(child, t)}`);
      }
    }
    if (child.type === 'final') lines.push(`${id} --> [*]`);
  }
  return lines.map((line) => indent + line);
}

/** The Mermaid `stateDiagram-v2` source of `machine`. */
export function machineDiagram(machine: AnyStateMachine): string {
  const root = machine.root;
  const rootTransitions = transitionsOf(root);
  if (rootTransitions.length) throw new Error(`${machine.id}: root transitions are not drawn`);
  return ['stateDiagram-v2', ...nodeLines(root, '  ')].join('\n');
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A Markdown table with its columns padded, as Biome formats it. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(3, h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** A table of the machine's state nodes: id, kind and description. */
function stateTable(machine: AnyStateMachine): string[] {
  const rows: string[][] = [];
  const visit = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      const kind = child.type === 'atomic' ? '' : child.type;
      const initial = node.initial?.target.includes(child) ? 'initial' : '';
      const kinds = [initial, kind].filter(Boolean).join(', ');
      rows.push([`\`${child.path.join('.')}\``, kinds, cell(child.description ?? '')]);
      visit(child);
    }
  };
  visit(machine.root);
  return table(['State', 'Kind', 'Description'], rows);
}

/** The whole of `docs/machines.md`. */
export function machinesMarkdown(): string {
  const sections = documentedMachines.flatMap(({ title, machine }) => [
    `## ${title} (\`${machine.id}\`)`,
    '',
    machine.root.description ?? '',
    '',
    '```mermaid',
    machineDiagram(machine),
    '```',
    '',
    ...stateTable(machine),
    '',
  ]);
  return [
    '# State machines',
    '',
    'Generated from the machine definitions in `src/machines/` by',
    '`npx tsx scripts/generate-diagrams.ts`: do not edit by hand (`test/docs/diagrams.test.ts` fails',
    'when this file is out of date).',
    '',
    'How to read the diagrams: an arrow is labelled `event [guard] / actions`. `always` is an',
    'eventless transition, taken as soon as its guard holds; `after <delay>` fires when the named',
    'delay elapses; `done` leaves a compound state when it reaches a final state. Lines inside a',
    "state's box are its entry actions and the events it handles without leaving it. The effects",
    '(`runAttempt`, `abortAttempt`, `runSync`) are named actions the runtime provides; everything',
    'else is an assignment or an emitted event.',
    '',
    ...sections,
  ].join('\n');
}
