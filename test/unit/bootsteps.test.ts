import { describe, expect, it } from 'vitest';
import { Blueprint, startOrder, type Bootstep } from '../../src-main/core/worker/bootsteps.js';

/** A step that writes `start:<name>` and `stop:<name>` into the log it is given. */
function step(name: string, requires: string[] = [], stopError?: Error): Bootstep<string[]> {
  return {
    name,
    requires,
    start: (log) => void log.push(`start:${name}`),
    stop: (log) => {
      log.push(`stop:${name}`);
      if (stopError) throw stopError;
    },
  };
}

describe('bootsteps', () => {
  it('starts each step after what it requires, otherwise in the order listed', () => {
    const order = startOrder([step('consumer', ['pool', 'connection']), step('connection'), step('pool', ['connection']), step('control')]);
    expect(order.map((s) => s.name)).toEqual(['connection', 'pool', 'consumer', 'control']);
  });

  it('starts the steps in order and stops them in reverse', async () => {
    const log: string[] = [];
    const blueprint = new Blueprint([step('a'), step('b', ['a']), step('c', ['b'])]);
    await blueprint.start(log);
    await blueprint.stop(log);
    expect(log).toEqual(['start:a', 'start:b', 'start:c', 'stop:c', 'stop:b', 'stop:a']);
  });

  it('stops only the steps that started when one failed to start', async () => {
    const log: string[] = [];
    const broken: Bootstep<string[]> = { name: 'b', requires: ['a'], start: () => { throw new Error('no Redis'); } };
    const blueprint = new Blueprint([step('a'), broken, step('c', ['b'])]);
    await expect(blueprint.start(log)).rejects.toThrow('no Redis');
    await blueprint.stop(log);
    expect(log).toEqual(['start:a', 'stop:a']);
  });

  it('logs a stop that throws and still stops the rest', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const blueprint = new Blueprint([step('a'), step('b', [], new Error('pool would not stop')), step('c')], { error: (m) => errors.push(m) });
    await blueprint.start(log);
    await blueprint.stop(log);
    expect(log).toEqual(['start:a', 'start:b', 'start:c', 'stop:c', 'stop:b', 'stop:a']);
    expect(errors).toEqual(['[Worker] stopping b failed: pool would not stop']);
  });

  it('leaves the steps not stopped yet once halted', async () => {
    const log: string[] = [];
    const blueprint = new Blueprint([step('a'), step('b'), step('c')]);
    await blueprint.start(log);
    await blueprint.stop(log, () => log.includes('stop:b'));
    expect(log).toEqual(['start:a', 'start:b', 'start:c', 'stop:c', 'stop:b']);
  });

  it('throws on a requirement that is not a step', () => {
    expect(() => new Blueprint([step('a', ['nowhere'])])).toThrow('The worker step "a" requires "nowhere", which is not a step');
  });

  it('throws on requirements that form a cycle', () => {
    expect(() => startOrder([step('a'), step('b', ['c']), step('c', ['b'])])).toThrow('The worker steps b, c cannot start: their requirements form a cycle');
  });

  it('throws on two steps with one name', () => {
    expect(() => startOrder([step('a'), step('a')])).toThrow('Two worker steps are named "a"');
  });
});
