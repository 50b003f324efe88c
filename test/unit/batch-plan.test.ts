import { describe, expect, it } from 'vitest';
import { outputPath, planBatch } from '../../src-main/core/batch/plan.js';
import type { TaskParam } from '../../src-main/core/task.js';
import { summarize } from '../../src-main/service/batches/batch-summary.js';

const RESIZE: TaskParam[] = [
  { name: 'input', type: 'file' },
  { name: 'output', type: 'output' },
  { name: 'size', type: 'json', default: [300, 300] },
  { name: 'options', type: 'json', default: { fit: 'cover' } },
];

describe('planBatch', () => {
  it('puts each file in the file parameter, names outputs by the pattern, fills the rest from values and defaults', () => {
    const items = planBatch({ params: RESIZE, files: ['/p/a.jpg', '/p/sub/b.png'], values: { size: [64, 64] }, outputDir: '/out', pattern: '{name}-{index}.{ext}' });
    expect(items).toEqual([
      { args: ['/p/a.jpg', '/out/a-1.jpg', [64, 64], { fit: 'cover' }], kwargs: {}, input: '/p/a.jpg', output: '/out/a-1.jpg' },
      { args: ['/p/sub/b.png', '/out/b-2.png', [64, 64], { fit: 'cover' }], kwargs: {}, input: '/p/sub/b.png', output: '/out/b-2.png' },
    ]);
    // Without an output folder, outputs go next to their inputs.
    expect(planBatch({ params: RESIZE, files: ['/p/a.jpg'] })[0]!.output).toBe('/p/a.out.jpg');
  });

  it('refuses a pattern that gives two items the same output, or is not a file name', () => {
    expect(() => planBatch({ params: RESIZE, files: ['/p/a.jpg', '/q/b.jpg'], outputDir: '/out', pattern: 'same.{ext}' })).toThrow(/gives \/out\/same\.jpg for both \/p\/a\.jpg and \/q\/b\.jpg: add \{name\} or \{index\}/);
    expect(() => outputPath('../{name}', '/p/a.jpg', 0)).toThrow(/must make a file name/);
  });

  it('maps rows to parameters, turning CSV text into what each parameter declares', () => {
    const params: TaskParam[] = [{ name: 'who', type: 'string' }, { name: 'times', type: 'integer', default: 1 }, { name: 'loud', type: 'boolean', default: false }];
    const items = planBatch({ params, rows: [{ who: 'Ada', times: '3', loud: 'yes' }, { who: 'Bob' }] });
    expect(items.map((i) => i.args)).toEqual([['Ada', 3, true], ['Bob', 1, false]]);
    expect(() => planBatch({ params, rows: [{ who: 'Ada', times: 'many' }] })).toThrow('parameter times (item 1) must be a whole number, not "many"');
    expect(() => planBatch({ params, rows: [{ times: '2' }] })).toThrow('parameter who needs a value (row 1)');
  });

  it('sends a task nobody here declares the file first and the values as keyword arguments', () => {
    expect(planBatch({ params: [], files: ['/p/a.csv'], values: { mode: 'fast' } })).toEqual([{ args: ['/p/a.csv'], kwargs: { mode: 'fast' }, input: '/p/a.csv' }]);
  });

  it('says what is wrong with the batch as a whole', () => {
    expect(() => planBatch({ params: RESIZE, files: [] })).toThrow('the batch has no files');
    expect(() => planBatch({ params: [{ name: 'n', type: 'integer' }], files: ['/a'] })).toThrow(/takes no file parameter/);
  });
});

describe('batch summary', () => {
  const meta = { id: 'b', task: 't', queue: 'celery', created: 0, total: 5 };
  it('counts items by state, and estimates the rate and the time left from the runs so far', () => {
    const s = summarize(meta, [
      { state: 'SUCCESS', started: 1000, finished: 2000 },
      { state: 'FAILURE', started: 1500, finished: 3000 },
      { state: 'PROGRESS', started: 2500 },
      { state: 'PENDING' },
      undefined,
    ]);
    expect(s.counts).toEqual({ succeeded: 1, failed: 1, running: 1, waiting: 2, revoked: 0 });
    expect(s).toMatchObject({ done: 2, finished: false, rate: 1, secondsLeft: 3, startedAt: 1000, finishedAt: 3000 });
    const done = summarize({ ...meta, total: 1 }, [{ state: 'REVOKED' }]);
    expect(done).toMatchObject({ done: 1, finished: true, secondsLeft: null });
  });
});
