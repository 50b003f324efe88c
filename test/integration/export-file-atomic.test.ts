/**
 * The desktop's export into the file the user chose goes through a temporary file beside it and
 * a rename: an export that fails part way leaves the file that was there whole, and no half file.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeExportFile } from '../../src-main/service/tasks/export.js';

/** The chunks of an export whose history fails after `good` chunks (a file closed, a disk error). */
function* failingAfter(good: number): Generator<string> {
  for (let i = 0; i < good; i++) yield `row ${i}\n`.repeat(1000);
  throw new Error('the history went away');
}

describe('an export into a chosen file', () => {
  it('replaces the file only once the export is whole, with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-export-atomic-'));
    const path = join(dir, 'tasks.csv');
    writeFileSync(path, 'last week\'s export');
    const chunks = (function* () {
      yield 'a,b\r\n';
      yield '1,2\r\n';
    })();
    expect(await writeExportFile(path, chunks.next(), chunks)).toBe(10);
    expect(readFileSync(path, 'utf8')).toBe('a,b\r\n1,2\r\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['tasks.csv']);
  });

  it('leaves the file that was there whole when the export fails part way, and no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-export-atomic-'));
    const path = join(dir, 'tasks.csv');
    writeFileSync(path, 'last week\'s export');
    const chunks = failingAfter(20);
    await expect(writeExportFile(path, chunks.next(), chunks)).rejects.toThrow('the history went away');
    expect(readFileSync(path, 'utf8')).toBe('last week\'s export');
    expect(readdirSync(dir)).toEqual(['tasks.csv']);
  });

  it('writes no file at all when a new one fails part way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'celeriac-export-atomic-'));
    const chunks = failingAfter(3);
    await expect(writeExportFile(join(dir, 'new.jsonl'), chunks.next(), chunks)).rejects.toThrow('the history went away');
    expect(readdirSync(dir)).toEqual([]);
  });
});
