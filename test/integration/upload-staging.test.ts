/**
 * Uploads into the staging folder, at the file system: an upload cut short never costs the
 * file it was replacing (it is written beside it and renamed into place), and a symbolic link
 * inside the staging folder cannot make an upload create folders outside it.
 */
import { createServer, request, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleUpload } from '../../src-main/server/uploads.js';
import { until } from '../helpers/until.js';

const base = mkdtempSync(join(tmpdir(), 'celeriac-upload-staging-'));
const UPLOADS = join(base, 'uploads');
const OUTSIDE = join(base, 'outside');
let server: Server;
let port: number;
/** Uploads the handler has finished with, answered or not (a client that left gets no answer). */
let handled = 0;

beforeAll(async () => {
  mkdirSync(UPLOADS);
  mkdirSync(OUTSIDE);
  server = createServer((req, res) => void handleUpload(req, res, UPLOADS).finally(() => handled++));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function upload(query: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/upload?${query}` }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts an upload, sends part of the body, and goes away: the handler sees the request aborted. */
async function abortedUpload(query: string, part: string, meanwhile = (): void => undefined): Promise<void> {
  const before = handled;
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/upload?${query}`, headers: { 'Content-Length': 1_000_000 } });
  req.on('error', () => undefined);
  req.write(part);
  await new Promise((r) => setTimeout(r, 200)); // the handler has opened its file and written the part
  meanwhile();
  req.destroy();
  await until(async () => handled > before);
}

describe('an upload cut short', () => {
  it('leaves the staged file a replace was fixing as it was, and no temporary file', async () => {
    const first = await upload('staging=s1&path=in.txt', 'the original input');
    expect(first.status).toBe(200);
    const staged = JSON.parse(first.body).path as string;

    await abortedUpload(`replace=${encodeURIComponent(staged)}`, 'half of the fix', () => {
      // Filling beside it, hidden: a batch expanding the folder meanwhile takes only the input.
      const names = readdirSync(join(UPLOADS, 's1'));
      expect(names.filter((n) => !n.startsWith('.'))).toEqual(['in.txt']);
      expect(names.filter((n) => /^\.in\.txt\.[0-9a-f]+\.part$/.test(n))).toHaveLength(1);
    });
    expect(readFileSync(staged, 'utf8')).toBe('the original input');
    expect(readdirSync(join(UPLOADS, 's1'))).toEqual(['in.txt']);

    // A whole one takes its place.
    expect((await upload(`replace=${encodeURIComponent(staged)}`, 'the fixed input')).status).toBe(200);
    expect(readFileSync(staged, 'utf8')).toBe('the fixed input');
    expect(readdirSync(join(UPLOADS, 's1'))).toEqual(['in.txt']);
  });

  it('leaves a file uploaded earlier under the same path as it was', async () => {
    expect((await upload('staging=s2&path=a/b.txt', 'first')).status).toBe(200);
    await abortedUpload('staging=s2&path=a/b.txt', 'second, cut');
    expect(readFileSync(join(UPLOADS, 's2', 'a', 'b.txt'), 'utf8')).toBe('first');
    expect(readdirSync(join(UPLOADS, 's2', 'a'))).toEqual(['b.txt']);
  });
});

describe('a symbolic link in the staging folder', () => {
  it('makes no folder outside it: a staging folder that is a link out', async () => {
    symlinkSync(OUTSIDE, join(UPLOADS, 'away'));
    const up = await upload('staging=away&path=made/here/planted.txt', 'planted');
    expect(up.status).toBe(403);
    expect(JSON.parse(up.body).error).toBe('away/made/here/planted.txt leads out of the staging folder through a symbolic link: refused');
    expect(existsSync(join(OUTSIDE, 'made'))).toBe(false);
  });

  it('makes no folder outside it: a link deeper down, and a link to nothing', async () => {
    mkdirSync(join(UPLOADS, 's3', 'inner'), { recursive: true });
    symlinkSync(OUTSIDE, join(UPLOADS, 's3', 'inner', 'door'));
    const up = await upload('staging=s3&path=inner/door/x/y.txt', 'planted');
    expect(up.status).toBe(403);
    expect(existsSync(join(OUTSIDE, 'x'))).toBe(false);

    symlinkSync(join(OUTSIDE, 'not-yet'), join(UPLOADS, 's3', 'dangling'));
    expect((await upload('staging=s3&path=dangling/x/y.txt', 'planted')).status).toBe(403);
    expect(existsSync(join(OUTSIDE, 'not-yet'))).toBe(false);
    expect(readdirSync(OUTSIDE)).toEqual([]);
  });

  it('still takes a path through a link that stays inside', async () => {
    mkdirSync(join(UPLOADS, 's4', 'real'), { recursive: true });
    symlinkSync(join(UPLOADS, 's4', 'real'), join(UPLOADS, 's4', 'alias'));
    expect((await upload('staging=s4&path=alias/sub/ok.txt', 'fine')).status).toBe(200);
    expect(readFileSync(join(UPLOADS, 's4', 'real', 'sub', 'ok.txt'), 'utf8')).toBe('fine');
  });
});

describe('uploads still refused as before', () => {
  it('a file where a folder of the drop is, with a 409', async () => {
    expect((await upload('staging=s5&path=a.txt', 'x')).status).toBe(200);
    expect((await upload('staging=s5&path=a.txt/b.txt', 'y')).status).toBe(409);
  });
});
