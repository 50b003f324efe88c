/** The contract's own limits, as both transports apply them through parseCall. */
import { describe, expect, it } from 'vitest';
import { parseCall } from '../../src-main/service/calls/parse-call.js';
import { jsonNestsDeeper, valueNestsDeeper } from '../../src-main/core/protocol/limits.js';

describe('call limits', () => {
  it('refuses input nested past 64 levels before any schema runs (zod recurses)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    expect(parseCall('tasks:submit', { name: 'x', args: [deep] })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', message: expect.stringContaining('nests deeper than 64') } });
    let fine: unknown = 1;
    for (let i = 0; i < 60; i++) fine = [fine];
    expect(parseCall('tasks:submit', { name: 'x', args: [fine] })).toMatchObject({ ok: true });
  });

  it('refuses a batch whose file list is past the request limit, over IPC as over the WebSocket', () => {
    const files = Array.from({ length: 9000 }, (_, i) => `/${'d'.repeat(4000)}/${i}.png`);
    expect(parseCall('batches:preview', { task: 'checksum', files })).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', message: expect.stringContaining('over 32 MiB') } });
    expect(parseCall('batches:preview', { task: 'checksum', files: files.slice(0, 100) })).toMatchObject({ ok: true });
  });

  it("bounds a resend's eta at 10 years ahead, as its countdown, and lets a past eta through", () => {
    const call = (eta: string) => parseCall('tasks:resend', { id: 'a', args: [], kwargs: {}, eta, mode: 'new' });
    const yearsAhead = (y: number) => new Date(Date.now() + y * 365 * 86_400_000).toISOString();
    expect(call(yearsAhead(11))).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT', message: expect.stringContaining('more than 10 years ahead') } });
    expect(call('9999-12-31T00:00:00Z')).toMatchObject({ ok: false, error: { code: 'E_BAD_INPUT' } });
    expect(call(yearsAhead(9))).toMatchObject({ ok: true });
    expect(call('2001-01-01T00:00:00Z')).toMatchObject({ ok: true });
    expect(parseCall('tasks:resend', { id: 'a', args: [], kwargs: {}, countdown: 11 * 365 * 86_400, mode: 'new' })).toMatchObject({ ok: false });
  });

  it('measures nesting without recursing, in text and in values', () => {
    expect(jsonNestsDeeper(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 1000)).toBe(true);
    expect(jsonNestsDeeper(`["${'['.repeat(5000)}"]`, 10)).toBe(false); // brackets in a string
    expect(jsonNestsDeeper(`["\\"${'['.repeat(5000)}"]`, 10)).toBe(false); // after an escaped quote
    let v: unknown = 0;
    for (let i = 0; i < 100_000; i++) v = { a: v };
    expect(valueNestsDeeper(v, 1000)).toBe(true);
    expect(valueNestsDeeper({ a: [1, { b: 2 }] }, 3)).toBe(false);
  });
});
