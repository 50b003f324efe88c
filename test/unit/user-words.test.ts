import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { failure } from '../../src-main/service/calls/call-result.js';
import { inUserWords, MAX_ERROR_CHARS } from '../../src-main/service/calls/user-words.js';
import { freePort } from '../helpers/redis-server.js';

describe('errors as the contract returns them', () => {
  it("says ioredis' offline-queue refusal as Redis being unreachable, without the client's option names", async () => {
    // The message exactly as ioredis makes it: a client whose Redis is away, offline queue off.
    const client = new Redis({ port: await freePort(), enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const raw = await client.get('x').then(() => '', (err: Error) => err.message);
    client.disconnect();
    expect(raw).toMatch(/enableOfflineQueue/);

    const r = failure(new Error(raw));
    expect(r.error.code).toBe('E_UNREACHABLE');
    expect(r.error.message).toMatch(/^Redis is unreachable: /);
    expect(r.error.message).not.toMatch(/enableOfflineQueue|Stream/);
  });

  it('names the address a refused connection was made to', () => {
    const said = inUserWords('connect ECONNREFUSED 127.0.0.1:6390');
    expect(said).toEqual({ unreachable: true, message: expect.stringMatching(/^Redis is unreachable: nothing accepts connections at 127\.0\.0\.1:6390/) });
  });

  it('says a closed connection may or may not have done the action (not safe to repeat blindly)', () => {
    const r = failure(new Error('Connection is closed.'));
    expect(r.error.code).toBe('E_FAILED');
    expect(r.error.message).toMatch(/^Redis is unreachable: .*may or may not/);
  });

  it("says Redis's refusals (auth, memory, replica) in words", () => {
    expect(inUserWords('NOAUTH Authentication required.').message).toMatch(/needs a password/);
    expect(inUserWords('WRONGPASS invalid username-password pair or user is disabled.').message).toMatch(/password is wrong/);
    expect(inUserWords("OOM command not allowed when used memory > 'maxmemory'.").message).toMatch(/out of memory/);
    expect(inUserWords("READONLY You can't write against a read only replica.").message).toMatch(/read-only replica/);
  });

  it("passes the room's own messages as they are, cut to a banner's length", () => {
    expect(failure(new Error('task x kept no message to send again'))).toEqual({ ok: false, error: { code: 'E_FAILED', message: 'task x kept no message to send again' } });
    expect(failure(new Error('y'.repeat(1_000_000))).error.message.length).toBeLessThanOrEqual(MAX_ERROR_CHARS + 1);
  });
});
