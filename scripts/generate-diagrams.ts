/**
 * Writes `docs/machines.md`: Mermaid diagrams of the job lifecycle, lane and supervisor machines,
 * generated from their definitions. Run with `npx tsx scripts/generate-diagrams.ts`.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machinesMarkdown } from './machine-diagrams.js';

const target = fileURLToPath(new URL('../docs/machines.md', import.meta.url));
mkdirSync(fileURLToPath(new URL('../docs/', import.meta.url)), { recursive: true });
writeFileSync(target, machinesMarkdown());
console.log(`Wrote ${target}`);
