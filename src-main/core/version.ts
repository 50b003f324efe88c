import { existsSync, readFileSync } from 'node:fs';

/**
 * This package's version, from its package.json: found by walking up from this file, which sits
 * at a different depth in the sources and in dist/.
 */
export function packageVersion(): string {
  for (let url = new URL('./', import.meta.url); url.pathname !== '/'; url = new URL('../', url)) {
    const candidate = new URL('package.json', url);
    if (!existsSync(candidate)) continue;
    const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'celeriac' && pkg.version) return pkg.version;
  }
  return '0.0.0';
}
