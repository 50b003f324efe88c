import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** Scripts whose key count varies per call (`verbNoun-n.lua`), per connection. */
const variableKeyScripts = new WeakMap<Redis, Set<string>>();

/** A line `-- @include <name>`: replaced by the text of `includes/<name>.lua` in the same folder. */
const INCLUDE_LINE = /^--\s*@include\s+(\S+)\s*$/gm;

/**
 * Registers the Lua scripts of a folder on a connection, BullMQ-style: a file
 * `verbNoun-<numKeys>.lua` becomes the command `verbNoun` taking that many keys, and
 * `verbNoun-n.lua` one whose key count varies per call. ioredis sends EVALSHA and falls back to
 * EVAL on NOSCRIPT, so a Redis restart or SCRIPT FLUSH is harmless. Helpers several scripts
 * share live in the folder's `includes/`, pulled in by a line `-- @include <name>`.
 * @param folder a file URL of the folder, e.g. `new URL('./lua/', import.meta.url)`
 * @throws Error when a script includes a helper that `includes/` does not hold
 */
export function registerScripts(redis: Redis, folder: URL): void {
  for (const file of readdirSync(folder)) {
    const m = /^([A-Za-z]+)-(\d+|n)\.lua$/.exec(file);
    if (!m) continue;
    const [, name, keys] = m as unknown as [string, string, string];
    if (typeof (redis as unknown as Record<string, unknown>)[name] === 'function') continue;
    const lua = resolveIncludes(readFileSync(new URL(file, folder), 'utf8'), file, folder);
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

/**
 * Replaces each `-- @include <name>` line of a script with the text of `includes/<name>.lua`.
 * Done once, when the script is registered: Redis runs the whole text, helpers included.
 * @returns the script's text with its includes in place
 * @throws Error naming the script and the missing file when an include does not exist
 */
function resolveIncludes(lua: string, file: string, folder: URL): string {
  return lua.replace(INCLUDE_LINE, (_line, name: string) => {
    const include = new URL(`includes/${name}.lua`, folder);
    if (!/^[A-Za-z]+$/.test(name) || !existsSync(include)) {
      throw new Error(`Lua script ${file} includes "${name}", but ${include.pathname} does not exist: add it, or fix the name in the @include line`);
    }
    return readFileSync(include, 'utf8').trimEnd();
  });
}

/** Calls a script registered by registerScripts. */
export function callScript<T = unknown>(redis: Redis, name: string, keys: string[], args: (string | number | Buffer)[]): Promise<T> {
  const fn = (redis as unknown as Record<string, (...a: (string | number | Buffer)[]) => Promise<T>>)[name];
  if (typeof fn !== 'function') throw new Error(`Lua script ${name} is not registered on this connection`);
  if (variableKeyScripts.get(redis)?.has(name)) return fn.call(redis, keys.length, ...keys, ...args);
  return fn.call(redis, ...keys, ...args);
}
