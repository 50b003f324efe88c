/**
 * The links the history keeps between tasks resent from the room: both ways, kept in the file
 * across a reopening, gone with the task a resend made when the retention removes it, and held
 * (then written) while the file refuses them.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src-main/service/history/history-store.js';
import { HeldLinks } from '../../src-main/service/history/task-links.js';
import type { TaskLink } from '../../src-main/service/contract/index.js';

const task = (id: string, seen: number) => ({ id, state: 'FAILURE', fields: { name: 'tasks.divide', seen_at: seen } });

describe('the links between resent tasks', () => {
  it('are read both ways, and kept in the file across a reopening', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'celeriac-links-')), 'history.db');
    let store = new HistoryStore(path);
    store.noteResend({ from: 'a', to: 'b', mode: 'new', at: 10 });
    store.noteResend({ from: 'a', to: 'c', mode: 'new', at: 20 });
    store.noteResend({ from: 'a', to: 'a', mode: 'in-place', at: 30 });
    store.close();
    store = new HistoryStore(path);
    expect(store.resendLinks('a')).toEqual({ resentAs: [{ from: 'a', to: 'c', mode: 'new', at: 20 }, { from: 'a', to: 'b', mode: 'new', at: 10 }], resentFrom: null, editedInPlace: [30] });
    expect(store.resendLinks('b')).toEqual({ resentAs: [], resentFrom: { from: 'a', to: 'b', mode: 'new', at: 10 }, editedInPlace: [] });
    expect(store.resendLinks('x')).toEqual({ resentAs: [], resentFrom: null, editedInPlace: [] });
    store.close();
  });

  it('go with the task a resend made when the retention removes it', () => {
    const store = new HistoryStore(':memory:');
    const now = Date.now() / 1000;
    store.applyMany([task('old', now - 10), task('new', now - 5), task('newest', now)], now);
    store.noteResend({ from: 'old', to: 'new', mode: 'new', at: now });
    store.noteResend({ from: 'newest', to: 'other', mode: 'new', at: now });
    store.prune({ maxTasks: 1, maxAgeDays: 30 }, now);
    expect(store.resendLinks('old').resentAs).toEqual([]);
    expect(store.resendLinks('newest').resentAs.map((l) => l.to)).toEqual(['other']);
    store.close();
  });

  it('are held while the file refuses them, and written in order once it takes them', () => {
    const held = new HeldLinks();
    const written: string[] = [];
    let refuse = true;
    const write = (l: TaskLink): void => {
      if (refuse) throw new Error('SQLITE_BUSY');
      written.push(l.to);
    };
    held.hand({ from: 'a', to: 'b', mode: 'new', at: 1 }, write);
    held.hand({ from: 'a', to: 'c', mode: 'new', at: 2 }, write);
    held.writeHeld(write);
    expect(written).toEqual([]);
    refuse = false;
    held.writeHeld(write);
    held.writeHeld(write);
    expect(written).toEqual(['b', 'c']);
  });
});
