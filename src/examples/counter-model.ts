/**
 * Example model: a counter with a label, in a shared (`global`) and a private (`local`) scope.
 * @module
 */
import { defineDocumentModel } from '../document/document-model.js';
import type { Action } from '../types.js';

/** State of each scope of a counter document. */
export type CounterState = { count: number; label: string };

/** Scopes of a counter document. */
export type CounterScope = 'global' | 'local';

/** Action types of the counter model. */
export const CounterActionTypes = Object.freeze({
  /** Input `{ by: number }` (finite). */
  INCREMENT: 'INCREMENT',
  /** Input `{ by: number }` (finite). */
  DECREMENT: 'DECREMENT',
  /** Input `{ label: string }`. */
  SET_LABEL: 'SET_LABEL',
  /** Input `{}`: back to 0, label kept. */
  RESET: 'RESET',
} as const);

/**
 * The counter document model (`seriatim/counter`): each scope holds `{ count, label }`. The reducer
 * rejects a non-finite `by`, a non-string label and unknown action types by throwing.
 * @example
 * const models = new ModelRegistry([counterModel]);
 */
export const counterModel = defineDocumentModel<CounterState>({
  documentType: 'seriatim/counter',
  scopes: ['global', 'local'],
  initialState: () => ({ global: { count: 0, label: '' }, local: { count: 0, label: '' } }),
  reducer(state, action) {
    switch (action.type) {
      case CounterActionTypes.INCREMENT:
        state.count += amount(action);
        return;
      case CounterActionTypes.DECREMENT:
        state.count -= amount(action);
        return;
      case CounterActionTypes.SET_LABEL: {
        const label = (action.input as { label?: unknown } | null)?.label;
        if (typeof label !== 'string') throw new Error('SET_LABEL needs input { label: string }');
        state.label = label;
        return;
      }
      case CounterActionTypes.RESET:
        state.count = 0;
        return;
      default:
        throw new Error(`Unknown counter action type '${action.type}'`);
    }
  },
});

function amount(action: Action): number {
  const by = (action.input as { by?: unknown } | null)?.by;
  if (typeof by !== 'number' || !Number.isFinite(by)) {
    throw new Error(`${action.type} needs input { by: finite number }, got ${String(by)}`);
  }
  return by;
}
