import { describe, expect, it, vi } from 'vitest';
import { JobResults } from '../../src/actors/job-results.js';
import type { JobResult } from '../../src/types.js';

const result = (id: string, tag = ''): JobResult => ({
  job: {
    id,
    documentId: 'doc',
    scopes: ['global'],
    branch: 'main',
    actions: [],
    status: 'COMPLETED',
    createdAt: 0,
    attempts: 1,
  },
  success: true,
  completedAt: '',
  duration: 0,
  operations: [],
  metadata: { tag },
});

describe('job results', () => {
  it('keeps the latest `retention` results, oldest dropped first', () => {
    const results = new JobResults(3);
    for (let i = 0; i < 5_000; i++) results.settle(result(`j${i}`));
    expect(results.get('j4996')).toBeUndefined();
    expect(['j4997', 'j4998', 'j4999'].map((id) => results.get(id)?.job.id)).toEqual([
      'j4997',
      'j4998',
      'j4999',
    ]);
  });

  it('makes a result settled again the newest', () => {
    const results = new JobResults(2);
    results.settle(result('a', 'first'));
    results.settle(result('b'));
    results.settle(result('a', 'second'));
    results.settle(result('c'));
    expect(results.get('b')).toBeUndefined();
    expect(results.get('a')?.metadata).toEqual({ tag: 'second' });
    expect(results.get('c')).toBeDefined();
  });

  it('keeps its bound when the same jobs settle again and again', () => {
    const results = new JobResults(10);
    for (let round = 0; round < 1_000; round++) {
      for (let i = 0; i < 10; i++) results.settle(result(`j${i}`, String(round)));
    }
    for (let i = 0; i < 10; i++) expect(results.get(`j${i}`)?.metadata).toEqual({ tag: '999' });
    results.settle(result('new'));
    expect(results.get('j0')).toBeUndefined();
    expect(results.get('j1')).toBeDefined();
  });

  it('drops the oldest when the retention shrinks, and keeps nothing at 0', () => {
    const results = new JobResults(5);
    for (let i = 0; i < 5; i++) results.settle(result(`j${i}`));
    results.setRetention(2);
    expect(results.get('j2')).toBeUndefined();
    expect(results.get('j3')).toBeDefined();
    results.setRetention(0);
    expect(results.get('j4')).toBeUndefined();
    results.settle(result('x'));
    expect(results.get('x')).toBeUndefined();
  });

  it('resolves watchers whatever the retention', async () => {
    const results = new JobResults(0);
    const waiting = results.wait('w');
    results.settle(result('w'));
    expect((await waiting).job.id).toBe('w');
  });

  it('rejects the watchers of a cancelled job with the reason and forgets them', async () => {
    const results = new JobResults(10);
    const controller = new AbortController();
    const removeListener = vi.spyOn(controller.signal, 'removeEventListener');
    const plain = results.wait('c');
    const withSignal = results.wait('c', controller.signal);
    const other = results.wait('o');
    const reason = new Error('Job c was cancelled');

    results.cancel('c', reason);
    results.cancel('unknown', reason);

    await expect(plain).rejects.toBe(reason);
    await expect(withSignal).rejects.toBe(reason);
    expect(removeListener).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(results.waiting).toBe(1);
    results.settle(result('o'));
    expect((await other).job.id).toBe('o');
    expect(results.waiting).toBe(0);
  });
});
