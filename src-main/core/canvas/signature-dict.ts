/**
 * A signature as it travels inside a message (`embed.chain`, `callbacks`, `errbacks`, `chord`)
 * and inside `celery.chain` / `celery.group` / `celery.chord` kwargs: Celery's
 * `Signature.__init__` dict (Celery's canvas.py). Signatures come from other workers' messages,
 * so every one is checked here before anything acts on it.
 */
import { CanvasError } from '../errors.js';

export interface SignatureDict {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** apply_async's options: task_id, group_id, group_index, chord, chain, link, link_error, queue, ... */
  options: Record<string, unknown>;
  /** null for a plain task; `chain`, `group` or `chord` for the builtins Celery applies itself. */
  subtask_type: string | null;
  /** An immutable signature takes no partial arguments (`.si()`). */
  immutable: boolean;
}

/** How deep canvases nest at most (a chain of chords of groups...): past it, a typed error. */
const MAX_DEPTH = 32;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads one signature dict, checking its shape. @throws CanvasError naming `where` */
export function toSignatureDict(value: unknown, where: string): SignatureDict {
  if (!isObject(value)) throw new CanvasError(`${where}: a signature must be an object, got ${value === null ? 'null' : typeof value}`);
  const { task, args = [], kwargs = {}, options = {}, subtask_type = null, immutable = false } = value;
  if (typeof task !== 'string' || task === '') throw new CanvasError(`${where}: a signature needs a task name`);
  if (!Array.isArray(args)) throw new CanvasError(`${where}: args must be a list`);
  if (!isObject(kwargs)) throw new CanvasError(`${where}: kwargs must be an object`);
  if (!isObject(options)) throw new CanvasError(`${where}: options must be an object`);
  if (subtask_type !== null && typeof subtask_type !== 'string') throw new CanvasError(`${where}: subtask_type must be a string or null`);
  return { task, args, kwargs, options, subtask_type, immutable: immutable === true };
}

/** A list of signature dicts (Celery also allows one where a list is expected). */
export function toSignatureList(value: unknown, where: string): SignatureDict[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v, i) => toSignatureDict(v, `${where}[${i}]`));
}

/** The kind of a signature: its subtask_type, or what its builtin task name says. */
export function kindOf(sig: SignatureDict): 'task' | 'chain' | 'group' | 'chord' {
  const t = sig.subtask_type ?? ({ 'celery.chain': 'chain', 'celery.group': 'group', 'celery.chord': 'chord' } as Record<string, string>)[sig.task];
  if (t === 'chain' || t === 'group' || t === 'chord') return t;
  if (t !== undefined && t !== null) throw new CanvasError(`signature of ${sig.task}: subtask_type ${JSON.stringify(t)} is not supported (chain, group and chord are)`);
  return 'task';
}

/** The members of a chain or group signature (`kwargs.tasks`). */
export function tasksOf(sig: SignatureDict, depth: number): SignatureDict[] {
  checkDepth(depth);
  return toSignatureList(sig.kwargs.tasks, `${sig.task}.tasks`);
}

/** Throws past MAX_DEPTH: canvases come from messages, and recursion must end. */
export function checkDepth(depth: number): void {
  if (depth > MAX_DEPTH) throw new CanvasError(`a canvas nested more than ${MAX_DEPTH} deep`);
}

/** A copy with some options set (undefined ones left out); the dict itself is never changed. */
export function withOptions(sig: SignatureDict, options: Record<string, unknown>): SignatureDict {
  const merged = { ...sig.options };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) merged[k] = v;
  return { ...sig, options: merged };
}

/** The task id a signature was frozen with, if any. */
export function frozenId(sig: SignatureDict): string | undefined {
  const id = sig.options.task_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
