/**
 * Example document models (`seriatim/examples`): a counter and a todo list, with action creators.
 * @module
 */

export {
  CounterActionTypes,
  type CounterScope,
  type CounterState,
  counterModel,
} from './counter-model.js';
export { counterActions, todoActions } from './example-actions.js';
export { TodoActionTypes, type TodoItem, type TodoState, todoModel } from './todo-model.js';
