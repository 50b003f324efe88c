import { describe, expect, it } from 'vitest';
import { outageCause } from '../../src-main/service/connections/outage-cause.js';

describe('why Redis is unreachable, for a status that says it is', () => {
  it('says the cause in a user\'s words, without the lead said twice', () => {
    expect(outageCause('connect ECONNREFUSED 127.0.0.1:6390')).toBe('nothing accepts connections at 127.0.0.1:6390 (is redis-server running, and is the port right?)');
    expect(outageCause('getaddrinfo ENOTFOUND redis.internal')).toBe('the host name redis.internal does not resolve');
    expect(outageCause('read ECONNRESET')).toBe('the connection was reset');
  });

  it('says a command the client refused while down as the connection lost, not the client\'s options', () => {
    expect(outageCause("Stream isn't writeable and enableOfflineQueue options is false")).toBe('the connection was lost');
    expect(outageCause('Connection is closed.')).toBe('the connection was lost');
    expect(outageCause('')).toBe('the connection was lost');
  });

  it('passes what Redis said in its own words when it is not about reaching it', () => {
    expect(outageCause('WRONGPASS invalid username-password pair')).toBe('Redis refused the command: the user name or password is wrong');
  });
});
