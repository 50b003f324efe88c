/**
 * The desktop app's export: `tasks:exportFile` asks the host where to save (Electron's save
 * dialog; here a stand-in that answers a path or cancels), checks the query before asking, and
 * streams the Tasks filter into the file. Headless, it says the browser downloads instead.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { ok } from '../helpers/contract.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';
import { until } from '../helpers/until.js';

let server: RedisServer;
let app: App;
const dir = mkdtempSync(join(tmpdir(), 'celeriac-export-file-'));
let answer: string | null = null;
const asked: string[] = [];
const room = (saveFile?: (name: string) => Promise<string | null>) =>
  new ControlRoom({ dataDir: join(dir, saveFile ? 'desktop' : 'headless'), initial: { url: server.url, hostPool: false }, local: false, pool: { modules: [], concurrency: 1 }, saveFile });

useRedisSuite((s) => ({ server, app } = s), { app: { taskRecords: true } });

describe('tasks:exportFile', () => {
  it('saves the filter where the dialog says, asks only for a good query, and does nothing when cancelled', async () => {
    const desktop = room(async (name) => {
      asked.push(name);
      return answer;
    });
    try {
      expect((await desktop.start()).state).toBe('connected');
      expect(await ok(desktop.call('settings:get', {}))).toMatchObject({ host: { saveFiles: true } });
      for (let i = 0; i < 3; i++) await app.sendTask('tasks.export_me', [i], {}, { queue: 'export-file' });
      await until(async () => (await ok(desktop.call('tasks:search', { query: 'name:tasks.export_me' }))).total === 3);

      const bad = await desktop.call('tasks:exportFile', { query: 'colour:red', format: 'csv' });
      expect(bad.ok ? null : bad.error.message).toMatch(/unknown qualifier colour/);
      expect(asked).toEqual([]); // no dialog for an export that cannot be made

      answer = null;
      expect(await ok(desktop.call('tasks:exportFile', { query: 'name:tasks.export_me', format: 'csv' }))).toEqual({ path: null, bytes: 0 });
      answer = join(dir, 'tasks.jsonl');
      const saved = await ok(desktop.call('tasks:exportFile', { query: 'name:tasks.export_me', format: 'jsonl' }));
      expect(asked).toEqual(['tasks.csv', 'tasks.jsonl']);
      expect(saved.path).toBe(answer);
      const text = readFileSync(answer, 'utf8');
      expect(saved.bytes).toBe(Buffer.byteLength(text));
      const rows = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { name: string; queue: string });
      expect(rows).toHaveLength(3);
      expect(rows.every((r) => r.name === 'tasks.export_me' && r.queue === 'export-file')).toBe(true);
    } finally {
      await desktop.stop();
    }
  });

  it('is refused headless, where the browser downloads /export', async () => {
    const headless = room();
    try {
      await headless.start();
      expect(await ok(headless.call('settings:get', {}))).toMatchObject({ host: { saveFiles: false } });
      const r = await headless.call('tasks:exportFile', { format: 'csv' });
      expect(r.ok ? null : r.error.message).toMatch(/desktop app only/);
    } finally {
      await headless.stop();
    }
  });
});
