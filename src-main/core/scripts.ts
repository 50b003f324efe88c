import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** Scripts whose key count varies per call (`verbNoun-n.lua`), per connection. */
const variableKeyScripts = new WeakMap<Redis, Set<string>>();

/**
 * Registers the Lua scripts of a folder on a connection, BullMQ-style: a file
 * `verbNoun-<numKeys>.lua` becomes the command `verbNoun` taking that many keys, and
 * `verbNoun-n.lua` one whose key count varies per call. ioredis sends EVALSHA and falls back to
 * EVAL on NOSCRIPT, so a Redis restart or SCRIPT FLUSH is harmless.
 * @param folder a file URL of the folder, e.g. `new URL('./lua/', import.meta.url)`
 */
export function registerScripts(redis: Redis, folder: URL): void {
  for (const file of readdirSync(folder)) {
    const m = /^([A-Za-z]+)-(\d+|n)\.lua$/.exec(file);
    if (!m) continue;
    const [, name, keys] = m as unknown as [string, string, string];
    if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') continue;
    const lua = readFileSync(new URL(file, folder), 'utf8');
    if (keys === 'n') {
      redis.defineCommand(name, { lua });
      let names = variableKeyScripts.get(redis);
      if (!names) variableKeyScripts.set(redis, (names = new Set()));
      names.add(name);
    } else {
      redis.defineCommand(name, { numberOfKeys: Number(keys), lua });
    }
  }
}

/** Calls a script registered by registerScripts. */
export function callScript<T = unknown>(redis: Redis, name: string, keys: string[], args: (string | number | Buffer)[]): Promise<T> {
  const fn = (redis as unknown as Record<string, (...a: (string | number | Buffer)[]) => Promise<T>>)[name];
  if (typeof fn !== 'function') throw new Error(`Lua script ${name} is not registered on this connection`);
  if (variableKeyScripts.get(redis)?.has(name)) return fn.call(redis, keys.length, ...keys, ...args);
  return fn.call(redis, ...keys, ...args);
}
