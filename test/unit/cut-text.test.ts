import { describe, expect, it } from 'vitest';
import { characters, cutText, MAX_SHOWN_CHARS, SHOWN_CHARS } from '../../src-renderer/format/cut-text.js';

describe('long values in the page', () => {
  it('keeps a short value whole', () => {
    expect(cutText('[1, 2]', SHOWN_CHARS)).toEqual({ shown: '[1, 2]', hidden: 0 });
  });

  it('cuts a megabyte to what the page shows, and says how much is left', () => {
    const big = 'x'.repeat(1024 * 1024);
    expect(cutText(big, SHOWN_CHARS)).toEqual({ shown: 'x'.repeat(SHOWN_CHARS), hidden: big.length - SHOWN_CHARS });
    // "show all" is bounded too.
    expect(cutText(big, MAX_SHOWN_CHARS).shown.length).toBe(MAX_SHOWN_CHARS);
  });

  it('never cuts a character in half (a surrogate pair stays whole or goes whole)', () => {
    const text = `${'a'.repeat(9)}😀tail`;
    const { shown, hidden } = cutText(text, 10);
    expect(shown).toBe('a'.repeat(9));
    expect(shown.length + hidden).toBe(text.length);
  });

  it('counts characters as people read numbers', () => {
    expect(characters(1)).toBe('1 character');
    expect(characters(1_048_576)).toMatch(/^1.048.576 characters$/);
  });
});
