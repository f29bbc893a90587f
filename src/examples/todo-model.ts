/**
 * Example model: a todo list, in a shared (`global`) and a private (`local`) scope.
 * @module
 */
import { defineDocumentModel } from '../document/document-model.js';

/** One item of a todo list. */
export type TodoItem = { id: string; text: string; done: boolean };

/** State of each scope of a todo document: the items in the order they were added. */
export type TodoState = { todos: TodoItem[] };

/** Action types of the todo model. */
export const TodoActionTypes = Object.freeze({
  /** Input `{ id, text }`: a new item (id unused so far, text non-empty). */
  ADD_TODO: 'ADD_TODO',
  /** Input `{ id }`: flips `done`. */
  TOGGLE_TODO: 'TOGGLE_TODO',
  /** Input `{ id }`. */
  REMOVE_TODO: 'REMOVE_TODO',
  /** Input `{ id, text }`: a new text (non-empty) for an item. */
  RENAME: 'RENAME',
} as const);

/**
 * The todo document model (`seriatim/todo`). The reducer throws on a duplicate id, an unknown id,
 * an empty text and unknown action types.
 * @example
 * const models = new ModelRegistry([todoModel]);
 */
export const todoModel = defineDocumentModel<TodoState>({
  documentType: 'seriatim/todo',
  scopes: ['global', 'local'],
  initialState: () => ({ global: { todos: [] }, local: { todos: [] } }),
  reducer(state, action) {
    const input = (action.input ?? {}) as { id?: unknown; text?: unknown };
    switch (action.type) {
      case TodoActionTypes.ADD_TODO: {
        const id = itemId(input.id);
        if (state.todos.some((todo) => todo.id === id)) throw new Error(`Todo '${id}' exists`);
        state.todos.push({ id, text: text(input.text), done: false });
        return;
      }
      case TodoActionTypes.TOGGLE_TODO: {
        const todo = find(state, input.id);
        todo.done = !todo.done;
        return;
      }
      case TodoActionTypes.REMOVE_TODO: {
        const todo = find(state, input.id);
        state.todos.splice(state.todos.indexOf(todo), 1);
        return;
      }
      case TodoActionTypes.RENAME:
        find(state, input.id).text = text(input.text);
        return;
      default:
        throw new Error(`Unknown todo action type '${action.type}'`);
    }
  },
});

function itemId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) throw new Error('A todo needs a non-empty id');
  return id;
}

function text(value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new Error('A todo needs a non-empty text');
  }
  return value;
}

function find(state: TodoState, id: unknown): TodoItem {
  const todo = state.todos.find((item) => item.id === itemId(id));
  if (todo === undefined) throw new Error(`No todo '${String(id)}'`);
  return todo;
}
