/**
 * Action creators of the example models.
 * @module
 */
import { createAction } from '../document/create-action.js';
import type { Action } from '../types.js';
import { CounterActionTypes, type CounterScope } from './counter-model.js';
import { TodoActionTypes } from './todo-model.js';

/** Scope of an example action. @default 'global' */
type Scope = CounterScope;

/**
 * Actions of the counter model, each with a fresh id and the current time.
 * @example
 * const job = { documentId, scopes: ['global'], actions: [counterActions.increment(2)] };
 */
export const counterActions = Object.freeze({
  increment: (by = 1, scope: Scope = 'global'): Action =>
    createAction({ type: CounterActionTypes.INCREMENT, scope, input: { by } }),
  decrement: (by = 1, scope: Scope = 'global'): Action =>
    createAction({ type: CounterActionTypes.DECREMENT, scope, input: { by } }),
  setLabel: (label: string, scope: Scope = 'global'): Action =>
    createAction({ type: CounterActionTypes.SET_LABEL, scope, input: { label } }),
  reset: (scope: Scope = 'global'): Action =>
    createAction({ type: CounterActionTypes.RESET, scope, input: {} }),
});

/**
 * Actions of the todo model, each with a fresh id and the current time.
 * @example
 * const job = { documentId, scopes: ['global'], actions: [todoActions.add('t1', 'Buy milk')] };
 */
export const todoActions = Object.freeze({
  add: (id: string, text: string, scope: Scope = 'global'): Action =>
    createAction({ type: TodoActionTypes.ADD_TODO, scope, input: { id, text } }),
  toggle: (id: string, scope: Scope = 'global'): Action =>
    createAction({ type: TodoActionTypes.TOGGLE_TODO, scope, input: { id } }),
  remove: (id: string, scope: Scope = 'global'): Action =>
    createAction({ type: TodoActionTypes.REMOVE_TODO, scope, input: { id } }),
  rename: (id: string, text: string, scope: Scope = 'global'): Action =>
    createAction({ type: TodoActionTypes.RENAME, scope, input: { id, text } }),
});
