import { describe, expect, it } from 'vitest';
import { argsRepr, kwargsRepr, pyRepr, REPR_MAX_LENGTH } from '../../src-main/core/protocol/pyrepr.js';
import { parseCeleryIso, toCeleryIso, toNaiveUtcIso } from '../../src-main/core/protocol/time.js';
import { assertJsonSerializable } from '../../src-main/core/protocol/json-check.js';
import { NotSerializableError } from '../../src-main/core/errors.js';
import { priorityListKey } from '../../src-main/core/broker/publisher.js';
import { bindingMember, queueListKeys } from '../../src-main/core/keys.js';

describe('Python reprs for argsrepr / kwargsrepr', () => {
  it.each([
    [[2, 3], '(2, 3)'],
    [[1], '(1,)'],
    [[], '()'],
    [[null, true, false], '(None, True, False)'],
    [['it\'s', 'say "hi"', "both ' \""], `("it's", 'say "hi"', 'both \\' "')`],
    [['a\nb\\'], "('a\\nb\\\\',)"],
    [[[1, [2]], { k: 'v' }], "([1, [2]], {'k': 'v'})"],
    [[1.5, -0.25], '(1.5, -0.25)'],
  ])('argsRepr(%j) is %s', (args, expected) => {
    expect(argsRepr(args as unknown[])).toBe(expected);
  });

  it('prints kwargs as a dict and truncates long reprs as saferepr does', () => {
    expect(kwargsRepr({ x: 1, 'y z': [null] })).toBe("{'x': 1, 'y z': [None]}");
    const long = argsRepr(['x'.repeat(5000)]);
    expect(long.length).toBe(REPR_MAX_LENGTH);
    expect(long.endsWith('...')).toBe(true);
  });

  it('prints NaN and infinities as Python does', () => {
    expect([pyRepr(NaN), pyRepr(Infinity), pyRepr(-Infinity)]).toEqual(['nan', 'inf', '-inf']);
  });
});

describe('Celery dates', () => {
  const t = Date.UTC(2026, 10, 24, 13, 53, 39, 562);

  it('writes eta/expires with microseconds and +00:00, and date_done naive', () => {
    expect(toCeleryIso(new Date(t))).toBe('2026-11-24T13:53:39.562000+00:00');
    expect(toNaiveUtcIso(new Date(t))).toBe('2026-11-24T13:53:39.562000');
  });

  it.each([
    ['2026-11-24T13:53:39.562085+00:00', t + 0.085],
    ['2026-11-24T13:53:39.562Z', t],
    ['2026-11-24T13:53:39', t - 562],
    ['2026-11-24T13:53:39.562000', t],
    ['2026-11-24T15:53:39.562+02:00', t],
    ['2026-11-24T08:53:39.562-0500', t],
    ['2026-11-24 13:53:39.562', t],
  ])('reads %s (naive means UTC)', (text, expected) => {
    expect(parseCeleryIso(text)).toBe(Math.round(expected));
  });

  it('refuses what is not a date', () => {
    expect(parseCeleryIso('tomorrow')).toBeNull();
    expect(parseCeleryIso('2026-11-24')).toBeNull();
  });
});

describe('JSON-only arguments', () => {
  it.each([
    ['a function', [() => 1], 'args[0]'],
    ['a BigInt', [1n], 'args[0]'],
    ['a symbol', [{ s: Symbol('x') }], 'args[0].s'],
    ['NaN', [[NaN]], 'args[0][0]'],
    ['Infinity', [Infinity], 'args[0]'],
    ['a Map', [new Map()], 'args[0]'],
    ['a Set', [{ tags: new Set() }], 'args[0].tags'],
    ['a Buffer', [Buffer.from('x')], 'args[0]'],
    ['undefined in a list', [[1, undefined]], 'args[0][1]'],
  ])('refuses %s, naming where it is', (_what, value, path) => {
    try {
      assertJsonSerializable(value, 'args');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NotSerializableError);
      expect((err as NotSerializableError).path).toBe(path);
      expect((err as Error).message).toContain(path);
    }
  });

  it('refuses cycles', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(() => assertJsonSerializable([a], 'args')).toThrow(/args\[0\]\.self is a reference to one of its own parents/);
  });

  it('allows JSON values, Dates, shared (non-cyclic) references and absent properties', () => {
    const shared = { a: 1 };
    expect(() => assertJsonSerializable([1, 'x', null, true, [shared, shared], { d: new Date(), u: undefined }], 'args')).not.toThrow();
  });
});

describe('kombu keys', () => {
  it('chooses the priority list as kombu does (largest step <= priority)', () => {
    const sep = '\x06\x16';
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((p) => priorityListKey('celery', p))).toEqual([
      'celery', 'celery', 'celery', `celery${sep}3`, `celery${sep}3`, `celery${sep}3`, `celery${sep}6`, `celery${sep}6`, `celery${sep}6`, `celery${sep}9`,
    ]);
  });

  it('lists a queue\'s lists in consumption order and builds binding members', () => {
    expect(queueListKeys('q')).toEqual(['q', 'q\x06\x163', 'q\x06\x166', 'q\x06\x169']);
    expect(bindingMember('celery', 'celery')).toBe('celery\x06\x16\x06\x16celery');
  });
});
