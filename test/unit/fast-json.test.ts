import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scalarJson, utf8Base64 } from '../../src-main/core/protocol/fast-json.js';

describe('fast scalar JSON', () => {
  it('is byte-identical to JSON.stringify for any scalar', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)), (v) => {
        expect(scalarJson(v)).toBe(JSON.stringify(v));
      }),
      { numRuns: 5000 },
    );
  });

  it('base64-encodes the UTF-8 bytes of any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(utf8Base64(text)).toBe(Buffer.from(text, 'utf8').toString('base64'));
      }),
      { numRuns: 2000 },
    );
  });
});
