/**
 * Byte-for-byte agreement with `@powerhousedao/shared` on what both compute: a scope's state hash
 * (`hashDocumentStateForScope`, SHA-1/base64 over safe-stable-stringify) and the operation id
 * (`deriveOperationId`), over generated JSON states and identifiers.
 */
import { deriveOperationId, hashDocumentStateForScope } from '@powerhousedao/shared/document-model';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashState, operationId } from '../../src/index.js';

/** JSON data as seriatim accepts it: truthy scope states (objects and arrays). */
const json = fc.jsonValue({ stringUnit: 'grapheme' });
const state = fc.oneof(fc.dictionary(fc.string({ unit: 'grapheme' }), json), fc.array(json));

describe('hash and id parity with Powerhouse', () => {
  it('hashState(state) is hashDocumentStateForScope of a document holding it', () => {
    fc.assert(
      fc.property(state, (value) => {
        const document = { state: { global: value } };
        expect(hashState(value)).toBe(hashDocumentStateForScope(document, 'global'));
      }),
      { numRuns: 500, seed: 14 },
    );
  });

  it('operationId is deriveOperationId', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (doc, scope, branch, id) => {
        expect(operationId(doc, scope, branch, id)).toBe(deriveOperationId(doc, scope, branch, id));
      }),
      { numRuns: 500, seed: 14 },
    );
  });

  it('differs only for falsy states, which seriatim refuses', () => {
    for (const falsy of [null, 0, false, '']) {
      expect(hashDocumentStateForScope({ state: { global: falsy } }, 'global')).toBe(
        hashDocumentStateForScope({ state: { global: '' } }, 'global'),
      );
    }
    expect(hashState(null)).not.toBe(
      hashDocumentStateForScope({ state: { global: null } }, 'global'),
    );
  });
});
