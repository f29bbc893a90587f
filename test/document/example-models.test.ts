import { describe, expect, it } from 'vitest';
import type { ReducerContext } from '../../src/document/document-model.js';
import { counterActions, counterModel, todoActions, todoModel } from '../../src/examples/index.js';
import type { Action } from '../../src/types.js';

const ctx: ReducerContext = {
  documentId: 'd',
  scope: 'global',
  branch: 'main',
  dispatch: () => {},
};

function run<S>(
  model: { reducer(s: S, a: Action, c: ReducerContext): unknown },
  state: S,
  actions: Action[],
): S {
  let current = structuredClone(state);
  for (const action of actions) {
    const next = model.reducer(current, action, ctx);
    if (next !== undefined) current = next as S;
  }
  return current;
}

describe('counter model', () => {
  const initial = counterModel.initialState().global!;

  it('increments, decrements, labels and resets', () => {
    const state = run(counterModel, initial, [
      counterActions.increment(5),
      counterActions.decrement(2),
      counterActions.setLabel('clicks'),
    ]);
    expect(state).toEqual({ count: 3, label: 'clicks' });
    expect(run(counterModel, state, [counterActions.reset()])).toEqual({
      count: 0,
      label: 'clicks',
    });
  });

  it('rejects a non-finite by, a non-string label and unknown types', () => {
    expect(() => run(counterModel, initial, [counterActions.increment(Number.NaN)])).toThrow(
      /finite/,
    );
    expect(() =>
      run(counterModel, initial, [counterActions.decrement(Number.POSITIVE_INFINITY)]),
    ).toThrow();
    expect(() => run(counterModel, initial, [counterActions.setLabel(3 as never)])).toThrow(
      /label/,
    );
    const unknown = { ...counterActions.reset(), type: 'NOPE' };
    expect(() => run(counterModel, initial, [unknown])).toThrow(/Unknown/);
  });

  it('has action creators that target a scope', () => {
    expect(counterActions.increment(2, 'local')).toMatchObject({
      type: 'INCREMENT',
      scope: 'local',
      input: { by: 2 },
    });
    expect(counterActions.increment().input).toEqual({ by: 1 });
  });
});

describe('todo model', () => {
  const initial = todoModel.initialState().global!;

  it('adds, toggles, renames and removes items', () => {
    const state = run(todoModel, initial, [
      todoActions.add('t1', 'Buy milk'),
      todoActions.add('t2', 'Walk'),
      todoActions.toggle('t1'),
      todoActions.rename('t2', 'Run'),
      todoActions.remove('t1'),
    ]);
    expect(state).toEqual({ todos: [{ id: 't2', text: 'Run', done: false }] });
  });

  it('throws on a duplicate id, an unknown id and an empty text', () => {
    const one = run(todoModel, initial, [todoActions.add('t1', 'x')]);
    expect(() => run(todoModel, one, [todoActions.add('t1', 'y')])).toThrow(/exists/);
    expect(() => run(todoModel, one, [todoActions.toggle('nope')])).toThrow(/No todo/);
    expect(() => run(todoModel, one, [todoActions.remove('nope')])).toThrow(/No todo/);
    expect(() => run(todoModel, one, [todoActions.rename('t1', '  ')])).toThrow(/text/);
    expect(() => run(todoModel, initial, [todoActions.add('t2', '')])).toThrow(/text/);
  });
});
