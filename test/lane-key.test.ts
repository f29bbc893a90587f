import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { laneKey } from '../src/lane-key.js';

/** Strings of any UTF-16 code units, weighted towards the ones JSON escapes. */
const part = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom('"', '\\', '\u0000', '\u001f', '\ud800', '\udc00', 'a', ',', ']'),
  }),
  fc.string({ unit: 'grapheme-ascii' }),
);

describe('laneKey', () => {
  it('is the JSON array of the three parts, whatever they hold', () => {
    fc.assert(
      fc.property(part, part, part, (documentId, scope, branch) => {
        expect(laneKey(documentId, scope, branch)).toBe(
          JSON.stringify([documentId, scope, branch]),
        );
      }),
      { numRuns: 2_000, seed: 12 },
    );
    expect(laneKey('doc-1', 'global', 'main')).toBe('["doc-1","global","main"]');
    expect(laneKey('a"b', '\\', '\ud800')).toBe(JSON.stringify(['a"b', '\\', '\ud800']));
  });
});
