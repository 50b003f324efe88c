import { describe, expect, it } from 'vitest';
import type { HistoryTask } from '../../src-main/service/contract/types/tasks.js';
import type { ResultMeta } from '../../src-main/core/backend/result-meta.js';
import { planRetry, readArguments, type RetryFacts } from '../../src-main/service/tasks/retry-plan.js';

const ID = '6f1c1f2e-5a4b-4c3d-9e8f-0a1b2c3d4e5f';

function history(fields: Partial<HistoryTask>): HistoryTask {
  return {
    id: ID, name: 'proj.resize', state: 'FAILURE', args: "('a.png', 2)", kwargs: "{'fast': True}", result: null, exception: "ValueError('x')",
    traceback: null, worker: 'celery@py1', queue: null, retries: 0, eta: null, expires: null, parent_id: null, root_id: ID, group_id: null,
    received_at: 1, started_at: 2, succeeded_at: null, failed_at: 3, runtime: 1, seen_at: 1, updated_at: 3, progress_current: null, progress_total: null,
    ...fields,
  };
}
const facts = (f: Partial<RetryFacts>): RetryFacts => ({ id: ID, record: null, meta: null, history: null, workerQueues: null, ...f });
const meta = (fields: Partial<ResultMeta>): ResultMeta => ({ status: 'FAILURE', result: null, traceback: null, children: [], date_done: null, task_id: ID, ...fields });

describe('planRetry', () => {
  it('rebuilds from the events: the arguments read back, retries + 1, the queue of the only one its worker consumes', () => {
    expect(planRetry(facts({ history: history({ retries: 2 }), workerQueues: ['images'] }))).toEqual({
      ok: true, id: ID, from: 'events', name: 'proj.resize', args: ['a.png', 2], kwargs: { fast: true }, queue: 'images',
      retries: 3,
    });
  });

  it('takes the extended result first (its JSON arguments and queue), and a kept message before both', () => {
    const extended = meta({ name: 'proj.resize', args: ['b.png', 3], kwargs: {}, queue: 'imgs', retries: 1 });
    expect(planRetry(facts({ history: history({ args: "('x...', ...)" }), meta: extended }))).toMatchObject({ ok: true, from: 'result meta', args: ['b.png', 3], queue: 'imgs', retries: 2 });
    const record = { id: ID, name: 'n', queue: 'q', state: 'FAILURE', argsrepr: '()', kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null, message: '{"body":"..."}' };
    expect(planRetry(facts({ record, meta: extended }))).toMatchObject({ ok: true, from: 'message', message: '{"body":"..."}' });
  });

  it('says why not, per task: not failed, unknown, no name, no arguments, no queue', () => {
    expect(planRetry(facts({ history: history({ state: 'SUCCESS' }) }))).toMatchObject({ ok: false, code: 'not_failed', message: expect.stringMatching(/it is SUCCESS/) });
    expect(planRetry(facts({}))).toMatchObject({ ok: false, code: 'unknown_task' });
    expect(planRetry(facts({ history: history({ name: null }) }))).toMatchObject({ ok: false, code: 'no_name' });
    expect(planRetry(facts({ history: history({ args: null }) }))).toMatchObject({ ok: false, code: 'no_arguments' });
    expect(planRetry(facts({ history: history({}), workerQueues: ['a', 'b'] }))).toMatchObject({ ok: false, code: 'no_queue', message: expect.stringMatching(/celery@py1 consumes 2 queues \(a, b\)/) });
    expect(planRetry(facts({ history: history({}) }))).toMatchObject({ ok: false, code: 'no_queue', message: expect.stringMatching(/did not say which queues/) });
    expect(planRetry(facts({ history: history({ queue: 'known' }) }))).toMatchObject({ ok: true, queue: 'known' });
  });
});

describe('planRetry refuses what a retry under the same id would not run, or not continue', () => {
  const record = { id: ID, name: 'n', queue: 'q', state: 'FAILURE', argsrepr: '()', kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null, message: '{"body":"..."}' };

  it('a revoked task, rebuilt or kept: workers drop its id, so it must be sent as a new task', () => {
    expect(planRetry(facts({ history: history({ state: 'REVOKED', queue: 'q' }) }))).toMatchObject({
      ok: false, code: 'revoked', message: expect.stringMatching(/workers drop its id .*send it as a new task/),
    });
    expect(planRetry(facts({ record: { ...record, state: 'REVOKED' }, meta: meta({ status: 'REVOKED' }) }))).toMatchObject({ ok: false, code: 'revoked' });
    expect(planRetry(facts({ record, meta: meta({ status: 'REVOKED' }) }))).toMatchObject({ ok: false, code: 'revoked' });
  });

  it('a kept message of a task that did not fail is not sent a second time', () => {
    expect(planRetry(facts({ record: { ...record, state: 'PENDING' } }))).toMatchObject({ ok: false, code: 'not_failed', message: expect.stringMatching(/it is PENDING/) });
    expect(planRetry(facts({ record: { ...record, state: 'PENDING' }, history: history({ queue: 'q' }) }))).toMatchObject({ ok: true, from: 'message' });
  });

  it('a chain step, a group or chord member, a task under another root: refused when rebuilt, its links not kept', () => {
    const parent = 'a0a0a0a0-0000-4000-8000-000000000001';
    expect(planRetry(facts({ history: history({ queue: 'q', parent_id: parent, root_id: parent }) }))).toMatchObject({
      ok: false, code: 'workflow', message: expect.stringMatching(new RegExp(`part of a workflow \\(sent after ${parent}\\): its links were not kept`)),
    });
    expect(planRetry(facts({ history: history({ queue: 'q', group_id: 'g-1' }) }))).toMatchObject({ ok: false, code: 'workflow', message: expect.stringMatching(/member of group g-1/) });
    expect(planRetry(facts({ history: history({ queue: 'q', root_id: parent }) }))).toMatchObject({ ok: false, code: 'workflow', message: expect.stringMatching(/under a0a0/) });
    const extended = meta({ name: 'proj.resize', args: [], kwargs: {}, queue: 'imgs', parent_id: parent });
    expect(planRetry(facts({ meta: extended }))).toMatchObject({ ok: false, code: 'workflow' });
    expect(planRetry(facts({ meta: { ...extended, parent_id: undefined, group_id: 'g-2' } }))).toMatchObject({ ok: false, code: 'workflow' });
    // Its kept message carries its links: sent from it.
    expect(planRetry(facts({ record, history: history({ parent_id: parent, group_id: 'g-1' }) }))).toMatchObject({ ok: true, from: 'message' });
  });

  it('a stored result too large to read: said so, not rebuilt from the events instead', () => {
    const bytes = 70 * 1024 * 1024;
    expect(planRetry(facts({ history: history({ queue: 'q' }), unreadMetaBytes: bytes }))).toMatchObject({
      ok: false, code: 'result_too_large', message: expect.stringMatching(/its stored result is 70 MiB, over the 64 MiB read at most: too large to rebuild from/),
    });
    expect(planRetry(facts({ unreadMetaBytes: bytes }))).toMatchObject({ ok: false, code: 'result_too_large' });
    expect(planRetry(facts({ history: history({ state: 'SUCCESS' }), unreadMetaBytes: bytes }))).toMatchObject({ ok: false, code: 'not_failed' });
    expect(planRetry(facts({ record, unreadMetaBytes: bytes }))).toMatchObject({ ok: true, from: 'message' });
  });
});

describe('readArguments', () => {
  it('refuses a repr Celery cut, at its length or its depth, and a string that may be cut', () => {
    const long = `('${'y'.repeat(1016)}...', ...`;
    expect(readArguments(long, '{}')).toMatchObject({ code: 'arguments_cut', message: expect.stringMatching(/at 1024 characters/) });
    expect(readArguments('([[[...]]],)', '{}')).toMatchObject({ code: 'arguments_cut', message: expect.stringMatching(/3 levels/) });
    expect(readArguments("('loading...',)", '{}')).toMatchObject({ code: 'arguments_cut', message: expect.stringMatching(/may be only the start/) });
    expect(readArguments('()', "{'k': [...]}")).toMatchObject({ code: 'arguments_cut', message: expect.stringMatching(/kwargs nest deeper/) });
  });

  it('refuses an object, a backslash, bytes and what JSON cannot carry, saying which', () => {
    expect(readArguments('(<object object at 0x7f0>,)', '{}')).toMatchObject({ code: 'not_literal', message: expect.stringMatching(/<object object at 0x7f0> is not a literal/) });
    expect(readArguments("('C:\\temp',)", '{}')).toMatchObject({ code: 'ambiguous' });
    expect(readArguments("(b'x',)", '{}')).toMatchObject({ code: 'ambiguous' });
    expect(readArguments('({1, 2},)', '{}')).toMatchObject({ code: 'not_json', message: expect.stringMatching(/args\[0\] is a set/) });
    expect(readArguments('(1,', '{}')).toMatchObject({ code: 'unreadable' });
    expect(readArguments('(1,)', '[]')).toMatchObject({ code: 'unreadable', message: expect.stringMatching(/not a dict/) });
  });

  it('reads a list repr (apply_async with a list) and an empty kwargs repr', () => {
    expect(readArguments("[1, 'it\\'s', None]", '')).toEqual({ args: [1, "it's", null], kwargs: {} });
  });
});
