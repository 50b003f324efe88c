import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { literalToJson, parsePythonLiteral, PythonLiteralError, type PyLiteral } from '../../src-main/core/protocol/python-literal.js';
import { pyRepr } from '../../src-main/core/protocol/pyrepr.js';
import { PYTHON } from '../helpers/python.js';

/**
 * A value in a form both sides can write: Python tags what it printed, the test tags what was
 * read, and the two must be equal (ints as decimal text, floats as repr, bytes as hex).
 */
type Tagged = [string, unknown];
function tag(v: PyLiteral): Tagged {
  switch (v.type) {
    case 'none': return ['none', null];
    case 'bool': return ['bool', v.value];
    case 'int': return ['int', v.value.toString()];
    case 'float': return ['float', Number.isNaN(v.value) ? 'nan' : v.value === Infinity ? 'inf' : v.value === -Infinity ? '-inf' : Object.is(v.value, -0) ? '-0.0' : v.value];
    case 'str': return ['str', v.value];
    case 'bytes': return ['bytes', Buffer.from(v.value).toString('hex')];
    case 'list': case 'tuple': case 'set': return [v.type, v.items.map(tag)];
    case 'dict': return ['dict', v.entries.map(([k, x]) => [tag(k), tag(x)])];
    case 'ellipsis': return ['ellipsis', null];
  }
}

const PY_TAG = String.raw`
import json, sys, math
from celery.utils.saferepr import saferepr
def tag(v):
    if v is None: return ['none', None]
    if isinstance(v, bool): return ['bool', v]
    if isinstance(v, int): return ['int', str(v)]
    if isinstance(v, float):
        if math.isnan(v): return ['float', 'nan']
        if math.isinf(v): return ['float', 'inf' if v > 0 else '-inf']
        if v == 0 and math.copysign(1, v) < 0: return ['float', '-0.0']
        return ['float', v]
    if isinstance(v, str): return ['str', v]
    if isinstance(v, bytes): return ['bytes', v.hex()]
    if isinstance(v, list): return ['list', [tag(x) for x in v]]
    if isinstance(v, tuple): return ['tuple', [tag(x) for x in v]]
    if isinstance(v, (set, frozenset)): return ['set', [tag(x) for x in sorted(v, key=repr)]]
    if isinstance(v, dict): return ['dict', [[tag(k), tag(x)] for k, x in v.items()]]
    raise TypeError(type(v))
`;

/** Runs Python over the inputs (one process): each line of its output is one JSON answer. */
function python(body: string, input: unknown): unknown[] {
  const r = spawnSync(PYTHON, ['-c', `${PY_TAG}\n${body}`], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown);
}

function expectError(text: string, reason: PythonLiteralError['reason'], options = {}): PythonLiteralError {
  let caught: unknown;
  try {
    parsePythonLiteral(text, options);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(PythonLiteralError);
  expect((caught as PythonLiteralError).reason).toBe(reason);
  return caught as PythonLiteralError;
}

// Python expressions whose repr is hard to read back: every quote choice, escape and number form.
const TRICKY = [
  "''", '"it\'s"', "'say \"hi\"'", "'both \\' and \"'", "'tab\\there\\nnl\\r\\x00\\x7f\\x1b'", "'é ü 中文 😀 \\u2028 \\xa0'",
  "'\\\\ back \\\\n slash'", "'\\ud800 lone'", "b''", "b'\\x00\\xff\\'\"\\n\\\\'", "bytes(range(256))", "10**30", "-5", "0", "-(10**40)",
  '1.5', '-0.0', '1e300', '1e-300', '5e-324', "float('inf')", "float('-inf')", "float('nan')", '0.1+0.2', '2.0**70', '()', '(1,)', '(1, 2)',
  '[]', '{}', "{1: 'a', 'b': [1, (2,)], None: True, (1, 'x'): False}", '{1, 2, 3}', 'set()', 'None', 'True', 'False',
  "[[[[[1]]]]]", "{'\\n': b'x', '\\'': '\"'}", "'x' * 3000", "[{'a': ({1}, b'\\x80')}]",
];

describe('parsePythonLiteral, python dialect', () => {
  it("reads back the repr Python prints for tricky values", () => {
    const answers = python("for e in json.load(sys.stdin):\n    v = eval(e)\n    print(json.dumps([repr(v), tag(v)]))", TRICKY) as Array<[string, Tagged]>;
    for (const [repr, expected] of answers) {
      expect(sortPySet(tag(parsePythonLiteral(repr))), repr.slice(0, 80)).toEqual(sortPySet(expected));
    }
  });

  it('reads every quote form, prefix and escape Python writes in source', () => {
    const sources = [
      "'''tri\nple'''", '"""a""b"""', "r'\\n\\''", 'R"\\d+"', "rb'\\x00'", "Br'\\\\'", "u'ü'", "'a' 'b' \"c\"", "b'x' b'y'",
      "'\\N'".replace('N', 'q'), "'\\101\\7\\0'", "'\\u00e9\\U0001F600'", "'line\\\ncontinued'", "b'\\101\\377'", "'\\a\\b\\f\\v'",
      '0x1F', '0o17', '0b101', '1_000_000', '1_0.5e-1_0', '.5', '5.', '1E5', '- 3', '+4.5', '-inf', ' ( 1 , ) ', '(1)', '[1, 2,]', '{1: 2,}', '...',
    ];
    const answers = python("for e in json.load(sys.stdin):\n    print(json.dumps(tag(eval(e)) if e.strip() not in ('-inf', '...') else None))", sources) as Array<Tagged | null>;
    sources.forEach((src, i) => {
      const expected = answers[i];
      if (expected) expect(tag(parsePythonLiteral(src)), src).toEqual(expected);
    });
    expect(tag(parsePythonLiteral('-inf'))).toEqual(['float', '-inf']);
    expect(parsePythonLiteral('...')).toEqual({ type: 'ellipsis' });
  });

  it('reads back what Python prints for any JSON value, and what Celeriac prints', () => {
    const values = fc.sample(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown), { numRuns: 300, seed: 7 });
    const reprs = python('for v in json.load(sys.stdin):\n    print(json.dumps(repr(v)))', values) as string[];
    values.forEach((v, i) => {
      expect(literalToJson(parsePythonLiteral(reprs[i]!)), reprs[i]).toEqual(v);
    });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown), (v) => {
      expect(literalToJson(parsePythonLiteral(pyRepr(v)))).toEqual(v);
    }));
  });

  it('refuses what is not a literal, naming it', () => {
    expect(expectError('(1, <object object at 0x7f3a2c1b9e70>)', 'not_literal').message).toContain('<object object at 0x7f3a2c1b9e70> is not a literal');
    expect(expectError("(datetime.datetime(2026, 1, 2, 3, 4), 1)", 'not_literal').message).toContain('datetime.datetime(2026, 1, 2, 3, 4) is not a literal');
    expectError("Decimal('1.5')", 'not_literal');
    expectError("frozenset({1})", 'not_literal');
    expectError('__import__("os")', 'not_literal');
    expectError('2j', 'unsupported');
    expectError('(1+2j)', 'syntax');
    expectError("f'{x}'", 'unsupported');
    expectError("'\\N{BULLET}'", 'unsupported');
  });

  it('refuses malformed text with a typed error and its position', () => {
    for (const bad of ["'open", '(1, 2', '[1 2]', '{1: }', '{1: 2, 3}', '01', '1abc', "'a\nb'", "b'é'", "'\\x4'", '-[1]', '--1', '1 2', '', '{[1]: 2}', "'a' b'b'"]) {
      const err = expectError(bad, 'syntax');
      expect(err.code).toBe('E_PYTHON_LITERAL');
      expect(err.position).toBeGreaterThanOrEqual(0);
    }
  });

  it('is bounded in length and depth', () => {
    expectError(`'${'x'.repeat(100)}'`, 'too_long', { maxLength: 50 });
    expectError('['.repeat(65) + ']'.repeat(65), 'too_deep');
    expect(parsePythonLiteral('['.repeat(64) + ']'.repeat(64)).type).toBe('list');
    // Deep enough to overflow the stack if depth were not counted.
    expectError('('.repeat(200_000), 'too_deep');
  });

  it('throws nothing but PythonLiteralError on any text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60, unit: fc.constantFrom(...`()[]{}'",:.-+0123456789jxbruN\\ \nTrueNoneinf<>`.split('')) }), (text) => {
      try {
        parsePythonLiteral(text);
      } catch (err) {
        expect(err).toBeInstanceOf(PythonLiteralError);
      }
    }), { numRuns: 3000 });
  });
});

describe('parsePythonLiteral, saferepr dialect', () => {
  it("reads back Celery's saferepr of arguments, raw newlines and quotes included", () => {
    const args = [
      [1, 'two', 3.5, null, true], ["it's", 'new\nline', 'tab\there', 'é 😀', ''], [{ a: [1, 2], 'k\'ey': { n: null } }],
      [[]], [{}], [-7, 1e300, 10 ** 15], ["'", "''", "a'b'c"],
    ];
    const answers = python("for a in json.load(sys.stdin):\n    t = tuple(a)\n    print(json.dumps([saferepr(t, 1024), tag(t)]))", args) as Array<[string, Tagged]>;
    for (const [repr, expected] of answers) expect(tag(parsePythonLiteral(repr, { dialect: 'saferepr' })), repr).toEqual(expected);
  });

  it('refuses what saferepr prints ambiguously: a backslash, bytes', () => {
    const [path, bytes] = python("print(json.dumps(saferepr(('C:\\\\new',), 1024)))\nprint(json.dumps(saferepr((b'ab',), 1024)))", null) as string[];
    expect(path).toBe("('C:\\new',)");
    expectError(path!, 'ambiguous', { dialect: 'saferepr' });
    expectError(bytes!, 'ambiguous', { dialect: 'saferepr' });
    // The same text read as Python's own repr is a newline: the dialect decides.
    expect(parsePythonLiteral(path!)).toEqual({ type: 'tuple', items: [{ type: 'str', value: 'C:\new' }] });
  });

  it("shows where Celery cut a long repr: an ellipsis, or a string ending in '...'", () => {
    const [long, deep, longString] = python(
      "print(json.dumps(saferepr((list(range(1000)),), 1024)))\nprint(json.dumps(saferepr(([[[1]]],), 1024)))\nprint(json.dumps(saferepr(('x' * 2000, 1), 1024)))", null,
    ) as string[];
    const cut = parsePythonLiteral(long!, { dialect: 'saferepr' });
    expect(JSON.stringify(tag(cut))).toContain('ellipsis');
    expect(tag(parsePythonLiteral(deep!, { dialect: 'saferepr' }))).toEqual(['tuple', [['list', [['list', [['list', [['ellipsis', null]]]]]]]]]);
    const s = parsePythonLiteral(longString!, { dialect: 'saferepr' });
    // When the cut falls on a closing bracket, saferepr drops it (and every one after).
    const [unclosed] = python("print(json.dumps(saferepr(('key', 'y' * 3000), 1024)))", null) as string[];
    expect(unclosed!.endsWith("...', ...")).toBe(true);
    expect(tag(parsePythonLiteral(unclosed!, { dialect: 'saferepr' }))[1]).toHaveLength(3);
    expectError(unclosed!, 'syntax');
    expect(s.type === 'tuple' && (s.items[0] as { value: string }).value.endsWith('...')).toBe(true);
  });
});

describe('literalToJson', () => {
  it("gives what kombu's json sent: tuples as lists, non-string keys as Python's json writes them", () => {
    expect(literalToJson(parsePythonLiteral("((1, 2), {1: 'a', None: 1, True: 2, 1.5: 3, 'k': (None,)})"))).toEqual([[1, 2], { '1': 'a', null: 1, true: 2, '1.5': 3, k: [null] }]);
  });

  it('refuses what JSON cannot carry, saying where', () => {
    for (const [text, where] of [["(1, b'x')", 'args[1]'], ['({1},)', 'args[0]'], ["(float('nan'),)", 'args[0]'], ['(2**60 + 1,)', 'args[0]']] as const) {
      const v = parsePythonLiteral(text.replace("float('nan')", 'nan').replace('2**60 + 1', String(2n ** 60n + 1n)));
      let caught: unknown;
      try {
        literalToJson(v, 'args');
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(PythonLiteralError);
      expect((caught as Error).message).toContain(where);
    }
  });
});

/** Python's tag of a set keeps its sorted order; the parser's keeps the print order: sort both alike. */
function sortPySet(t: Tagged): Tagged {
  const [type, v] = t;
  if (type === 'set') return [type, [...(v as Tagged[]).map(sortPySet)].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))];
  if (type === 'list' || type === 'tuple') return [type, (v as Tagged[]).map(sortPySet)];
  if (type === 'dict') return [type, (v as Array<[Tagged, Tagged]>).map(([k, x]) => [sortPySet(k), sortPySet(x)])];
  return t;
}
