import { describe, expect, it } from 'vitest';
import {
  type DocumentModel,
  defineDocumentModel,
  ModelRegistry,
} from '../../src/document/document-model.js';
import { JobValidationError } from '../../src/errors.js';
import { counterModel } from '../../src/examples/counter-model.js';
import { todoModel } from '../../src/examples/todo-model.js';

const valid: DocumentModel<{ n: number }> = {
  documentType: 'test/model',
  scopes: ['global'],
  initialState: () => ({ global: { n: 0 } }),
  reducer(state) {
    state.n += 1;
  },
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JobValidationError);
    return (error as JobValidationError).field;
  }
  return undefined;
}

describe('defineDocumentModel', () => {
  it('returns a frozen model with its own copy of the scopes', () => {
    const scopes = ['global', 'local'];
    const model = defineDocumentModel({
      ...valid,
      scopes,
      initialState: () => ({ global: { n: 0 }, local: { n: 0 } }),
    });
    scopes.push('other');
    expect(model.scopes).toEqual(['global', 'local']);
    expect(Object.isFrozen(model)).toBe(true);
    expect(Object.isFrozen(model.scopes)).toBe(true);
    const state = { n: 1 };
    model.reducer(
      state,
      { id: 'a', type: 'X', scope: 'global', input: {}, timestampUtcMs: '' },
      {
        documentId: 'd',
        scope: 'global',
        branch: 'main',
        dispatch: () => {},
      },
    );
    expect(state.n).toBe(2);
  });

  it('rejects each invalid field, naming it', () => {
    const cases: [string, Partial<DocumentModel<{ n: number }>>][] = [
      ['documentType', { documentType: '' }],
      ['documentType', { documentType: 42 as never }],
      ['scopes', { scopes: [] }],
      ['scopes', { scopes: 'global' as never }],
      ['scopes', { scopes: ['global', 'global'] }],
      ['scopes', { scopes: ['global', 'document'] }],
      ['scopes', { scopes: ['global', ''] }],
      ['initialState', { initialState: 'nope' as never }],
      ['initialState', { initialState: () => ({}) }],
      ['initialState', { initialState: () => ({ global: { n: 0 }, extra: { n: 0 } }) }],
      ['initialState', { initialState: () => null as never }],
      ['initialState', { initialState: () => ({ global: { n: 1n } as never }) }],
      ['reducer', { reducer: undefined as never }],
    ];
    for (const [field, patch] of cases) {
      expect(fieldOf(() => defineDocumentModel({ ...valid, ...patch }))).toBe(field);
    }
  });

  it('accepts the example models', () => {
    expect(() => defineDocumentModel(counterModel)).not.toThrow();
    expect(() => defineDocumentModel(todoModel)).not.toThrow();
  });
});

describe('ModelRegistry', () => {
  it('finds models by documentType', () => {
    const registry = new ModelRegistry([counterModel, todoModel]);
    expect(registry.get('seriatim/counter')?.scopes).toEqual(['global', 'local']);
    expect(registry.has('seriatim/todo')).toBe(true);
    expect(registry.has('seriatim/nope')).toBe(false);
    expect(registry.get('seriatim/nope')).toBeUndefined();
    expect(registry.documentTypes()).toEqual(['seriatim/counter', 'seriatim/todo']);
  });

  it('rejects a second model of the same documentType', () => {
    expect(fieldOf(() => new ModelRegistry([counterModel, counterModel]))).toBe('documentType');
    const registry = new ModelRegistry();
    registry.register(valid);
    expect(fieldOf(() => registry.register({ ...valid }))).toBe('documentType');
  });

  it('validates what it registers', () => {
    expect(fieldOf(() => new ModelRegistry([{ ...valid, scopes: [] }]))).toBe('scopes');
  });
});
