import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { createReactor } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createReactor ({ sqlite })', () => {
  it('persists operations and pending jobs across a close and a reopen of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seriatim-reactor-'));
    dirs.push(dir);
    const file = join(dir, 'reactor.db');

    const first = await createReactor({ models: [counterModel], storage: { sqlite: file } });
    await first.start({ maxConcurrency: 4 });
    const created = await first.createDocument({
      documentId: 'c1',
      documentType: counterModel.documentType,
    });
    const one = await first.submit({
      documentId: 'c1',
      scopes: ['global'],
      actions: [counterActions.increment(5)],
    });
    expect((await first.manager.watch(created.id)).success).toBe(true);
    expect((await first.manager.watch(one.id)).success).toBe(true);
    await first.stop();
    // Enqueued while stopped: must survive the close.
    const two = await first.submit({
      documentId: 'c1',
      scopes: ['global'],
      actions: [counterActions.increment(7)],
    });
    await first.close();

    const second = await createReactor({ models: [counterModel], storage: { sqlite: file } });
    expect((await second.queue.get(two.id))?.status).toBe('PENDING');
    await second.start();
    expect((await second.manager.watch(two.id)).success).toBe(true);
    const ops = await second.store.getOperations('c1', 'global', 'main');
    expect(ops.map((op) => op.index)).toEqual([0, 1]);
    expect(await second.getState('c1', 'global')).toMatchObject({ count: 12 });
    await second.close();
  });
});
