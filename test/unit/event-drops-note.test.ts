import { describe, expect, it } from 'vitest';
import { eventDropsNote } from '../../src-main/service/cluster/event-drops-note.js';

describe('events dropped or cut on arrival, as the status says them', () => {
  it('says nothing when nothing was', () => {
    expect(eventDropsNote({})).toBeNull();
    expect(eventDropsNote({ 'too-large': 0 })).toBeNull();
  });

  it('says what was dropped apart from what was kept cut, with the bounds', () => {
    expect(eventDropsNote({ 'too-large': 3, 'text-cut': 12 })).toBe('events dropped on arrival: 3 messages over 16 MiB; events cut on arrival: 12 with a large field cut (marked in it)');
    expect(eventDropsNote({ 'too-large': 1 })).toBe('events dropped on arrival: 1 message over 16 MiB');
    expect(eventDropsNote({ 'too-many-events': 5, 'too-many-fields': 2, 'too-deep': 1 })).toBe(
      'events dropped on arrival: 5 beyond 1000 in one message; events cut on arrival: 2 with fields beyond 256 left out, 1 with a value nested over 32 levels (or too big) replaced by a mark',
    );
  });

  it('names a reason it does not know by its name', () => {
    expect(eventDropsNote({ 'bad-json': 4 })).toBe('events dropped on arrival: 4 bad-json');
  });
});
