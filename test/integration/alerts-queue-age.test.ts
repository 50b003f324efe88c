/**
 * queue-age past the heads read per evaluation: a queue a rule names is watched however many
 * queues are deeper than it.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import type { AlertRule } from '../../src-main/service/contract/index.js';
import { MAX_HEADS_READ, QueueHeads } from '../../src-main/service/alerts/probes/queue-age.js';
import { Readings, type AlertSources } from '../../src-main/service/alerts/probes/readings.js';
import { uniqueName } from '../helpers/redis-server.js';
import { useRedisSuite } from '../helpers/suite.js';

let app: App;
useRedisSuite((s) => ({ app } = s));

describe('queue-age with more queues waiting than heads read', () => {
  it('reads the head of the queue a rule names even when more than the cap are deeper', async () => {
    const prefix = uniqueName('deep');
    for (let i = 0; i <= MAX_HEADS_READ; i++) {
      for (const n of [1, 2]) await app.sendTask('tasks.add', [n, n], {}, { queue: `${prefix}-${i}` });
    }
    const shallow = uniqueName('shallow');
    await app.sendTask('tasks.add', [1, 1], {}, { queue: shallow });
    // The history knows no task here: ages are counted from when the head was first seen.
    const sources = { app, history: { seenAt: () => null } } as unknown as AlertSources;
    const rule: Extract<AlertRule, { kind: 'queue-age' }> = { id: 'old', name: '', enabled: true, kind: 'queue-age', queue: shallow, seconds: 1 };
    const heads = new QueueHeads();
    const t0 = 1_000_000;
    expect(await heads.probe(rule, new Readings(sources, t0))).toEqual(new Map());
    const later = await heads.probe(rule, new Readings(sources, t0 + 2000));
    expect([...later.keys()]).toEqual([shallow]);
    expect(later.get(shallow)).toContain('has waited 2 s');
    // A rule on each queue still reads the deepest ones.
    const each = await heads.probe({ ...rule, queue: null }, new Readings(sources, t0 + 4000));
    expect(each.size).toBe(MAX_HEADS_READ);
    expect(each.has(shallow)).toBe(false);
  });
});
