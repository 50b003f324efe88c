import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { useRedisSuite } from '../helpers/suite.js';
import { uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { startWorker } from '../helpers/worker.js';

let server: RedisServer;
let app: App;
useRedisSuite((s) => ({ server, app } = s));

/**
 * The process pool's default (`perChild: 'auto'`): short tasks are sent ahead to busy
 * children, but no job is ever left waiting in a child behind a long or unknown task, where
 * nothing could take it back while that child's event loop is held.
 */
describe('sending jobs ahead to children', () => {
  it('runs every short task on the free child while the other is held by a long one', async () => {
    const queue = uniqueName('ahead');
    const release = join(mkdtempSync(join(tmpdir(), 'celeriac-ahead-')), 'release');
    const worker = await startWorker(server.url, { concurrency: 2, queues: [queue] });
    try {
      // Learnt first: tasks.echo is short, so it may be sent ahead.
      await Promise.all((await Promise.all(Array.from({ length: 20 }, () => app.sendTask('tasks.echo', [], {}, { queue })))).map((r) => r.get({ timeout: 10_000 })));
      const block = await app.sendTask<number>('tasks.block', [release], {}, { queue });
      const echoes = await Promise.all(Array.from({ length: 60 }, () => app.sendTask<{ pid: number }>('tasks.echo', [], {}, { queue })));
      // Sent ahead behind tasks.block, any of these would wait for the release, i.e. time out.
      const pids = await Promise.all(echoes.map((r) => r.get({ timeout: 10_000 }).then((v) => v.pid)));
      expect(await block.state()).not.toBe('SUCCESS');
      writeFileSync(release, '');
      const blockPid = await block.get({ timeout: 10_000 });
      expect(new Set(pids)).not.toContain(blockPid);
    } finally {
      await worker.stop();
    }
  });

  it('reports the short jobs a child ran before it starts an unknown one sent ahead behind them', async () => {
    const queue = uniqueName('turn');
    const release = join(mkdtempSync(join(tmpdir(), 'celeriac-ahead-')), 'release');
    const worker = await startWorker(server.url, { concurrency: 1, perChild: 4, queues: [queue] });
    try {
      await Promise.all((await Promise.all(Array.from({ length: 20 }, () => app.sendTask('tasks.echo', [], {}, { queue })))).map((r) => r.get({ timeout: 10_000 })));
      const echoes = await Promise.all(Array.from({ length: 3 }, () => app.sendTask<{ pid: number }>('tasks.echo', [], {}, { queue })));
      const block = await app.sendTask<number>('tasks.block', [release], {}, { queue });
      // Same child, same batch: the echoes' outcomes must leave before tasks.block holds the child.
      await Promise.all(echoes.map((r) => r.get({ timeout: 10_000 })));
      expect(await block.state()).not.toBe('SUCCESS');
      writeFileSync(release, '');
      await block.get({ timeout: 10_000 });
    } finally {
      await worker.stop();
    }
  });
});
