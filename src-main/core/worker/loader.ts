import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from '../app.js';
import { ConfigurationError } from '../errors.js';
import type { Task } from '../task.js';

let tsxRegistered = false;

/**
 * Resolves `-A`: a path to a .ts, .js or .mjs file (relative to the working folder), or a
 * package specifier such as `celeriac/tasks`.
 * @returns an absolute file path or URL to import
 */
export function resolveTaskModule(spec: string, cwd = process.cwd()): string {
  const asPath = isAbsolute(spec) ? spec : resolve(cwd, spec);
  if (existsSync(asPath)) return asPath;
  try {
    return createRequire(pathToFileURL(`${cwd}/`)).resolve(spec);
  } catch {
    throw new ConfigurationError(`cannot find the task module ${JSON.stringify(spec)}: give a path to a .ts, .js or .mjs file, or an installed package`);
  }
}

/**
 * Imports a task module and returns the app it exports (`app`, named or default).
 * TypeScript modules load without a build step, through tsx.
 * @throws ConfigurationError when the module exports no app
 */
export async function loadApp(modulePath: string): Promise<App> {
  if (/\.(c|m)?tsx?$/.test(modulePath) && !tsxRegistered) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const app = [mod.app, mod.default].find(isApp);
  if (!app) {
    throw new ConfigurationError(`${modulePath} exports no Celeriac app: export it as \`export const app = createApp(...)\` or as the default export`);
  }
  return app;
}

/**
 * Loads several task modules and merges their tasks: the worker runs them all.
 * @throws ConfigurationError when two modules register the same task name
 */
export async function loadTasks(modulePaths: readonly string[]): Promise<Map<string, Task<any[], any>>> {
  const tasks = new Map<string, Task<any[], any>>();
  for (const path of modulePaths) {
    const app = await loadApp(path);
    for (const [name, task] of app.tasks) {
      if (tasks.has(name)) throw new ConfigurationError(`task ${name} is registered by two of the task modules (${path} and another); task names must be unique`);
      tasks.set(name, task);
    }
  }
  return tasks;
}

/** Duck-typed, so an app made by another copy of this library is recognised too. */
function isApp(value: unknown): value is App {
  return typeof value === 'object' && value !== null && (value as { tasks?: unknown }).tasks instanceof Map && typeof (value as { task?: unknown }).task === 'function';
}
