import { useEffect, useRef, useState } from 'react';
import { call, on } from '../../api/client.js';
import type { TaskWorkflow, TaskWorkflowNode } from '../../api/contract.js';

/** Reloads at most this often while its tasks change. */
const RELOAD_MS = 500;

/**
 * The workflow a task is part of (its root, chain steps, groups and chords), with live states;
 * each task opens its own page. Shown only when there is one: a lone task has no tree.
 */
export function WorkflowTree({ id }: { id: string }) {
  const [workflow, setWorkflow] = useState<TaskWorkflow | null>(null);
  const ids = useRef(new Set<string>());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = (): void => {
      timer = null;
      void call('tasks:workflow', { id }).then((w) => {
        ids.current = new Set(flatten(w.root).map((n) => n.id));
        // A change of any task reloads the group's progress; the timer keeps that to twice a second.
        if (w.group) ids.current.add('*');
        setWorkflow(w);
      });
    };
    load();
    // Only changes of its own tasks reload it, twice a second at most.
    const off = on('tasks:changed', (changed) => {
      if (!timer && (ids.current.has('*') || changed.some((t) => ids.current.has(t.id)))) timer = setTimeout(load, RELOAD_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [id]);
  if (!workflow) return null;
  const { group } = workflow;
  if (workflow.root.children.length === 0 && !group) return null;
  return (
    <>
      <h3>Workflow</h3>
      {group && (
        <p data-testid="workflow-group">
          In group <span className="mono">{group.id}</span>: {group.done} of {group.total} done{' '}
          <progress className="bar wide" value={group.done} max={group.total || 1} />{' '}
          <a href={`#/tasks?q=${encodeURIComponent(`group:${group.id}`)}`}>list its tasks</a>
        </p>
      )}
      {workflow.root.children.length > 0 && (
        <ul className="tree" aria-label="workflow" data-testid="workflow">
          <Node node={workflow.root} current={id} />
        </ul>
      )}
      {workflow.truncated && <p className="muted">Only the first tasks are shown.</p>}
    </>
  );
}

function Node({ node, current }: { node: TaskWorkflowNode; current: string }) {
  const [done, total] = node.kind === 'group' ? node.state.split('/').map(Number) as [number, number] : [0, 0];
  return (
    <li>
      {node.kind === 'group' ? (
        <span className="muted">
          group <span className="mono">{node.id.slice(0, 8)}</span> <progress className="bar" value={done} max={total || 1} /> {node.state}
        </span>
      ) : (
        <span data-testid="workflow-task">
          <span className={`badge ${node.state}`}>{node.state}</span>{' '}
          {node.id === current ? <strong className="mono">{node.name ?? node.id}</strong> : <a className="mono" href={`#/tasks/${encodeURIComponent(node.id)}`}>{node.name ?? node.id}</a>}
          <span className="muted mono small"> {node.id.slice(0, 8)}</span>
        </span>
      )}
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c) => <Node key={c.id} node={c} current={current} />)}
        </ul>
      )}
    </li>
  );
}

function flatten(n: TaskWorkflowNode): TaskWorkflowNode[] {
  return [n, ...n.children.flatMap(flatten)];
}
