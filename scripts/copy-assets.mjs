// Copies what tsc does not emit (the Lua scripts) next to the compiled modules that load them.
import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    if (name === 'lua') cpSync(path, join(root, 'dist', relative(root, path)), { recursive: true });
    else walk(path);
  }
}
walk(join(root, 'src-main'));
