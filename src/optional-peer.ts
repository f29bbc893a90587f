/**
 * Loading the optional peer dependencies (`better-sqlite3`, `pg`, `@statelyai/inspect`) on first
 * use, so a memory-only user installs none of them and one who forgot one is told which to
 * install, instead of Node's "Cannot find package" or the driver's "Could not locate the bindings
 * file".
 * @module
 */
import { createRequire } from 'node:module';
import { MissingDependencyError } from './errors.js';

const require = createRequire(import.meta.url);

/**
 * The package `name`, required from where seriatim is installed.
 * @param feature what needs it, for the message: `storage: { sqlite }`.
 * @throws MissingDependencyError when it is not installed.
 */
export function loadOptionalPeer<T>(name: string, feature: string): T {
  try {
    return require(name) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = String((error as Error | null)?.message ?? '');
    if (code === 'MODULE_NOT_FOUND' && message.includes(`'${name}'`)) {
      throw new MissingDependencyError(name, feature, { cause: error });
    }
    throw error;
  }
}
