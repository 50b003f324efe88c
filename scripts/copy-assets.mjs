// Copies what tsc does not emit (the Lua scripts) next to the compiled modules that load them.
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!statSync(path).isDirectory()) continue;
    if (name === 'lua') {
      // Anew each build: a script renamed in the source (its key count changed) must not stay behind.
      const target = join(root, 'dist', relative(root, path));
      rmSync(target, { recursive: true, force: true });
      cpSync(path, target, { recursive: true });
    }
    else walk(path);
  }
}
walk(join(root, 'src-main'));
