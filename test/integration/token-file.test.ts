/** serve's token in the data folder: kept, replaced when it is not a token, rotated on request, 0600. */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptToken } from '../../src-main/server/token-file.js';

describe('the kept token', () => {
  it('is made once, kept, and replaced only when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-token-'));
    const first = keptToken(dir);
    expect(first).toMatchObject({ made: true, token: expect.stringMatching(/^[0-9a-f]{48}$/) });
    expect(keptToken(dir)).toEqual({ token: first.token, made: false });
    const rotated = keptToken(dir, true);
    expect(rotated.made).toBe(true);
    expect(rotated.token).not.toBe(first.token);
    expect(readFileSync(join(dir, 'token'), 'utf8')).toBe(`${rotated.token}\n`);
  });

  it('replaces a file that holds no token, and takes a loosened mode back to 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-token-'));
    writeFileSync(join(dir, 'token'), 'not a token\n');
    const made = keptToken(dir);
    expect(made.made).toBe(true);
    chmodSync(join(dir, 'token'), 0o644);
    expect(keptToken(dir)).toEqual({ token: made.token, made: false });
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
  });
});
