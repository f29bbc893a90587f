/** The committed state diagrams match the machines they are generated from. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getStateNodes } from 'xstate/graph';
import {
  documentedMachines,
  machineDiagram,
  machinesMarkdown,
  mermaidId,
} from '../../scripts/machine-diagrams.js';

const committed = readFileSync(new URL('../../docs/machines.md', import.meta.url), 'utf8');

describe('machine diagrams', () => {
  it('docs/machines.md is up to date', () => {
    expect(
      committed,
      'docs/machines.md differs from the machines: run `npx tsx scripts/generate-diagrams.ts`',
    ).toBe(machinesMarkdown());
  });

  for (const { title, machine } of documentedMachines) {
    describe(title, () => {
      const diagram = machineDiagram(machine);
      const lines = diagram.split('\n').map((line) => line.trim());

      it('is a stateDiagram-v2 whose state ids hold no dots', () => {
        expect(lines[0]).toBe('stateDiagram-v2');
        for (const line of lines.slice(1)) {
          const ids = line.match(/^(?:state "[^"]*" as )?([^\s:]+)(?: --> ([^\s:]+))?/);
          for (const id of ids?.slice(1) ?? []) if (id) expect(id).not.toContain('.');
        }
      });

      it('draws every state node, its initial state and its final states', () => {
        for (const node of getStateNodes(machine.root)) {
          expect(diagram).toMatch(new RegExp(`\\b${mermaidId(node)}\\b`));
          if (node.type === 'final') expect(lines).toContain(`${mermaidId(node)} --> [*]`);
          const initial = node.initial?.target[0];
          if (initial) expect(lines).toContain(`[*] --> ${mermaidId(initial)}`);
        }
        expect(lines).toContain(`[*] --> ${mermaidId(machine.root.initial!.target[0]!)}`);
      });

      it('draws one line per transition', () => {
        const transitions = [machine.root, ...getStateNodes(machine.root)].flatMap((node) => [
          ...[...node.transitions.values()].flat(),
          ...(node.always ?? []),
        ]);
        const isTransitionLine = (line: string) =>
          !line.startsWith('state ') &&
          !line.startsWith('[*]') &&
          !line.endsWith('--> [*]') &&
          !/ : (entry|exit) \//.test(line) &&
          line.includes(' : ');
        expect(lines.filter(isTransitionLine)).toHaveLength(transitions.length);
      });
    });
  }
});
