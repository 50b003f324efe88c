import { describe, expect, it } from 'vitest';
import { dismissalKey } from '../../src-renderer/views/Connections/banner-dismissal.js';
import { eventDropsNote } from '../../src-main/service/cluster/event-drops-note.js';

describe('a dismissed status banner', () => {
  it('stays dismissed while only the counts in its message change', () => {
    const held = (n: number) => `history not writing: disk full (ENOSPC); retrying (${n} events held)`;
    expect(dismissalKey(held(1203))).toBe(dismissalKey(held(1204)));
    expect(dismissalKey(held(1))).toBe(dismissalKey(held(250_000)));
    const drops = (big: number, cut: number) => eventDropsNote({ 'too-large': big, 'text-cut': cut })!;
    expect(dismissalKey(drops(1, 12))).toBe(dismissalKey(drops(3, 4096)));
    const both = (n: number) => `${held(n)}; ${drops(n, n * 2)}`;
    expect(dismissalKey(both(7))).toBe(dismissalKey(both(8)));
  });

  it('comes back when the kind of problem changes', () => {
    const writing = 'history not writing: disk full (ENOSPC); retrying (12 events held)';
    expect(dismissalKey(writing)).not.toBe(dismissalKey('history not writing: the history file is locked by another program; retrying (12 events held)'));
    expect(dismissalKey(writing)).not.toBe(dismissalKey(`${writing}; events dropped on arrival: 1 message over 64 MiB`));
    expect(dismissalKey(eventDropsNote({ 'text-cut': 3 })!)).not.toBe(dismissalKey(eventDropsNote({ 'text-cut': 3, 'too-large': 1 })!));
    expect(dismissalKey('could not switch to Staging: the password was refused')).not.toBe(dismissalKey('could not switch to Staging: nothing accepts connections at 10.0.0.5:6379'));
  });
});
