/** The batch dialog's suggestion: the task that takes most of the files dropped; items in name order. */
import { describe, expect, it } from 'vitest';
import type { DeclaredTask } from '../../src-main/service/contract/index.js';
import { byName, suggestTask } from '../../src-renderer/views/Batches/suggest-task.js';

const task = (name: string, accept?: string[]): DeclaredTask => ({ name, queue: 'celery', params: [{ name: 'input', type: 'file', ...(accept ? { accept } : {}) }] });
const tasks = [task('checksum'), task('resize_image', ['jpg', 'png']), task('transcode', ['mp4', 'mov']), task('convert_image', ['jpg', 'png'])];

describe('the suggested task', () => {
  it('follows the majority of the files dropped', () => {
    expect(suggestTask(tasks, ['jpg', 'png', 'png', 'txt'])?.name).toBe('resize_image'); // first of the two that take images
    expect(suggestTask(tasks, ['mp4', 'mov', 'jpg'])?.name).toBe('transcode');
    expect(suggestTask(tasks, ['MP4', 'mov', 'jpg'])?.name).toBe('transcode');
  });

  it('is the first that takes any file when no task takes more than half', () => {
    expect(suggestTask(tasks, ['mp4', 'jpg', 'txt', 'csv'])?.name).toBe('checksum');
    expect(suggestTask(tasks, ['txt'])?.name).toBe('checksum');
    expect(suggestTask(tasks.slice(1), ['txt'])?.name).toBe('resize_image'); // none takes any: the first
    expect(suggestTask([], ['txt'])).toBeUndefined();
  });
});

describe('items in name order', () => {
  it('reads numbers as numbers, folder by folder, case aside', () => {
    const rels = ['b/img10.png', 'a/Z.png', 'b/img2.png', 'a/a.png', 'b/img1.png'].map((rel) => ({ rel }));
    expect(rels.sort(byName).map((e) => e.rel)).toEqual(['a/a.png', 'a/Z.png', 'b/img1.png', 'b/img2.png', 'b/img10.png']);
  });
});
