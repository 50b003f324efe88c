import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
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
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (err) {
    throw explainLoadError(modulePath, err);
  }
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

/**
 * A module that fails to load, in words a user can act on. Node's own message for the two
 * usual causes names neither ("Cannot require() ES Module ... in a cycle", "Cannot find
 * package 'celeriac'"): a module outside this project that cannot see `celeriac`, or whose
 * package.json does not say `"type": "module"`.
 */
export function explainLoadError(modulePath: string, err: unknown): ConfigurationError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string })?.code;
  const folder = dirname(modulePath);
  if ((code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(message)) && /['"]celeriac['"]/.test(message)) {
    return new ConfigurationError(`cannot load the task module ${modulePath}: the package celeriac is not installed where it can see it. Run \`npm install celeriac\` in ${folder} (or in a folder above it), or \`npm link celeriac\` from a checkout`);
  }
  if (/Cannot require\(\) ES Module|in a cycle|ERR_REQUIRE_ESM|Cannot use import statement outside a module|require is not defined in ES module/.test(message + String(code))) {
    const pkg = nearestPackageJson(folder);
    const where = pkg ? `its package.json (${pkg})` : `no package.json above it`;
    return new ConfigurationError(`cannot load the task module ${modulePath}: it is an ES module, but ${where} does not say "type": "module". Add "type": "module" to that package.json, or name the file .mts / .mjs`);
  }
  return new ConfigurationError(`cannot load the task module ${modulePath}: ${message}`);
}

function nearestPackageJson(folder: string): string | null {
  for (let dir = folder; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        return (JSON.parse(readFileSync(candidate, 'utf8')) as { type?: string }).type === 'module' ? null : candidate;
      } catch {
        return candidate;
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/** Duck-typed, so an app made by another copy of this library is recognised too. */
function isApp(value: unknown): value is App {
  return typeof value === 'object' && value !== null && (value as { tasks?: unknown }).tasks instanceof Map && typeof (value as { task?: unknown }).task === 'function';
}
