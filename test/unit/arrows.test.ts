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
  if (rel === 'src-main/service/contract.ts') return 'contract';
  const m = /^src-main\/(core|tasks|cli|service|server|electron)\//.exec(rel);
  if (m) return m[1]!;
  if (/^src-renderer\/api\//.test(rel)) return 'renderer-api';
  if (/^src-renderer\//.test(rel)) return 'renderer-views';
  return null;
}

/** What each layer may import (besides itself and packages). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  tasks: ['core'],
  cli: ['core', 'server', 'service'],
  service: ['core'],
  server: ['service', 'core'],
  electron: ['service', 'core'],
  // The renderer sees the back end only as the contract's types.
  'renderer-api': [],
  'renderer-views': ['renderer-api'],
};

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
  // The contract: the service's own file, which the transports and (for its types) the renderer read.
  if (to === 'contract') {
    if (from.startsWith('renderer')) return typeOnly ? null : `${where}: the renderer takes only types from the contract`;
    return ['service', 'server', 'electron', 'cli'].includes(from) ? null : `${where}: ${from} may not import the contract`;
  }
  // It names the types it serves and implements nothing: type imports only (#12).
  if (from === 'contract') {
    if (!typeOnly) return `${where}: the contract imports types only, no implementation`;
    return ['service', 'core'].includes(to) ? null : `${where}: the contract imports from service/ and core/ only`;
  }
  return (ALLOWED[from] ?? []).includes(to) ? null : `${where}: ${from} -> ${to} is not one of DESIGN.md's arrows`;
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of [...files(join(ROOT, 'src-main')), ...files(join(ROOT, 'src-renderer'))]) {
    for (const imp of importsOf(readFileSync(file, 'utf8'))) {
      const why = verdict(file, imp);
      if (why) found.push(why);
    }
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
    const core = join(ROOT, 'src-main/core/app.ts');
    expect(verdict(core, { spec: '../service/service.js', typeOnly: true })).toMatch(/core -> service is not one of DESIGN.md's arrows/);
    expect(verdict(join(ROOT, 'src-renderer/views/Tasks/Tasks.tsx'), { spec: '../../../src-main/service/contract.js', typeOnly: false })).toMatch(/only types/);
    expect(verdict(join(ROOT, 'src-main/service/service.ts'), { spec: '../server/http-server.js', typeOnly: false })).toMatch(/service -> server/);
    expect(verdict(join(ROOT, 'src-main/cli/serve.ts'), { spec: '../server/http-server.js', typeOnly: false })).toBeNull();
    expect(verdict(join(ROOT, 'src-main/service/contract.ts'), { spec: './control-room.js', typeOnly: false })).toMatch(/types only/);
    expect(layerOf(join(ROOT, 'src-renderer/views/Tasks/Tasks.tsx'))).toBe('renderer-views');
  });
});
