import { describe, expect, it } from 'vitest';
import { normaliseMessage } from '../../src-main/service/overview/failure-groups.js';

describe('failure messages, normalised for grouping', () => {
  it('replaces ids, numbers, paths, hex, emails and URLs, keeping the words', () => {
    expect(normaliseMessage('user 1234 not found')).toBe('user <n> not found');
    expect(normaliseMessage('task 6f1c2a9e-58a1-4c1e-9a3e-0d2b7c1e4f55 lost')).toBe('task <id> lost');
    expect(normaliseMessage("[Errno 2] No such file or directory: '/var/data/in/x.csv'")).toBe("[Errno <n>] No such file or directory: '<path>'");
    expect(normaliseMessage('C:\\jobs\\in\\a.png broke at 0x7ffe12')).toBe('<path> broke at <hex>');
    expect(normaliseMessage('mail to ada@example.org failed, see https://status.example.org/x?id=3')).toBe('mail to <email> failed, see <url>');
    expect(normaliseMessage('sha 9f86d081884c7d659a2feaa0c55ad015 mismatch')).toBe('sha <hex> mismatch');
    expect(normaliseMessage('took 2.5 s')).toBe('took <n> s');
  });

  it('gives the same pattern to the same cause and another to another', () => {
    expect(normaliseMessage('user 1 not found')).toBe(normaliseMessage('user 99 not found'));
    expect(normaliseMessage('user 1 not found')).not.toBe(normaliseMessage('user 1 is locked'));
  });
});
