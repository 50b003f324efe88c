/**
 * The control room's backfill reads the results a result_serializer = 'msgpack' app stores
 * (raw msgpack, no content type) as it reads JSON ones.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildMeta, encodeResultMeta } from '../../src-main/core/backend/result-meta.js';
import { SERIALIZERS } from '../../src-main/core/protocol/serializers.js';
import { backfill } from '../../src-main/service/history/backfill.js';
import { DropCounter } from '../../src-main/service/cluster/drop-counter.js';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

it('backfills msgpack results beside JSON ones', async () => {
  const client = redis.client();
  const packed = buildMeta('mp-1', 'SUCCESS', { v: 'ü' }, { name: 'tasks.packed' });
  await client.set('celery-task-meta-mp-1', encodeResultMeta(packed, SERIALIZERS.msgpack));
  await client.set('celery-task-meta-js-1', JSON.stringify(buildMeta('js-1', 'FAILURE', { exc_type: 'ValueError', exc_message: ['x'], exc_module: 'builtins' }, { name: 'tasks.plain' })));
  const store = new HistoryStore(join(mkdtempSync(join(tmpdir(), 'celeriac-backfill-msgpack-')), 'history.sqlite'));
  try {
    expect(await backfill(client, store, () => false, new DropCounter('Backfill'))).toBe(2);
    expect(store.search('', { limit: 10 }).tasks.map((t) => [t.id, t.state, t.name]).sort()).toEqual([['js-1', 'FAILURE', 'tasks.plain'], ['mp-1', 'SUCCESS', 'tasks.packed']]);
  } finally {
    store.close();
    client.disconnect();
  }
});
