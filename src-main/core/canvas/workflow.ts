/**
 * A task's workflow as its results tell it: from its root, every task's `children` (chain
 * steps, callbacks, groups it launched), and the path from the task itself up its `parent_id`s
 * (a chord's body, sent by its last header member, is not among anyone's children). Read level
 * by level with one MGET each, bounded: a cycle or a huge fan-out ends the walk, not the process.
 */
import type { RedisBackend } from '../backend/redis-backend.js';
import { decodeTaskMessage } from '../protocol/decode.js';
import type { TaskRecords } from '../records/record-store.js';
import type { ResultMeta } from '../backend/result-meta.js';
import { toResultTuple, type ResultTuple } from './result-tuple.js';

export interface WorkflowNode {
  id: string;
  kind: 'task' | 'group';
  /** The task's name where its result says it (Celery's result_extended). */
  name?: string;
  state: string;
  children: WorkflowNode[];
}

/** Nodes read at most, and how far up parent_id goes. */
export const WORKFLOW_LIMITS = { nodes: 1000, up: 64, tails: 50 } as const;

export interface Workflow {
  root: WorkflowNode;
  /** The group the task asked about is in (its result's group_id), when it is in one. */
  groupId?: string;
  /** True when the walk stopped at WORKFLOW_LIMITS.nodes. */
  truncated: boolean;
}

/**
 * @param records where Celeriac keeps each message (a task only sent, or one that failed): the
 *   steps a chain has not reached (after a failure, or not yet) are read from them
 */
export async function readWorkflow(backend: RedisBackend, id: string, records?: TaskRecords): Promise<Workflow> {
  // Up: the task's ancestors, root first.
  const path: Array<{ id: string; meta: ResultMeta | null }> = [];
  const seen = new Set<string>();
  for (let at: string | undefined = id; at && !seen.has(at) && path.length < WORKFLOW_LIMITS.up; ) {
    seen.add(at);
    const meta: ResultMeta | null = await backend.get(at);
    path.unshift({ id: at, meta });
    at = meta?.parent_id ?? undefined;
  }
  const metas = new Map(path.map((p) => [p.id, p.meta]));
  const node = (taskId: string): WorkflowNode => {
    const meta = metas.get(taskId);
    return { id: taskId, kind: 'task', name: meta?.name, state: meta?.status ?? 'PENDING', children: [] };
  };
  const root = node(path[0]!.id);
  const nodes = new Map<string, WorkflowNode>([[root.id, root]]);
  let count = 1;
  let truncated = false;
  // Down, level by level: each level's results read in one MGET.
  let level: WorkflowNode[] = [root];
  while (level.length > 0 && !truncated) {
    const unread = level.filter((n) => n.kind === 'task' && !metas.has(n.id));
    const read = await backend.getMany(unread.map((n) => n.id));
    unread.forEach((n, i) => metas.set(n.id, read[i] ?? null));
    for (const n of level) {
      const meta = metas.get(n.id);
      n.name = meta?.name;
      n.state = meta?.status ?? 'PENDING';
    }
    const next: WorkflowNode[] = [];
    const add = (parent: WorkflowNode, tuple: ResultTuple): void => {
      if (count >= WORKFLOW_LIMITS.nodes) {
        truncated = true;
        return;
      }
      const [[childId], members] = tuple;
      if (nodes.has(childId)) return;
      const child: WorkflowNode = members === null ? { id: childId, kind: 'task', state: 'PENDING', children: [] } : { id: childId, kind: 'group', state: '', children: [] };
      nodes.set(childId, child);
      count++;
      parent.children.push(child);
      if (members === null) next.push(child);
      else for (const m of members) add(child, m);
    };
    for (const n of level) {
      if (n.kind !== 'task') continue;
      for (const c of metas.get(n.id)?.children ?? []) {
        const tuple = toResultTuple(c);
        if (tuple) add(n, tuple);
      }
    }
    level = next;
  }
  // The task's own path, where children did not lead to it (a chord body under its last member).
  for (let i = 1; i < path.length; i++) {
    const { id: childId } = path[i]!;
    if (nodes.has(childId)) continue;
    const child = node(childId);
    nodes.set(childId, child);
    nodes.get(path[i - 1]!.id)?.children.push(child);
  }
  if (records) truncated = (await addChainTails(backend, records, nodes, () => count++)) || truncated;
  for (const n of nodes.values()) if (n.kind === 'group') n.state = groupState(n);
  const groupId = metas.get(id)?.group_id ?? undefined;
  return groupId ? { root, truncated, groupId } : { root, truncated };
}

/**
 * The steps a chain has not sent, under the task whose message carries them (a failed step:
 * the rest failed with it; a waiting one: the rest is to come). Their states are their results'.
 * @returns true when there were more tasks than WORKFLOW_LIMITS.nodes
 */
async function addChainTails(backend: RedisBackend, records: TaskRecords, nodes: Map<string, WorkflowNode>, counted: () => number): Promise<boolean> {
  const leaves = [...nodes.values()].filter((n) => n.kind === 'task' && n.children.length === 0 && n.state !== 'SUCCESS').slice(0, WORKFLOW_LIMITS.tails);
  if (leaves.length === 0) return false;
  const added: WorkflowNode[] = [];
  for (const rec of await records.readMany(leaves.map((n) => n.id))) {
    const decoded = rec.message ? decodeTaskMessage(rec.message) : null;
    const chain = decoded?.ok ? decoded.message.embed.chain ?? [] : [];
    let parent = nodes.get(rec.id)!;
    // The next step is the last element.
    for (let i = chain.length - 1; i >= 0; i--) {
      const step = chain[i] as { task?: unknown; options?: { task_id?: unknown } } | null;
      const stepId = step?.options?.task_id;
      if (typeof stepId !== 'string' || nodes.has(stepId)) break;
      if (counted() >= WORKFLOW_LIMITS.nodes) return true;
      const child: WorkflowNode = { id: stepId, kind: 'task', name: typeof step?.task === 'string' ? step.task : undefined, state: 'PENDING', children: [] };
      nodes.set(stepId, child);
      parent.children.push(child);
      added.push(child);
      parent = child;
    }
  }
  const metas = await backend.getMany(added.map((n) => n.id));
  added.forEach((n, i) => (n.state = metas[i]?.status ?? 'PENDING'));
  return false;
}

/** A group's state: "done/total". */
function groupState(g: WorkflowNode): string {
  const done = g.children.filter((c) => c.state === 'SUCCESS' || c.state === 'FAILURE' || c.state === 'REVOKED').length;
  return `${done}/${g.children.length}`;
}

/** The tree as `celeriac result --tree` prints it; the task asked about is marked. */
export function formatWorkflow(w: Workflow, marked: string): string {
  const lines: string[] = [];
  const walk = (n: WorkflowNode, prefix: string, last: boolean, top: boolean): void => {
    const label = n.kind === 'group' ? `group ${n.id}  ${n.state} done` : `${n.id}  ${n.name ?? '?'}  ${n.state}`;
    lines.push(`${top ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${label}${n.id === marked ? '  ◀' : ''}`);
    const inner = top ? '' : `${prefix}${last ? '   ' : '│  '}`;
    n.children.forEach((c, i) => walk(c, inner, i === n.children.length - 1, false));
  };
  walk(w.root, '', true, true);
  if (w.truncated) lines.push(`… (more than ${WORKFLOW_LIMITS.nodes} tasks: the rest is not shown)`);
  return lines.join('\n');
}
