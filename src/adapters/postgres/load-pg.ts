/**
 * The `pg` driver, an optional peer dependency, loaded on first use.
 * @module
 */
import type pg from 'pg';
import { loadOptionalPeer } from '../../optional-peer.js';

/** `pg`'s exports. @throws MissingDependencyError naming `pg` when it is not installed. */
export function loadPg(): typeof pg {
  return loadOptionalPeer<typeof pg>(
    'pg',
    'PostgreSQL storage (`storage: { postgres }`, seriatim/postgres)',
  );
}
