import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { expandPaths } from '../core/batch/expand-paths.js';
import { planBatch } from '../core/batch/plan.js';
import { sendBatch } from '../core/batch/send.js';
import { waitForBatch } from '../core/batch/wait.js';
import { ConfigurationError } from '../core/errors.js';
import type { TaskParam } from '../core/task.js';
import { builtInTasksModule } from '../core/worker/built-in-tasks.js';
import { loadTasks, resolveTaskModule } from '../core/worker/loader.js';
import { commaList, connectedApp, numberIn, withConnectionFlags, type ConnectionFlags } from './options.js';

interface BatchFlags extends ConnectionFlags {
  param: Record<string, unknown>;
  out?: string;
  pattern?: string;
  ext?: string[];
  app: string[];
  queue?: string;
  wait?: boolean;
  timeout?: number;
}

/** `--param k=v`: the value as JSON when it is JSON (numbers, lists), else as text. */
function paramPair(text: string, previous: Record<string, unknown>): Record<string, unknown> {
  const i = text.indexOf('=');
  if (i <= 0) throw new ConfigurationError(`--param takes name=value, not ${JSON.stringify(text)}`);
  const raw = text.slice(i + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // plain text
  }
  return { ...previous, [text.slice(0, i)]: value };
}

/** The task's declared parameters: from the built-in tasks and any -A module; none if unknown. */
async function declaredParams(task: string, modules: string[]): Promise<readonly TaskParam[]> {
  const tasks = await loadTasks([builtInTasksModule(), ...modules.map((m) => resolveTaskModule(m))]);
  return tasks.get(task)?.options.params ?? [];
}

/** `celeriac batch`: one task per file (folders expand), sent as one Celery group. */
export function registerBatch(program: Command): void {
  withConnectionFlags(
    program
      .command('batch <task> <paths...>')
      .description('run a task on each file (folders expand to their files); with --wait, show a progress bar until all end')
      .option('-p, --param <name=value>', 'a parameter for every item, JSON or text (repeatable): --param size=[300,300]', paramPair, {})
      .option('-o, --out <dir>', "folder for the task's output files (else next to each input)")
      .option('--pattern <pattern>', 'output file name: {name} {ext} {index} {file}', '{name}.out.{ext}')
      .option('--ext <list>', 'only files with these extensions, e.g. jpg,png', commaList)
      .option('-A, --app <module>', 'a task module declaring the task\'s parameters (repeatable; the built-in tasks are known)', (v: string, prev: string[]) => [...prev, v], [])
      .option('-Q, --queue <queue>', "queue to send to (else the task's)")
      .option('--wait', 'wait until every item ends, with a progress bar; exit 1 if any failed')
      .option('--timeout <seconds>', 'with --wait, give up after this many seconds', numberIn(0)),
  ).action(async (task: string, paths: string[], flags: BatchFlags) => {
    const expanded = await expandPaths(paths.map((p) => resolve(p)), flags.ext);
    if (expanded.files.length === 0) throw new ConfigurationError(`no files to run ${task} on${flags.ext ? ` with the extensions ${flags.ext.join(', ')}` : ''}`);
    const params = await declaredParams(task, flags.app);
    const items = planBatch({ params, files: expanded.files, values: flags.param, outputDir: flags.out ? resolve(flags.out) : undefined, pattern: flags.pattern });
    const app = await connectedApp(flags, { taskRecords: true });
    try {
      const { meta, items: sent } = await sendBatch(app, items, { task, queue: flags.queue, outputDir: flags.out ? resolve(flags.out) : undefined, pattern: flags.pattern, values: flags.param });
      process.stdout.write(`Batch ${meta.id}: ${meta.total} ${task} task${meta.total === 1 ? '' : 's'} sent to ${meta.queue}\n`);
      if (!flags.wait) return;
      const ids = sent.map((it) => it.id);
      const bar = new SingleBar({
        format: `${task} |{bar}| {value}/{total} done, {failed} failed, {running} running | {rate}/s | ETA {eta_formatted}`,
        barCompleteChar: '█', barIncompleteChar: '░', hideCursor: true, etaBuffer: 20,
        // Without a terminal (CI, logs): a line every 2 s instead of redrawing.
        noTTYOutput: true, notTTYSchedule: 2000,
      }, undefined);
      const started = Date.now();
      bar.start(meta.total, 0, { failed: 0, running: 0, rate: '0' });
      const { counts, failures, timedOut } = await waitForBatch(app, ids, (c) => {
        const done = c.succeeded + c.failed + c.revoked;
        bar.update(done, { failed: c.failed, running: c.running, rate: (done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1) });
      }, { timeoutMs: flags.timeout === undefined ? undefined : flags.timeout * 1000 });
      bar.stop();
      process.stdout.write(`${counts.succeeded} succeeded, ${counts.failed} failed${counts.revoked ? `, ${counts.revoked} revoked` : ''} of ${counts.total} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      for (const [id, message] of failures.slice(0, 10)) process.stderr.write(`failed ${id}: ${message}\n`);
      if (failures.length > 10) process.stderr.write(`...and ${failures.length - 10} more (celeriac result <id>)\n`);
      if (timedOut) throw new ConfigurationError(`the batch did not end within ${flags.timeout} s`);
      if (counts.failed > 0) process.exitCode = 1;
    } finally {
      await app.close();
    }
  });
}
