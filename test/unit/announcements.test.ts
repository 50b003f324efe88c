import { describe, expect, it } from 'vitest';
import { announcement, forEachAnnouncement } from '../../src-main/core/records/announcements.js';

const read = (text: string): Array<[string, string | undefined, string | undefined]> => {
  const out: Array<[string, string | undefined, string | undefined]> = [];
  forEachAnnouncement(text, (id, state, group) => out.push([id, state, group]));
  return out;
};

describe('record announcements', () => {
  it('read back what announcement() wrote, with and without a group, and bare ids', () => {
    const text = [announcement('a', 'SUCCESS', null), 'bare', announcement('b', 'STARTED', 'g1'), announcement('c', 'FAILURE', null), 'last'].join(',');
    expect(read(text)).toEqual([
      ['a', 'SUCCESS', undefined],
      ['bare', undefined, undefined],
      ['b', 'STARTED', 'g1'],
      ['c', 'FAILURE', undefined],
      ['last', undefined, undefined],
    ]);
  });

  it('skip empty entries and treat an empty state as none', () => {
    expect(read(`,${announcement('a', '', null)},,`)).toEqual([['a', undefined, undefined]]);
  });

  it('read a message of 50,000 bare ids', () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `id-${i}`);
    const seen = read(`${ids.join(',')},${announcement('z', 'SUCCESS', 'g')}`);
    expect(seen.length).toBe(50_001);
    expect(seen.at(-1)).toEqual(['z', 'SUCCESS', 'g']);
  });
});
