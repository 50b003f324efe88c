import { describe, expect, it } from 'vitest';
import {
  buildMeta, errorFromMeta, exceptionToInfo, infoFromResult, infoToResult, parseResultMeta, pendingMeta,
} from '../../src-main/core/backend/result-meta.js';
import { RemoteTaskError } from '../../src-main/core/errors.js';
import { loadCapture } from '../helpers/fixtures.js';

describe('result metas as Celery stores them', () => {
  it.each(['result-success.json', 'result-failure.json', 'result-started.json', 'result-progress.json'])(
    'reads %s written by Python, keeping every field', (file) => {
      const { value } = loadCapture<Record<string, unknown>>(file);
      expect(parseResultMeta(JSON.stringify(value), 'x')).toEqual(value);
    },
  );

  it('writes the keys in Celery\'s order, extended fields before task_id', () => {
    const { value } = loadCapture<Record<string, unknown>>('result-failure.json');
    const meta = buildMeta(value.task_id as string, 'FAILURE', value.result, {
      traceback: value.traceback as string, name: 'tasks.fail', args: [], kwargs: {}, worker: 'celery@vm', retries: 0, queue: 'celery',
    });
    expect(Object.keys(meta)).toEqual(Object.keys(value));
    expect(meta.date_done).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('sets date_done only for ready states', () => {
    expect(buildMeta('i', 'PROGRESS', { current: 1 }).date_done).toBeNull();
    expect(buildMeta('i', 'STARTED', {}).date_done).toBeNull();
    expect(buildMeta('i', 'REVOKED', {}).date_done).not.toBeNull();
  });

  it('reads the minimal form Celery accepts and an unknown id as PENDING', () => {
    expect(parseResultMeta('{"status":"SUCCESS","result":42,"task_id":"t"}', 't')).toMatchObject({ status: 'SUCCESS', result: 42, traceback: null, children: [] });
    expect(pendingMeta('t')).toMatchObject({ status: 'PENDING', result: null, task_id: 't' });
  });

  it('refuses values that are not metas with a typed error', () => {
    expect(() => parseResultMeta('nope', 't')).toThrow(/not JSON/);
    expect(() => parseResultMeta('{"result": 1}', 't')).toThrow(/no "status"/);
  });
});

describe('exceptions across the wire', () => {
  it('turns a stored FAILURE into an error named after the remote type, with its traceback', () => {
    const { value } = loadCapture<Record<string, unknown>>('result-failure.json');
    const err = errorFromMeta(parseResultMeta(JSON.stringify(value), 'x'))!;
    expect(err).toBeInstanceOf(RemoteTaskError);
    expect(err.name).toBe('ValueError');
    expect(err.message).toBe('boom');
    expect(err.excModule).toBe('builtins');
    expect(err.traceback).toContain('ValueError: boom');
  });

  it('reads exception data as data only, whatever it holds', () => {
    expect(infoFromResult({ exc_type: 'os.system', exc_message: 'rm -rf /', exc_module: 'os' })).toEqual({ excType: 'os.system', excMessage: ['rm -rf /'], excModule: 'os' });
    expect(infoFromResult('weird')).toEqual({ excType: 'Exception', excMessage: ['weird'], excModule: null });
    expect(errorFromMeta(buildMeta('t', 'SUCCESS', 1))).toBeNull();
  });

  it('describes JS errors so Python re-raises builtins by their real type', () => {
    expect(infoToResult(exceptionToInfo(new TypeError('bad')))).toEqual({ exc_type: 'TypeError', exc_message: ['bad'], exc_module: 'builtins' });
    class QuotaExceeded extends Error {}
    expect(exceptionToInfo(new QuotaExceeded('over'))).toEqual({ excType: 'QuotaExceeded', excMessage: ['over'], excModule: 'celeriac' });
    expect(exceptionToInfo('plain')).toEqual({ excType: 'Error', excMessage: ['plain'], excModule: 'celeriac' });
  });
});

describe('task records', () => {
  it('encode exactly as JSON.stringify would, with and without the optional fields', async () => {
    const { encodeRecord } = await import('../../src-main/core/records/task-record.js');
    const base = { id: 'i"d', name: 'tasks.ü', queue: 'q', state: 'PENDING', argsrepr: "('x',)", kwargsrepr: '{}', priority: 0, eta: null, retries: 0, group: null };
    const full = { ...base, worker: 'w@h', started: 1, finished: 2.5, runtime: 0.001, result: '"ok"', error: { type: 'E', message: 'line\nbreak' }, message: '{"body":"…"}', progress: { current: 2, total: 5 } };
    expect(encodeRecord(base)).toBe(JSON.stringify(base));
    expect(encodeRecord(full)).toBe(JSON.stringify(full));
  });
});
