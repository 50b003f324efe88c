/**
 * One history per Redis: the same data folder served against a second Redis shows none of the
 * first's tasks (lists, the summary bar, /metrics), and coming back to the first shows them
 * again; a saved profile pointed elsewhere switches history with it. The beat setting is the
 * connection's: turning it on for one Redis starts no beat on the next.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { ControlRoom } from '../../src-main/service/room/control-room.js';
import { historyFileName, redisIdentity } from '../../src-main/service/history/history-file.js';
import { ok } from '../helpers/contract.js';
import { startRedisServer, uniqueName, type RedisServer } from '../helpers/redis-server.js';
import { until } from '../helpers/until.js';

describe('one history per Redis', () => {
  let first: RedisServer;
  let second: RedisServer;
  beforeAll(async () => {
    [first, second] = await Promise.all([startRedisServer(), startRedisServer()]);
  });
  afterAll(async () => {
    await first?.stop();
    await second?.stop();
  });

  const searchTotal = async (room: ControlRoom, query: string): Promise<number> => (await ok(room.call('tasks:search', { query }))).total;

  it('names a file by the Redis (address and db, or the Sentinel master), never by the profile', () => {
    expect(redisIdentity('redis://:secret@LocalHost:6380/2')).toBe('redis://localhost:6380/2');
    expect(redisIdentity('sentinel://a:26379/1;sentinel://b:26379?master_name=shop')).toBe('sentinel://shop/1');
    expect(historyFileName(redisIdentity('redis://127.0.0.1:6379/0'))).toMatch(/^127\.0\.0\.1-6379-0-[0-9a-f]{10}\.sqlite$/);
    expect(historyFileName(redisIdentity('redis://127.0.0.1:6379/1'))).not.toBe(historyFileName(redisIdentity('redis://127.0.0.1:6379/0')));
    expect(historyFileName('local')).toBe('local.sqlite');
  });

  it('the same data folder against a second Redis shows none of the first one\'s tasks', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-per-redis-'));
    const name = uniqueName('tasks.first_only');
    const room = new ControlRoom({ dataDir, local: false, initial: { url: first.url } });
    expect((await room.start()).state).toBe('connected');
    const producer = createApp({ broker: first.url, taskRecords: true });
    try {
      await Promise.all([1, 2, 3].map((n) => producer.sendTask(name, [n])));
      await until(async () => (await searchTotal(room, `name:${name}`)) === 3);
    } finally {
      await producer.close();
      await room.stop();
    }

    const other = new ControlRoom({ dataDir, local: false, initial: { url: second.url } });
    try {
      expect((await other.start()).state).toBe('connected');
      expect(await searchTotal(other, `name:${name}`)).toBe(0);
      expect(await searchTotal(other, '')).toBe(0);
      expect((await other.metrics())!.body).not.toContain(name);
    } finally {
      await other.stop();
    }

    // Back on the first Redis: its history is still there.
    const again = new ControlRoom({ dataDir, local: false, initial: { url: first.url } });
    try {
      expect((await again.start()).state).toBe('connected');
      expect(await searchTotal(again, `name:${name}`)).toBe(3);
    } finally {
      await again.stop();
    }
  });

  it('two profiles on one Redis share its history, one writer at a time: what the first heard is counted by the next', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-per-redis-shared-'));
    const name = uniqueName('tasks.shared');
    const room = new ControlRoom({ dataDir, local: false, initial: { url: second.url } });
    const producer = createApp({ broker: first.url, taskRecords: true });
    try {
      expect((await room.start()).state).toBe('connected');
      const a = await ok(room.call('connections:save', { name: 'a', url: first.url, color: 'red' }));
      const b = await ok(room.call('connections:save', { name: 'b', url: first.url, color: 'blue' }));
      expect((await ok(room.call('connections:use', { id: a.id }))).state).toBe('connected');
      await Promise.all(Array.from({ length: 300 }, (_, n) => producer.sendTask(name, [n])));
      await until(async () => (await searchTotal(room, `name:${name}`)) === 300);
      // More, and the switch at once: the first session may still hold some it has not written.
      await Promise.all(Array.from({ length: 300 }, (_, n) => producer.sendTask(name, [n])));
      await new Promise((r) => setTimeout(r, 30));
      expect((await ok(room.call('connections:use', { id: b.id }))).state).toBe('connected');
      await new Promise((r) => setTimeout(r, 500));
      const listed = await searchTotal(room, `name:${name}`);
      expect(listed).toBeGreaterThanOrEqual(300);
      // What the first session wrote as it closed is counted by the next one's /metrics too.
      const sent = [...(await room.metrics())!.body.matchAll(new RegExp(`^celery_task_sent_total\\{name="${name}"[^}]*\\} (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
      expect(sent).toBe(listed);
      expect((await ok(room.call('connection:status', {}))).message ?? '').not.toMatch(/history/);
    } finally {
      await producer.close();
      await room.stop();
    }
  });

  it('a saved profile pointed at another Redis switches history; the beat stays with its connection', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'celeriac-per-redis-profile-'));
    const name = uniqueName('tasks.via_profile');
    const room = new ControlRoom({ dataDir, local: false, initial: { url: second.url } });
    try {
      expect((await room.start()).state).toBe('connected');
      const saved = await ok(room.call('connections:save', { name: 'shop', url: first.url, color: 'red' }));
      expect((await ok(room.call('connections:use', { id: saved.id }))).state).toBe('connected');
      const producer = createApp({ broker: first.url, taskRecords: true });
      await producer.sendTask(name, [1]);
      await producer.close();
      await until(async () => (await searchTotal(room, `name:${name}`)) === 1);
      // A beat on this connection only.
      expect((await ok(room.call('settings:set', { beat: true }))).beat).toBe(true);

      // The same profile, now pointed at the second Redis: another history, and no beat there.
      const { url: _u, ...rest } = saved;
      await ok(room.call('connections:save', { id: saved.id, name: rest.name, url: second.url, color: 'red', beat: false }));
      expect((await ok(room.call('connections:use', { id: saved.id }))).state).toBe('connected');
      expect(await searchTotal(room, `name:${name}`)).toBe(0);
      expect((await ok(room.call('settings:get', {}))).beat).toBe(false);
      expect(room.hosting().beat).toBe(false);
      // The command line's connection never got the beat either.
      expect((await ok(room.call('connections:use', { id: 'command-line' }))).state).toBe('connected');
      expect(room.hosting().beat).toBe(false);
    } finally {
      await room.stop();
    }
  });
});
