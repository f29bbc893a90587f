import { describe, expect, it } from 'vitest';
import {
  CREATE_DOCUMENT,
  createAction,
  createDocumentJob,
  DELETE_DOCUMENT,
  DOCUMENT_SCOPE,
  deleteDocumentJob,
} from '../../src/document/create-action.js';

describe('createAction', () => {
  it('fills a random id and the current time as ISO', () => {
    const a = createAction({ type: 'INCREMENT', scope: 'global', input: { by: 1 } });
    const b = createAction({ type: 'INCREMENT', scope: 'global', input: { by: 1 } });
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.id).not.toBe(b.id);
    expect(new Date(a.timestampUtcMs).toISOString()).toBe(a.timestampUtcMs);
    expect(a).toMatchObject({ type: 'INCREMENT', scope: 'global', input: { by: 1 } });
    expect('context' in a).toBe(false);
  });

  it('takes the time from an injected clock, and keeps a given id and timestamp', () => {
    const clock = { now: () => Date.UTC(2030, 0, 2, 3, 4, 5) };
    expect(createAction({ type: 'T', scope: 's', input: null, clock }).timestampUtcMs).toBe(
      '2030-01-02T03:04:05.000Z',
    );
    const given = createAction({
      type: 'T',
      scope: 's',
      input: null,
      id: 'x',
      timestampUtcMs: '2020-01-01T00:00:00.000Z',
    });
    expect(given.id).toBe('x');
    expect(given.timestampUtcMs).toBe('2020-01-01T00:00:00.000Z');
  });
});

describe('document lifecycle jobs', () => {
  it('createDocumentJob holds every model scope plus document, with one CREATE_DOCUMENT action', () => {
    const job = createDocumentJob({
      documentId: 'd1',
      documentType: 'seriatim/counter',
      scopes: ['global', 'local'],
    });
    expect(job.documentId).toBe('d1');
    expect(job.branch).toBe('main');
    expect(job.scopes).toEqual(['global', 'local', DOCUMENT_SCOPE]);
    expect(job.actions).toHaveLength(1);
    expect(job.actions[0]).toMatchObject({
      type: CREATE_DOCUMENT,
      scope: 'document',
      input: { documentType: 'seriatim/counter' },
    });
    expect(job.id).toBeUndefined();
  });

  it('deleteDocumentJob does the same with DELETE_DOCUMENT, and passes ids and branch', () => {
    const job = deleteDocumentJob({
      documentId: 'd1',
      documentType: 'seriatim/counter',
      scopes: ['global'],
      branch: 'draft',
      jobId: 'j1',
      actionId: 'a1',
    });
    expect(job).toMatchObject({ id: 'j1', branch: 'draft', scopes: ['global', 'document'] });
    expect(job.actions[0]).toMatchObject({ id: 'a1', type: DELETE_DOCUMENT, scope: 'document' });
  });
});
