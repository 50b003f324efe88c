import { describe, expect, it } from 'vitest';
import { DROPS_NOTE_MS, EventDropsNote, eventDropsNote } from '../../src-main/service/cluster/event-drops-note.js';

/** A note whose clock the test moves. */
function noteAt(): { note: EventDropsNote; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { note: new EventDropsNote(() => clock.t), clock };
}

describe('the events-dropped note over time', () => {
  it('says nothing before anything is dropped', () => {
    const { note } = noteAt();
    expect(note.note({})).toBeNull();
    expect(note.note({ 'text-cut': 0 })).toBeNull();
  });

  it('stays while drops go on and goes some minutes after the last', () => {
    const { note, clock } = noteAt();
    expect(note.note({ 'text-cut': 1 })).toBe('events cut on arrival: 1 with a large field cut (marked in it)');
    clock.t += DROPS_NOTE_MS - 1000;
    expect(note.note({ 'text-cut': 5 })).toBe('events cut on arrival: 5 with a large field cut (marked in it)');
    clock.t += DROPS_NOTE_MS - 1000; // long after the first drop, not after the last
    expect(note.note({ 'text-cut': 5 })).toBe('events cut on arrival: 5 with a large field cut (marked in it)');
    clock.t += 1000;
    expect(note.note({ 'text-cut': 5 })).toBeNull();
    clock.t += 3 * DROPS_NOTE_MS;
    expect(note.note({ 'text-cut': 5 })).toBeNull();
  });

  it('counts a new spell of drops from where the last ended', () => {
    const { note, clock } = noteAt();
    note.note({ 'too-large': 2, 'text-cut': 40 });
    clock.t += DROPS_NOTE_MS;
    expect(note.note({ 'too-large': 2, 'text-cut': 40 })).toBeNull();
    clock.t += 60_000;
    // Only what came after the quiet spell, not the totals since start.
    expect(note.note({ 'too-large': 3, 'text-cut': 40 })).toBe(eventDropsNote({ 'too-large': 1 }));
    clock.t += 1000;
    expect(note.note({ 'too-large': 3, 'text-cut': 41 })).toBe(eventDropsNote({ 'too-large': 1, 'text-cut': 1 }));
  });

  it('takes totals counted afresh (a new receiver) as a new spell', () => {
    const { note, clock } = noteAt();
    note.note({ 'text-cut': 40 });
    clock.t += 1000;
    expect(note.note({ 'text-cut': 2 })).toBe('events cut on arrival: 2 with a large field cut (marked in it)');
  });
});
