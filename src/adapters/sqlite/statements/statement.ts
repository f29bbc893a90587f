/**
 * A SQL statement with the types of its named parameters and of its result rows, prepared once
 * per connection by {@link prepare}.
 * @module
 */
import type { Database, Statement } from 'better-sqlite3';

/** SQL text typed by its parameters `P` (bound by name: `@name`) and its result row `R`. */
export type StatementDef<P extends object, R> = {
  readonly sql: string;
  /** Never set: carries the types. */
  readonly types?: { params: P; row: R };
};

/** Declares a statement; the SQL is trimmed of the indentation of the template. */
export function defineStatement<P extends object, R = never>(sql: string): StatementDef<P, R> {
  return { sql: sql.trim() };
}

/** Prepares `def` on `db` with its parameter and row types. */
export function prepare<P extends object, R>(
  db: Database,
  def: StatementDef<P, R>,
): Statement<[P], R> {
  return db.prepare<[P], R>(def.sql);
}

/** The prepared form of a {@link StatementDef}. */
export type Prepared<D> = D extends StatementDef<infer P, infer R> ? Statement<[P], R> : never;

/** Prepares every statement of `defs` on `db`, keeping their names and types. */
export function prepareAll<T extends Record<string, StatementDef<object, unknown>>>(
  db: Database,
  defs: T,
): { [K in keyof T]: Prepared<T[K]> } {
  const prepared: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) prepared[name] = prepare(db, def);
  return prepared as { [K in keyof T]: Prepared<T[K]> };
}
