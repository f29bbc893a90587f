/**
 * How runtime statements are declared and run: each lives in its own module as a named,
 * server-side prepared statement whose header names every `$n`.
 * @module
 */
import type { QueryResultRow } from 'pg';

/** A prepared statement: `name` is unique per connection, `text` its SQL. */
export type Statement = { readonly name: string; readonly text: string };

/** A pool or a client: anything that runs a query. */
export type Queryable = {
  query<R extends QueryResultRow>(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: R[]; rowCount: number | null }>;
};

/** Runs `statement` with `values` and returns its rows. */
export async function run<R extends QueryResultRow = QueryResultRow>(
  db: Queryable,
  statement: Statement,
  values: unknown[],
): Promise<R[]> {
  const result = await db.query<R>({ name: statement.name, text: statement.text, values });
  return result.rows;
}
