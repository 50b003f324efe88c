import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { QoS } from '../../src-main/core/broker/qos.js';
import { callScript, registerScripts } from '../../src-main/core/scripts.js';
import { useRedisSuite } from '../helpers/suite.js';
import { uniqueName } from '../helpers/redis-server.js';

let redis: Redis;
useRedisSuite((s) => ({ redis } = s));

const folders: string[] = [];
afterAll(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

/** A folder of Lua scripts, as `{ 'name-1.lua': text, 'includes/x.lua': text }`. */
function luaFolder(files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-lua-'));
  folders.push(dir);
  mkdirSync(join(dir, 'includes'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return pathToFileURL(`${dir}/`);
}

describe('Lua includes', () => {
  it('runs the included helper as part of the script', async () => {
    const folder = luaFolder({
      'includes/double.lua': 'local function double(x) return x * 2 end\n',
      'doubleIt-0.lua': '-- A script using a shared helper.\n-- @include double\nreturn double(tonumber(ARGV[1]))\n',
    });
    registerScripts(redis, folder);
    expect(await callScript<number>(redis, 'doubleIt', [], [21])).toBe(42);
  });

  it('fails at registration when a script includes a helper that does not exist', () => {
    const folder = luaFolder({ 'missingHelper-0.lua': '-- @include nowhere\nreturn 1\n' });
    expect(() => registerScripts(redis, folder)).toThrow(/missingHelper-0\.lua includes "nowhere", but .*includes\/nowhere\.lua does not exist/);
  });

  it('keeps the dead-letter list within its cap and counts what it drops, from a claim and from deadLetter', async () => {
    await redis.del('celeriac:dead', 'celeriac:dead:dropped');
    const queue = uniqueName('undecodable');
    await redis.lpush(queue, 'one', 'two', 'three', 'four');
    const full: number[] = [];
    const qos = new QoS(redis, 3, (cap) => full.push(cap));
    // Messages without a delivery tag are dead-lettered by the claim script itself.
    const claims = await qos.claim([queue], 10);
    expect(claims.map((c) => c.tag)).toEqual(['', '', '', '']);
    expect(await redis.llen('celeriac:dead')).toBe(3);
    expect(await redis.get('celeriac:dead:dropped')).toBe('1');
    expect(JSON.parse((await redis.lindex('celeriac:dead', 0))!)).toMatchObject({ reason: 'not_json', raw: 'four', queue });

    await redis.hset('unacked', 'a-tag', JSON.stringify([{}, '', queue]));
    expect(await qos.deadLetter('a-tag', { reason: 'test', detail: 'x', raw: 'five', queue, time: 1 })).toBe(true);
    expect(await redis.llen('celeriac:dead')).toBe(3);
    expect(await redis.get('celeriac:dead:dropped')).toBe('2');
    expect(full).toEqual([3]);
  });
});
