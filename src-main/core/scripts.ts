import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Registers the Lua scripts of a folder on a connection, BullMQ-style: a file
 * `verbNoun-<numKeys>.lua` becomes the command `verbNoun` taking that many keys. ioredis sends
 * EVALSHA and falls back to EVAL on NOSCRIPT, so a Redis restart or SCRIPT FLUSH is harmless.
 * @param folder a file URL of the folder, e.g. `new URL('./lua/', import.meta.url)`
 */
export function registerScripts(redis: Redis, folder: URL): void {
  for (const file of readdirSync(folder)) {
    const m = /^([A-Za-z]+)-(\d+)\.lua$/.exec(file);
    if (!m) continue;
    const [, name, keys] = m as unknown as [string, string, string];
    if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') continue;
    redis.defineCommand(name, { numberOfKeys: Number(keys), lua: readFileSync(new URL(file, folder), 'utf8') });
  }
}

/** Calls a script registered by registerScripts. */
export function callScript<T = unknown>(redis: Redis, name: string, keys: string[], args: (string | number)[]): Promise<T> {
  const fn = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<T>>)[name];
  if (typeof fn !== 'function') throw new Error(`Lua script ${name} is not registered on this connection`);
  return fn.call(redis, ...keys, ...args);
}
