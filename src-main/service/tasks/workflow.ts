/**
 * A task's workflow as the task page shows it: the results' tree (core/canvas/workflow.ts) with
 * what the history knows added. A Python worker without `result_extended` stores no task names:
 * the history's (from the events) name the nodes. A chord's header is met through one member
 * only (the body's parent): its result names the group, and the other members are found among
 * the tasks seen around it whose results name the same group (merged into the answer by the
 * history's rule, and handed to its feed, its one writer, which keeps them in the history).
 * Each task's state is the history's, merged by its one rule, where it knows the task.
 */
import type { HistoryTask } from '../contract/types/tasks.js';
import type { App } from '../../core/app.js';
import type { ResultMeta } from '../../core/backend/result-meta.js';
import { readWorkflow, WORKFLOW_LIMITS, type WorkflowNode } from '../../core/canvas/workflow.js';
import { decodeTaskMessage } from '../../core/protocol/decode.js';
import type { TaskWorkflow } from '../contract/index.js';
import { metaFields } from '../history/backfill.js';
import { mergedTask, type Report } from '../history/history-store.js';
import type { HistoryFace } from '../history/history-reader.js';

/** The history, and what this answer read of tasks it has not written yet (by task). */
interface Known {
  history: HistoryFace;
  read: Map<string, Report>;
}

/** A task as the history has it, with what this answer read of it merged in. */
const taskOf = (k: Known, id: string): HistoryTask | null => {
  const report = k.read.get(id);
  return mergedTask(k.history.get(id), id, report ? [report] : []);
};

/** A group id looked up (Celery's are uuids): searched as a plain value, never as a pattern. */
const GROUP_ID = /^[\w.:-]{1,256}$/;

/** A group's members read at most, and how far around a member (s) the others are looked for. */
export const GROUP_LIMITS = { members: 1000, windowS: 600 } as const;

export async function taskWorkflow(app: App, history: HistoryFace, id: string): Promise<TaskWorkflow> {
  const known: Known = { history, read: new Map() };
  const workflow = await readWorkflow(app.backend, id, app.records);
  const tasks = flatten(workflow.root).filter((n) => n.kind === 'task');
  const metas = await readMetas(app, tasks.map((n) => n.id));
  const grouped = new Map<string, string>();
  tasks.forEach((n, i) => {
    const g = metas[i]?.group_id;
    if (typeof g === 'string' && g !== '') grouped.set(n.id, g);
  });
  workflow.root = await withGroups(app, known, workflow.root, null, grouped);
  await addChainSteps(app, workflow.root);
  for (const n of flatten(workflow.root)) {
    if (n.kind !== 'task') continue;
    const h = taskOf(known, n.id);
    if (!h) continue;
    n.name ??= h.name ?? undefined;
    if (h.state) n.state = h.state;
  }
  for (const n of flatten(workflow.root)) if (n.kind === 'group') n.state = groupState(n);
  const groupId = workflow.groupId ?? taskOf(known, id)?.group_id ?? null;
  return { ...workflow, group: groupId ? { id: groupId, ...groupProgress(known, groupId) } : null };
}

/** How many tasks of a group the history holds, and how many have finished, with the members this answer found added. */
function groupProgress(k: Known, groupId: string): { total: number; done: number } {
  const progress = k.history.groupProgress(groupId);
  for (const [id, report] of k.read) {
    if (report.fields.group_id !== groupId || k.history.get(id)?.group_id === groupId) continue;
    progress.total++;
    if (FINISHED.has(taskOf(k, id)!.state)) progress.done++;
  }
  return progress;
}

const FINISHED = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

/**
 * The tree with each task that is in a group, and not under that group's node already, put
 * under a group node with all the members found.
 */
async function withGroups(app: App, k: Known, node: WorkflowNode, parent: WorkflowNode | null, grouped: ReadonlyMap<string, string>): Promise<WorkflowNode> {
  const children: WorkflowNode[] = [];
  for (const c of node.children) children.push(await withGroups(app, k, c, node, grouped));
  node.children = children;
  const groupId = node.kind === 'task' ? grouped.get(node.id) : undefined;
  if (!groupId || !GROUP_ID.test(groupId) || (parent?.kind === 'group' && parent.id === groupId)) return node;
  const members = await groupMembers(app, k, groupId, node.id);
  if (members.length <= 1) return node;
  const others = members.filter((m) => m !== node.id).map((m): WorkflowNode => ({ id: m, kind: 'task', state: 'PENDING', children: [] }));
  return { id: groupId, kind: 'group', state: '', children: [node, ...others] };
}

/**
 * The chain steps a kept message carries that the tree lacks, in line after the steps it has:
 * a chain Celeriac sent and a Python worker ran keeps only its first message (the next ones
 * were sent by the Python worker), and the steps after a failed one never ran, Celery marking
 * them FAILURE. Their states are their results'.
 */
async function addChainSteps(app: App, root: WorkflowNode): Promise<void> {
  const nodes = new Map(flatten(root).map((n) => [n.id, n]));
  const tasks = [...nodes.values()].filter((n) => n.kind === 'task').slice(0, WORKFLOW_LIMITS.tails);
  const added: WorkflowNode[] = [];
  for (const rec of await app.records.readMany(tasks.map((n) => n.id)).catch(() => [])) {
    const decoded = rec.message ? decodeTaskMessage(rec.message) : null;
    const steps = decoded?.ok ? decoded.message.embed.chain ?? [] : [];
    let at = nodes.get(rec.id)!;
    // The next step is the last element.
    for (let i = steps.length - 1; i >= 0 && nodes.size < WORKFLOW_LIMITS.nodes; i--) {
      const step = steps[i] as { task?: unknown; options?: { task_id?: unknown } } | null;
      const stepId = step?.options?.task_id;
      if (typeof stepId !== 'string') break;
      let next = nodes.get(stepId);
      if (!next) {
        next = { id: stepId, kind: 'task', name: typeof step?.task === 'string' ? step.task : undefined, state: 'PENDING', children: [] };
        nodes.set(stepId, next);
        at.children.push(next);
        added.push(next);
      }
      at = next;
    }
  }
  const metas = await readMetas(app, added.map((n) => n.id));
  added.forEach((n, i) => (n.state = metas[i]?.status ?? 'PENDING'));
}

/**
 * A group's members as the history knows them, and those this answer found among the tasks
 * seen around one of them (their results name the group), oldest first.
 */
async function groupMembers(app: App, k: Known, groupId: string, memberId: string): Promise<string[]> {
  const seen = k.history.seenAt(memberId);
  const found: string[] = [];
  if (seen !== null) {
    const candidates = k.history.ungroupedNear(seen, GROUP_LIMITS.windowS, GROUP_LIMITS.members);
    const metas = await readMetas(app, candidates);
    const reports: Report[] = [];
    metas.forEach((meta, i) => {
      if (!meta || typeof meta.group_id !== 'string' || meta.group_id === '') return;
      const report = { id: candidates[i]!, state: meta.status, fields: metaFields(meta) };
      reports.push(report);
      k.read.set(report.id, report);
      if (meta.group_id === groupId) found.push(report.id);
    });
    k.history.handToFeed(reports);
  }
  // Newest first, as the history lists a group's; at most GROUP_LIMITS.members in all.
  const byAge = (id: string): number => k.history.seenAt(id) ?? 0;
  const stored = k.history.ids(`group:${groupId}`, GROUP_LIMITS.members);
  const extra = found.filter((id) => !stored.includes(id));
  const members = extra.length === 0 ? stored : [...stored, ...extra].sort((a, b) => byAge(b) - byAge(a)).slice(0, GROUP_LIMITS.members);
  return members.includes(memberId) ? members.reverse() : [memberId, ...members.reverse()];
}

/** Results of these tasks (null: none, or one that cannot be read), in MGETs of a few hundred. */
async function readMetas(app: App, ids: readonly string[]): Promise<Array<ResultMeta | null>> {
  const out: Array<ResultMeta | null> = [];
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    try {
      out.push(...(await app.backend.getMany(part)));
    } catch {
      // One unreadable result fails the MGET's parse: read them one by one.
      for (const id of part) out.push(await app.backend.get(id).catch(() => null));
    }
  }
  return out;
}

/** A group's state: "done/total". */
function groupState(g: WorkflowNode): string {
  const done = g.children.filter((c) => c.state === 'SUCCESS' || c.state === 'FAILURE' || c.state === 'REVOKED').length;
  return `${done}/${g.children.length}`;
}

function flatten(n: WorkflowNode): WorkflowNode[] {
  return [n, ...n.children.flatMap(flatten)];
}
