/**
 * A batch's plan: one task call per file (or per CSV/JSONL row), built from the task's declared
 * parameters. Pure: the control room, the CLI and the tests all plan the same way.
 */
import { basename, dirname, extname, join } from 'node:path';
import type { TaskParam } from '../task.js';

export interface BatchPlanInput {
  /** The task's declared parameters; empty for a task only a remote worker knows. */
  params: readonly TaskParam[];
  /** One item per file: it goes into the task's first `file` parameter. */
  files?: readonly string[];
  /** One item per row: values by parameter name (CSV columns, JSONL objects). */
  rows?: ReadonlyArray<Record<string, unknown>>;
  /** The other parameters, once for all items, by name. */
  values?: Record<string, unknown>;
  /** Where `output` parameters point. @default each input's own folder */
  outputDir?: string;
  /** The output file name: {name} (without extension), {ext}, {index} (from 1), {file}. @default "{name}.out.{ext}" */
  pattern?: string;
}

export interface PlannedItem {
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** What the batch view shows as the item's input: the file, or the row. */
  input: string;
  output?: string;
}

export const DEFAULT_PATTERN = '{name}.out.{ext}';

/** The output path of one input under a name pattern. */
export function outputPath(pattern: string, input: string, index: number, outputDir?: string): string {
  const ext = extname(input).replace(/^\./, '');
  const name = basename(input, extname(input));
  const file = pattern.replace(/\{(name|ext|index|file)\}/g, (_m, key: string) => ({ name, ext, index: String(index + 1), file: basename(input) })[key]!);
  if (file.includes('/') || file.includes('\\') || file === '' || file === '.' || file === '..') throw new Error(`the name pattern ${JSON.stringify(pattern)} must make a file name, not ${JSON.stringify(file)}`);
  return join(outputDir ?? dirname(input), file);
}

/** @throws Error saying what is missing or wrong, before anything is sent */
export function planBatch(input: BatchPlanInput): PlannedItem[] {
  const values = input.values ?? {};
  const pattern = input.pattern || DEFAULT_PATTERN;
  const fileParam = input.params.find((p) => p.type === 'file');
  if (input.files && input.rows) throw new Error('a batch is made from files or from rows, not both');
  const sources: Array<{ file?: string; row?: Record<string, unknown> }> = input.files ? input.files.map((file) => ({ file })) : (input.rows ?? []).map((row) => ({ row }));
  if (sources.length === 0) throw new Error('the batch has no files (or rows)');
  if (input.files && input.params.length > 0 && !fileParam) throw new Error('this task takes no file parameter: drop a CSV or JSONL file to map columns to its parameters instead');

  const outputs = new Map<string, string>();
  return sources.map(({ file, row }, index) => {
    if (input.params.length === 0) {
      // A task only a remote worker knows: the file first, the values as keyword arguments.
      return { args: file === undefined ? [] : [file], kwargs: file === undefined ? { ...values, ...row } : { ...values }, input: file ?? JSON.stringify(row) };
    }
    const args: unknown[] = [];
    let output: string | undefined;
    const source = file ?? (fileParam && typeof row?.[fileParam.name] === 'string' ? (row[fileParam.name] as string) : undefined);
    for (const p of input.params) {
      let value: unknown;
      if (p === fileParam && file !== undefined) value = file;
      else if (row && row[p.name] !== undefined && row[p.name] !== '') value = row[p.name];
      else if (p.type === 'output' && source !== undefined && values[p.name] === undefined) {
        value = output = outputPath(pattern, source, index, input.outputDir);
        const clash = outputs.get(output);
        if (clash !== undefined) throw new Error(`the name pattern ${JSON.stringify(pattern)} gives ${output} for both ${clash} and ${source}: add {name} or {index}`);
        outputs.set(output, source);
      } else if (values[p.name] !== undefined) value = values[p.name];
      else value = p.default;
      if (value === undefined) throw new Error(`parameter ${p.name} needs a value${row ? ` (row ${index + 1})` : ''}`);
      args.push(coerce(p, value, index));
    }
    return { args, kwargs: {}, input: source ?? JSON.stringify(row), output };
  });
}

/** CSV cells arrive as text: numbers, booleans and JSON become what the parameter declares. */
function coerce(p: TaskParam, value: unknown, index: number): unknown {
  if (typeof value !== 'string') return value;
  const where = `parameter ${p.name} (item ${index + 1})`;
  switch (p.type) {
    case 'number':
    case 'integer': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n) || (p.type === 'integer' && !Number.isInteger(n))) throw new Error(`${where} must be a ${p.type === 'integer' ? 'whole number' : 'number'}, not ${JSON.stringify(value)}`);
      return n;
    }
    case 'boolean':
      if (!/^(true|false|1|0|yes|no)$/i.test(value)) throw new Error(`${where} must be true or false, not ${JSON.stringify(value)}`);
      return /^(true|1|yes)$/i.test(value);
    case 'json':
      try {
        return JSON.parse(value) as unknown;
      } catch {
        throw new Error(`${where} must be JSON, not ${JSON.stringify(value)}`);
      }
    default:
      return value;
  }
}
