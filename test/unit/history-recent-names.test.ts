/** The Send form's suggestions read the newest tasks' names only, not their rows. */
import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src-main/service/history/history-store.js';

describe('HistoryStore.recentNames', () => {
  it('gives each name among the newest tasks once, skipping tasks with none', () => {
    const store = new HistoryStore(':memory:');
    try {
      const report = (id: string, name: string | undefined, at: number) => store.applyMany([{ id, state: 'PENDING', fields: name ? { name } : {} }], at);
      report('a', 'tasks.old', 100);
      report('b', 'tasks.add', 200);
      report('c', undefined, 300);
      report('d', 'tasks.add', 400);
      report('e', 'tasks.mul', 500);
      expect(store.recentNames(10).sort()).toEqual(['tasks.add', 'tasks.mul', 'tasks.old']);
      // The newest three: e, d and c (nameless).
      expect(store.recentNames(3).sort()).toEqual(['tasks.add', 'tasks.mul']);
    } finally {
      store.close();
    }
  });
});
