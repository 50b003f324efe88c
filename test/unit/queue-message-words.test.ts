import { describe, expect, it } from 'vitest';
import { messages, outcomeSaid, reachAction, reachSaid, taskNames } from '../../src-renderer/views/Queues/message-words.js';
import type { QueuedMessageView } from '../../src-renderer/api/contract.js';

const shown = (task: string | null): QueuedMessageView => ({ task } as QueuedMessageView);

describe('what the queue browser says', () => {
  it('counts messages in words', () => {
    expect(messages(1)).toBe('1 message');
    expect(messages(1200)).toBe(`${(1200).toLocaleString()} messages`);
  });

  it('names the tasks of a selection, most frequent first, the rest counted', () => {
    expect(taskNames([shown('a'), shown('b'), shown('b')])).toBe('b ×2, a');
    expect(taskNames([shown(null)])).toBe('(not decoded)');
    expect(taskNames(['a', 'b', 'c', 'd', 'e', 'f'].map(shown))).toBe('a, b, c, d and 2 more');
  });

  it('says what a bulk action did and what it left because it changed since shown', () => {
    expect(outcomeSaid('Deleted', { done: 3, changed: 0, scan: null, capped: false })).toBe('Deleted 3 messages.');
    expect(outcomeSaid('Moved', { done: 1, changed: 2, scan: null, capped: false }, 'b')).toBe('Moved 1 message to b. 2 were taken or changed since you looked, and left alone.');
    expect(outcomeSaid('Deleted', { done: 0, changed: 1, scan: { scanned: 10, of: 20, limit: 10, matched: 1 }, capped: false })).toBe('Deleted 0 messages. 1 was taken or changed since you looked, and left alone. The search read the first 10 of 20.');
  });

  it('says how many a bulk action could not act on, and why', () => {
    expect(outcomeSaid('Moved', { done: 1, changed: 0, scan: null, capped: false, failed: { count: 2, reason: 'cannot move to b' } }, 'b'))
      .toBe('Moved 1 message to b. 2 messages could not be moved and were left where they were: cannot move to b.');
    expect(outcomeSaid('Deleted', { done: 0, changed: 0, scan: null, capped: false, failed: { count: 1, reason: 'Connection is closed' } }))
      .toBe('Deleted 0 messages. 1 message could not be deleted and was left where it was: Connection is closed.');
  });

  it('says a bulk action reaches at most 1,000 messages, and that one past it stopped there', () => {
    const n = (x: number) => x.toLocaleString();
    expect(reachSaid('deleted', 5000)).toBe(`At most ${n(1000)} per action: up to ${n(1000)} messages will be deleted; run it again for the rest.`);
    expect(reachSaid('moved', 3)).toBe(`At most ${n(1000)} per action: up to 3 messages will be moved.`);
    expect(reachAction('Delete', 5000)).toBe(`Delete the first ${n(1000)}`);
    expect(reachAction('Move', 1000)).toBe('Move all matching');
    expect(outcomeSaid('Deleted', { done: 1000, changed: 0, scan: { scanned: 1001, of: 5000, limit: 10_000, matched: 1001 }, capped: true })).toBe(
      `Deleted ${n(1000)} messages. Stopped at ${n(1000)}: run it again for the rest.`,
    );
  });
});
