/** serve's --basic-auth and --url-prefix as the server reads them. */
import { describe, expect, it } from 'vitest';
import { basicAuthOk, MAX_BASIC_AUTH_USERS, normalizeUrlPrefix, parseBasicAuth, underPrefix } from '../../src-main/server/access.js';

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

describe('--basic-auth', () => {
  it('takes repeated values and comma lists; a password may hold colons', () => {
    const users = parseBasicAuth(['a:1,b:2', 'c:x:y:z']);
    expect(users.map((u) => u.user)).toEqual(['a', 'b', 'c']);
    expect(basicAuthOk(basic('a:1'), users)).toBe(true);
    expect(basicAuthOk(basic('b:2'), users)).toBe(true);
    expect(basicAuthOk(basic('c:x:y:z'), users)).toBe(true);
    expect(basicAuthOk(`basic   ${Buffer.from('a:1').toString('base64')}`, users)).toBe(true);
  });

  it('refuses a wrong password, another user\'s password, a malformed or oversized header', () => {
    const users = parseBasicAuth(['a:1', 'b:2']);
    for (const header of [undefined, '', basic('a:2'), basic('b:1'), basic('a'), basic('a:1x'), basic(':1'), 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${'A'.repeat(5000)}`]) {
      expect(basicAuthOk(header, users), String(header).slice(0, 40)).toBe(false);
    }
  });

  it('says what is wrong with a bad value, without repeating a password back', () => {
    expect(() => parseBasicAuth(['secretpassword'])).toThrow('--basic-auth takes user:password, both non-empty: an entry has no colon');
    expect(() => parseBasicAuth(['secretpassword'])).not.toThrow(/secretpassword/);
    expect(() => parseBasicAuth([':pw'])).toThrow(/no user name/);
    expect(() => parseBasicAuth(['ops:'])).toThrow('user "ops" has no password');
    expect(() => parseBasicAuth([Array.from({ length: MAX_BASIC_AUTH_USERS + 1 }, (_, i) => `u${i}:p`).join(',')])).toThrow(/at most 64 users/);
    expect(() => parseBasicAuth([`u:${'p'.repeat(300)}`])).toThrow(/at most 256 characters/);
  });
});

describe('--url-prefix', () => {
  it('is kept as a leading slash and no trailing one', () => {
    expect(normalizeUrlPrefix(undefined)).toBe('');
    expect(normalizeUrlPrefix('/')).toBe('');
    expect(normalizeUrlPrefix('celeriac')).toBe('/celeriac');
    expect(normalizeUrlPrefix('/celeriac/')).toBe('/celeriac');
    expect(normalizeUrlPrefix('/ops/celeriac')).toBe('/ops/celeriac');
  });

  it('refuses anything but plain path segments', () => {
    for (const bad of ['/a/../b', '/a b', '/a?x', '/a#x', '/a//b', '/%2e%2e', `/${'x'.repeat(300)}`]) {
      expect(() => normalizeUrlPrefix(bad), bad).toThrow(/--url-prefix takes a path such as \/celeriac/);
    }
  });

  it('routes the path after the prefix; the bare prefix is sent to its folder; the rest is outside', () => {
    expect(underPrefix('/celeriac/ws?token=t', '/celeriac')).toEqual({ path: '/ws?token=t' });
    expect(underPrefix('/celeriac/', '/celeriac')).toEqual({ path: '/' });
    expect(underPrefix('/celeriac?token=t', '/celeriac')).toEqual({ redirect: '/celeriac/?token=t' });
    expect(underPrefix('/celeriacx/ws', '/celeriac')).toBeNull();
    expect(underPrefix('/ws', '/celeriac')).toBeNull();
    expect(underPrefix('/ws', '')).toEqual({ path: '/ws' });
  });
});
