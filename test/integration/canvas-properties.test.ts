/**
 * A property: random canvases (chains, chords with their headers, a group that a chain upgrades
 * to a chord, groups) over a few arithmetic tasks, run by a Celeriac worker, give the value a
 * reference evaluator computes from the same tree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src-main/core/app.js';
import { chain, chord, group, type Signature } from '../../src-main/core/canvas/signature.js';
import { useRedisSuite } from '../helpers/suite.js';

let app: App;
useRedisSuite((s) => ({ app } = s), { worker: { concurrency: 2, name: 'ts@props' } });

/** number -> number */
type N = { op: 'add' | 'mul'; k: number } | { op: 'chain'; steps: N[] } | { op: 'chord'; header: H[]; then: N[] } | { op: 'upgrade'; members: H[]; then: N[] };
/** A chord header member: a task, or a chain of tasks. */
type H = { op: 'add' | 'mul'; k: number } | { op: 'chain'; steps: Array<{ op: 'add' | 'mul'; k: number }> };
/** The whole canvas: a number, or a group's list. */
type Top = { op: 'n'; n: N } | { op: 'group'; members: N[] };

const leaf = fc.oneof(fc.record({ op: fc.constant('add' as const), k: fc.integer({ min: -5, max: 5 }) }), fc.record({ op: fc.constant('mul' as const), k: fc.integer({ min: -2, max: 2 }) }));
const member: fc.Arbitrary<H> = fc.oneof(leaf, fc.record({ op: fc.constant('chain' as const), steps: fc.array(leaf, { minLength: 1, maxLength: 3 }) }));
const { n } = fc.letrec<{ n: N }>((tie) => ({
  n: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ op: fc.constant('chain' as const), steps: fc.array(tie('n'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ op: fc.constant('chord' as const), header: fc.array(member, { minLength: 1, maxLength: 3 }), then: fc.array(tie('n'), { maxLength: 2 }) }),
    fc.record({ op: fc.constant('upgrade' as const), members: fc.array(member, { minLength: 1, maxLength: 3 }), then: fc.array(tie('n'), { maxLength: 1 }) }),
  ),
}));
const top: fc.Arbitrary<Top> = fc.oneof(fc.record({ op: fc.constant('n' as const), n }), fc.record({ op: fc.constant('group' as const), members: fc.array(n, { minLength: 1, maxLength: 3 }) }));

function evaluate(t: N | H, x: number): number {
  switch (t.op) {
    case 'add':
      return x + t.k;
    case 'mul':
      return x * t.k || 0; // JSON has no -0
    case 'chain':
      return (t.steps as Array<N | H>).reduce((v, s) => evaluate(s, v), x);
    case 'chord':
      return t.then.reduce((v, s) => evaluate(s, v), t.header.map((m) => evaluate(m, x)).reduce((a, b) => a + b, 0));
    case 'upgrade':
      return t.then.reduce((v, s) => evaluate(s, v), t.members.map((m) => evaluate(m, x)).reduce((a, b) => a + b, 0));
  }
}

function build(t: N | H): Signature {
  const task = (name: string, k: number) => app.signature(name, [k]);
  switch (t.op) {
    case 'add':
      return task('tasks.add', t.k);
    case 'mul':
      return task('tasks.mul', t.k);
    case 'chain':
      return chain(...(t.steps as Array<N | H>).map(build));
    case 'chord':
      return chain(chord(t.header.map(build), app.signature('tasks.tsum')), ...t.then.map(build));
    case 'upgrade':
      // group(...) | tsum | ...: the chain makes the group a chord (Celery's prepare_steps).
      return chain(group(t.members.map(build)), app.signature('tasks.tsum'), ...t.then.map(build));
  }
}

describe('canvas, as a property', () => {
  it('any tree of chain / chord / group gives what the reference evaluator does', async () => {
    await fc.assert(
      fc.asyncProperty(top, fc.integer({ min: -10, max: 10 }), async (tree, x) => {
        if (tree.op === 'group') {
          const g = await group(tree.members.map(build)).applyAsync([x]);
          expect(await g.get({ timeout: 15_000 })).toEqual(tree.members.map((m) => evaluate(m, x)));
        } else {
          const r = await build(tree.n).applyAsync([x]);
          expect(await r.get({ timeout: 15_000 })).toBe(evaluate(tree.n, x));
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
