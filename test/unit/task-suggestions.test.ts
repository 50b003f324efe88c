import { describe, expect, it } from 'vitest';
import { joinKnown, registeredNames } from '../../src-main/service/workers/known-tasks.js';
import { taskNote, unrunWarning } from '../../src-renderer/views/Submit/task-note.js';

describe('the task names Send and Batches suggest', () => {
  it("reads Celery's registered reply, rate-limit info included, and drops what is no name", () => {
    expect(registeredNames(['tasks.add', 'tasks.mul [rate_limit=10/m]', 42, '', 'x'.repeat(600)])).toEqual(['tasks.add', 'tasks.mul']);
    expect(registeredNames({ not: 'a list' })).toEqual([]);
  });

  it("lists a live worker's tasks first, then the history's, then built-ins nobody runs", () => {
    const known = joinKnown({ 'py@h': ['tasks.add'], 'py2@h': ['tasks.add', 'tasks.mul'] }, ['resize_image', 'checksum'], ['tasks.old', 'tasks.add']);
    expect(known.answered).toEqual(['py2@h', 'py@h']);
    expect(known.tasks.map((t) => t.name)).toEqual(['tasks.add', 'tasks.mul', 'tasks.old', 'checksum', 'resize_image']);
    expect(known.tasks[0]).toEqual({ name: 'tasks.add', workers: ['py2@h', 'py@h'], declared: false, seen: true });
    expect(known.tasks.find((t) => t.name === 'resize_image')).toEqual({ name: 'resize_image', workers: [], declared: true, seen: false });
  });

  it('keeps at most MAX_KNOWN_TASKS names, the declared ones always among them', () => {
    const flood = Array.from({ length: 10_000 }, (_, i) => `spam.${i}`);
    const known = joinKnown({ 'w@h': flood }, ['resize_image'], flood);
    expect(known.tasks.length).toBe(2000);
    expect(known.tasks.some((t) => t.name === 'resize_image')).toBe(true);
  });

  it('marks a built-in no worker runs, and names the worker of one that runs', () => {
    expect(taskNote({ name: 'resize_image', workers: [], declared: true, seen: false })).toBe('built-in — no worker runs it');
    expect(taskNote({ name: 'tasks.add', workers: ['py@h'], declared: false, seen: true })).toBe('runs on py@h');
    expect(taskNote({ name: 'tasks.gone', workers: [], declared: false, seen: true })).toBe('no live worker runs it');
  });

  it('warns of a name no live worker runs, and says nothing of one that runs', () => {
    const known = { tasks: [{ name: 'tasks.add', workers: ['py@h'], declared: false, seen: true }], answered: ['py@h'] };
    expect(unrunWarning('tasks.add', known)).toBeNull();
    expect(unrunWarning('resize_image', known)).toMatch(/^resize_image — no worker runs it \(none of the 1 live worker registered it\)/);
    expect(unrunWarning('resize_image', null)).toBeNull();
  });
});
