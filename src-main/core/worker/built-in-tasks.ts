/**
 * Where Celeriac's built-in task module (src-main/tasks) is, for those that load it by path:
 * the control room's hosted pool and `celeriac batch`. It is found by path, not imported, so
 * core stays below the tasks (which import core) and asking loads no task: compiled beside
 * core in dist/, or as source when run through tsx or vitest.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** @returns the absolute path of the built-in tasks' module (index.js, else index.ts) */
export function builtInTasksModule(): string {
  const js = fileURLToPath(new URL('../../tasks/index.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('../../tasks/index.ts', import.meta.url));
}
