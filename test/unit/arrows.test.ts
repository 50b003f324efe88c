/**
 * DESIGN.md's arrows, checked on the source: every import of every file under src-main and
 * src-renderer must point the way the layers allow. A new import that crosses one fails here,
 * naming the file, the import and the rule.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The layer a file is in, by its path. */
function layerOf(path: string): string | null {
  const rel = relative(ROOT, path).split('\\').join('/');
  if (/^src-main\/service\/contract\//.test(rel)) return 'contract';
  if (rel === 'src-main/cli/serve.ts') return 'cli-serve';
  const m = /^src-main\/(core|tasks|cli|service|server|electron)\//.exec(rel);
  if (m) return m[1]!;
  if (/^src-renderer\/api\//.test(rel)) return 'renderer-api';
  if (/^src-renderer\//.test(rel)) return 'renderer-views';
  return null;
}

/**
 * DESIGN.md's arrows, as written: `cli -> core`, `cli serve -> server, service`, `tasks -> core`,
 * `service -> core`, `server -> service`, `electron -> service`, `src-renderer/api ->
 * service/contract`, `src-renderer/views -> src-renderer/api`. The contract is the service's
 * (so service, server, electron and serve reach it as they reach the service), and imports core only.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  tasks: ['core'],
  cli: ['core', 'cli-serve'],
  'cli-serve': ['core', 'cli', 'server', 'service', 'contract'],
  contract: ['core'],
  service: ['core', 'contract'],
  server: ['service', 'contract', 'core'],
  electron: ['service', 'contract', 'core'],
  'renderer-api': ['contract'],
  'renderer-views': ['renderer-api'],
};

/** The one contract file whose values the renderer may take: the limits, which import nothing. */
const CONTRACT_VALUES_FOR_THE_RENDERER = 'src-main/service/contract/limits.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|tsx|cts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Import {
  spec: string;
  typeOnly: boolean;
}

function importsOf(source: string): Import[] {
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^;]*?\sfrom\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) out.push({ spec: m[3] ?? m[4]!, typeOnly: Boolean(m[2]) });
  return out;
}

/** Why an import of `file` breaks an arrow, or null when it does not. */
function verdict(file: string, { spec, typeOnly }: Import): string | null {
  const from = layerOf(file);
  if (!from || !spec.startsWith('.')) return null; // outside the layers, or a package
  const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
  const to = layerOf(target);
  if (!to || to === from) return null;
  const where = `${relative(ROOT, file)} imports ${spec}`;
  if (!(ALLOWED[from] ?? []).includes(to)) return `${where}: ${from} -> ${to} is not one of DESIGN.md's arrows`;
  // The contract names core's types; it runs none of core's code.
  if (from === 'contract' && !typeOnly) return `${where}: the contract imports types only from core`;
  // The renderer takes the contract's types, and values only from its limits (no schema in the bundle).
  if (from === 'renderer-api' && !typeOnly && relative(ROOT, target) !== CONTRACT_VALUES_FOR_THE_RENDERER) {
    return `${where}: the renderer takes only types from the contract, and values from ${CONTRACT_VALUES_FOR_THE_RENDERER}`;
  }
  return null;
}

/** Redis read commands, called on a connection: the service asks core's read models instead. */
const RAW_READ = /\b(?:redis|broker|client|conn)\s*\.\s*(get|mget|exists|llen|lrange|lindex|lpos|zcard|zcount|zscore|zrange|zrangebyscore|zrevrange|zrevrangebyscore|hget|hgetall|hmget|hlen|hkeys|hvals|hexists|smembers|scard|sismember|scan|sscan|hscan|zscan|scanStream|keys|ttl|pttl|type|xrange|xlen)\s*\(/;

/** Why a service file reads Redis itself, or null when it does not. */
function rawRead(file: string, source: string): string | null {
  if (layerOf(file) !== 'service') return null;
  const lines = source.split('\n');
  const i = lines.findIndex((l) => RAW_READ.test(l) && !/^\s*(\*|\/\/)/.test(l));
  return i < 0 ? null : `${relative(ROOT, file)}:${i + 1} reads Redis itself (${RAW_READ.exec(lines[i]!)![0].trim()}): read it through a core read model`;
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of [...files(join(ROOT, 'src-main')), ...files(join(ROOT, 'src-renderer'))]) {
    const source = readFileSync(file, 'utf8');
    for (const imp of importsOf(source)) {
      const why = verdict(file, imp);
      if (why) found.push(why);
    }
    const read = rawRead(file, source);
    if (read) found.push(read);
  }
  return found;
}

describe("DESIGN.md's arrows", () => {
  it('no import points the wrong way', () => {
    expect(violations()).toEqual([]);
  });

  it('is a real check: it reads imports as they are written', () => {
    expect(importsOf("import type { A } from '../x.js';\nimport { b } from './y.js';\nconst c = await import('../z.js');")).toEqual([
      { spec: '../x.js', typeOnly: true },
      { spec: './y.js', typeOnly: false },
      { spec: '../z.js', typeOnly: false },
    ]);
    expect(layerOf(join(ROOT, 'src-main/core/app.ts'))).toBe('core');
    expect(layerOf(join(ROOT, 'src-renderer/views/Tasks/Tasks.tsx'))).toBe('renderer-views');
  });

  it('fails on each arrow DESIGN.md forbids', () => {
    const at = (path: string): string => join(ROOT, path);
    expect(verdict(at('src-main/core/app.ts'), { spec: '../service/service.js', typeOnly: true })).toMatch(/core -> service is not one of DESIGN.md's arrows/);
    // A view importing src-main, even for a type.
    expect(verdict(at('src-renderer/views/Tasks/Tasks.tsx'), { spec: '../../../src-main/service/contract/index.js', typeOnly: true })).toMatch(/renderer-views -> contract/);
    expect(verdict(at('src-renderer/views/Tasks/Tasks.tsx'), { spec: '../../../src-main/core/app.js', typeOnly: true })).toMatch(/renderer-views -> core/);
    expect(verdict(at('src-renderer/views/Tasks/Tasks.tsx'), { spec: '../../api/contract.js', typeOnly: false })).toBeNull();
    // The renderer's api: the contract's types, its limit values, nothing else.
    expect(verdict(at('src-renderer/api/contract.ts'), { spec: '../../src-main/service/contract/index.js', typeOnly: false })).toMatch(/only types/);
    expect(verdict(at('src-renderer/api/contract.ts'), { spec: '../../src-main/service/contract/limits.js', typeOnly: false })).toBeNull();
    expect(verdict(at('src-renderer/api/client.ts'), { spec: '../../src-main/service/service.js', typeOnly: true })).toMatch(/renderer-api -> service/);
    // The contract imports core's types only: no service module, no code.
    expect(verdict(at('src-main/service/contract/methods/tasks.ts'), { spec: '../../tasks.js', typeOnly: true })).toMatch(/contract -> service/);
    expect(verdict(at('src-main/service/contract/types/tasks.ts'), { spec: '../../../core/canvas/workflow.js', typeOnly: false })).toMatch(/types only/);
    expect(verdict(at('src-main/service/contract/types/tasks.ts'), { spec: '../../../core/canvas/workflow.js', typeOnly: true })).toBeNull();
    // cli/ reaches the service only through serve.
    expect(verdict(at('src-main/cli/batch.ts'), { spec: '../service/batches/expand-files.js', typeOnly: false })).toMatch(/cli -> service/);
    expect(verdict(at('src-main/cli/batch.ts'), { spec: '../server/http-server.js', typeOnly: false })).toMatch(/cli -> server/);
    expect(verdict(at('src-main/cli/serve.ts'), { spec: '../server/http-server.js', typeOnly: false })).toBeNull();
    expect(verdict(at('src-main/cli/serve.ts'), { spec: '../service/control-room.js', typeOnly: false })).toBeNull();
    expect(verdict(at('src-main/service/service.ts'), { spec: '../server/http-server.js', typeOnly: false })).toMatch(/service -> server/);
    expect(verdict(at('src-main/service/service.ts'), { spec: '../tasks/index.js', typeOnly: false })).toMatch(/service -> tasks/);
    // A raw Redis read in the service.
    expect(rawRead(at('src-main/service/queues/queues.ts'), 'const n = await app.broker.llen(DEAD_LETTERS);')).toMatch(/reads Redis itself \(broker\.llen\(\)/);
    expect(rawRead(at('src-main/service/x.ts'), 'const [next, keys] = await redis.scan(cursor, "MATCH", p);')).toMatch(/redis\.scan\(/);
    expect(rawRead(at('src-main/service/x.ts'), 'const v = this.byId.get(id);')).toBeNull();
    expect(rawRead(at('src-main/core/broker/queue-list.ts'), 'await redis.llen(q)')).toBeNull();
  });
});
