import { describe, expect, it } from 'vitest';
import { MissingDependencyError } from '../../src/index.js';
import { loadOptionalPeer } from '../../src/optional-peer.js';

describe('loadOptionalPeer', () => {
  it('names the package and how to install it when it is missing', () => {
    expect(() => loadOptionalPeer('seriatim-no-such-package', 'The feature')).toThrow(
      new MissingDependencyError('seriatim-no-such-package', 'The feature'),
    );
    expect(() => loadOptionalPeer('seriatim-no-such-package', 'The feature')).toThrow(
      'The feature needs the package seriatim-no-such-package, an optional peer dependency of seriatim that is not installed; install it with `npm install seriatim-no-such-package`',
    );
  });

  it('loads an installed one', () => {
    expect(typeof loadOptionalPeer<{ Pool: unknown }>('pg', 'PostgreSQL').Pool).toBe('function');
  });
});
