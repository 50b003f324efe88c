import { describe, expect, it } from 'vitest';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { encodeTaskMessage, toEnvelope } from '../../src-main/core/protocol/encode.js';
import { buildTaskMessage } from '../../src-main/core/protocol/build.js';
import type { TaskMessage } from '../../src-main/core/protocol/types.js';
import { loadCapture, rawEnvelope } from '../helpers/fixtures.js';

const producer = { origin: 'gen1@test', replyTo: 'f45ad5cc-5a6e-3ec0-a02a-76cb58923d86' };

/** Compares envelopes with the body decoded: Python's JSON has spaces after separators, ours none. */
function readable(envelope: string): Record<string, unknown> {
  const env = JSON.parse(envelope);
  return { ...env, body: JSON.parse(Buffer.from(env.body, 'base64').toString('utf8')) };
}

function decoded(raw: string): TaskMessage {
  const r = decodeTaskMessage(raw);
  if (!r.ok) throw r.error;
  return r.message;
}

describe('decoding messages captured from Celery 5.2.6', () => {
  it('reads every field of a plain delay(2, 3)', () => {
    const m = decoded(rawEnvelope('task-message.json'));
    expect(m).toMatchObject({
      id: '44ebe241-d590-4805-860a-62265582083e',
      task: 'tasks.add',
      args: [2, 3],
      kwargs: {},
      embed: { callbacks: null, errbacks: null, chain: null, chord: null },
      exchange: '',
      routingKey: 'celery',
      priority: 0,
      eta: null,
      expires: null,
      retries: 0,
      rootId: '44ebe241-d590-4805-860a-62265582083e',
      parentId: null,
      timelimit: [null, null],
      argsrepr: '(2, 3)',
      kwargsrepr: '{}',
      origin: 'gen20911@vm',
      ignoreResult: false,
      lang: 'py',
      replyTo: 'f45ad5cc-5a6e-3ec0-a02a-76cb58923d86',
      deliveryTag: '599f4198-a88f-4a85-adf6-c0158c2a6f5f',
      deliveryMode: 2,
      redelivered: false,
    });
    expect(m.extraHeaders).toEqual({});
  });

  it('reads the priority and the eta of a countdown message', () => {
    const m = decoded(rawEnvelope('task-message-priority.json'));
    expect(m.priority).toBe(5);
    expect(m.eta).toBe('2026-11-24T13:31:20.976974+00:00');
  });

  it('reads the envelope stored in the unacked hash', () => {
    const [envelope, exchange, routingKey] = loadCapture<[Record<string, unknown>, string, string]>('unacked-entry.json').value;
    const m = decoded(JSON.stringify(envelope));
    expect([m.exchange, m.routingKey]).toEqual([exchange, routingKey]);
  });

  it('re-encodes a Python message to the same envelope, field for field', () => {
    const raw = rawEnvelope('task-message.json');
    expect(readable(encodeTaskMessage(decoded(raw)))).toEqual(readable(raw));
  });

  it('keeps headers it does not model (Celery 5.3 stamps) when re-encoding', () => {
    const env = JSON.parse(rawEnvelope('task-message.json'));
    env.headers.stamped_headers = ['a'];
    env.headers.stamps = { a: 1 };
    const again = JSON.parse(encodeTaskMessage(decoded(JSON.stringify(env))));
    expect(again.headers.stamps).toEqual({ a: 1 });
    expect(again.headers.stamped_headers).toEqual(['a']);
  });

  it('reads a redelivered message', () => {
    const env = JSON.parse(rawEnvelope('task-message.json'));
    env.headers.redelivered = true;
    env.properties.delivery_info.redelivered = true;
    const m = decoded(JSON.stringify(env));
    expect(m.redelivered).toBe(true);
    expect(readable(encodeTaskMessage(m))).toEqual(readable(JSON.stringify(env)));
  });

  it('accepts a raw JSON body when no body_encoding is given, as kombu does', () => {
    const env = JSON.parse(rawEnvelope('task-message.json'));
    env.body = JSON.stringify([[1], { a: 2 }, {}]);
    delete env.properties.body_encoding;
    const m = decoded(JSON.stringify(env));
    expect([m.args, m.kwargs]).toEqual([[1], { a: 2 }]);
  });
});

describe('encoding messages as Celery 5.2 writes them', () => {
  const fixture = loadCapture<Record<string, Record<string, unknown>>>('task-message.json').value;

  it('writes exactly the header and property names Python writes, in the same order', () => {
    const env = toEnvelope(buildTaskMessage('tasks.add', [2, 3], {}, {}, producer));
    expect(Object.keys(env)).toEqual(Object.keys(fixture).filter((k) => k !== '_decoded_body'));
    expect(Object.keys(env.headers)).toEqual(Object.keys(fixture.headers!));
    expect(Object.keys(env.properties)).toEqual(Object.keys(fixture.properties!));
    expect(env.properties.delivery_info).toEqual({ exchange: '', routing_key: 'celery' });
  });

  it('base64-encodes the body [args, kwargs, embed] with the full embed', () => {
    const env = toEnvelope(buildTaskMessage('tasks.add', [2, 3], {}, {}, producer));
    expect(JSON.parse(Buffer.from(env.body, 'base64').toString())).toEqual(loadCapture<{ _decoded_body: unknown }>('task-message.json').value._decoded_body);
  });

  it('sets the Python reprs, ids and origin', () => {
    const m = buildTaskMessage('tasks.mul', [2, 'x'], { y: true, z: null }, { taskId: 'abc' }, producer);
    const h = toEnvelope(m).headers;
    expect(h).toMatchObject({ id: 'abc', root_id: 'abc', parent_id: null, argsrepr: "(2, 'x')", kwargsrepr: "{'y': True, 'z': None}", origin: 'gen1@test', lang: 'js', retries: 0 });
    expect(toEnvelope(m).properties.correlation_id).toBe('abc');
  });

  it('turns countdown into an absolute eta, and numeric expires into a time plus expiration in ms', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const m = buildTaskMessage('t', [], {}, { countdown: 10, expires: 60 }, producer, now);
    expect(m.eta).toBe('2026-01-02T03:04:15.678000+00:00');
    expect(m.expires).toBe('2026-01-02T03:05:05.678000+00:00');
    expect(toEnvelope(m).properties.expiration).toBe('60000');
  });

  it('writes timelimit as [hard, soft], as Celery does', () => {
    const m = buildTaskMessage('t', [], {}, { timeLimit: 30, softTimeLimit: 20 }, producer);
    expect(toEnvelope(m).headers.timelimit).toEqual([30, 20]);
  });

  it('refuses a priority outside 0-9 and both countdown and eta', () => {
    expect(() => buildTaskMessage('t', [], {}, { priority: 10 }, producer)).toThrow(/priority must be an integer from 0 to 9/);
    expect(() => buildTaskMessage('t', [], {}, { countdown: 1, eta: new Date() }, producer)).toThrow(/either countdown or eta/);
    expect(() => buildTaskMessage('t', [], {}, { eta: 'tomorrow' }, producer)).toThrow(/ISO 8601/);
  });
});

describe('decoding bad messages', () => {
  const good = () => JSON.parse(rawEnvelope('task-message.json'));
  const cases: Array<[string, () => string, string, string]> = [
    ['text that is not JSON', () => '{oops', 'not_json', ''],
    ['a JSON array', () => '[1, 2]', 'not_an_envelope', ''],
    ['a pickle message', () => JSON.stringify({ ...good(), 'content-type': 'application/x-python-serialize' }), 'unsupported_content_type', 'content-type'],
    ['no content-type (a poison message for Python workers)', () => { const e = good(); delete e['content-type']; return JSON.stringify(e); }, 'unsupported_content_type', 'content-type'],
    ['a body that is not base64', () => JSON.stringify({ ...good(), body: '!!!' }), 'body_not_decodable', 'body'],
    ['a body with NaN', () => JSON.stringify({ ...good(), body: Buffer.from('[[NaN], {}, {}]').toString('base64') }), 'body_not_decodable', 'body'],
    ['a protocol 1 body whose kwargs are not a mapping', () => JSON.stringify({ ...good(), headers: {}, body: Buffer.from('{"task": "x", "id": "i", "args": [], "kwargs": [1]}').toString('base64') }), 'invalid_body', 'body.kwargs'],
    ['args that are not a list', () => JSON.stringify({ ...good(), body: Buffer.from('[1, {}, {}]').toString('base64') }), 'invalid_body', 'body[0]'],
    ['no task name', () => { const e = good(); delete e.headers.task; return JSON.stringify(e); }, 'invalid_headers', 'headers.task'],
    ['no delivery_info.exchange (which stops a Python worker)', () => { const e = good(); delete e.properties.delivery_info.exchange; return JSON.stringify(e); }, 'invalid_properties', 'properties.delivery_info.exchange'],
    ['retries that are not an integer', () => { const e = good(); e.headers.retries = 'x'; return JSON.stringify(e); }, 'invalid_headers', 'headers.retries'],
    ['an unknown body encoding', () => { const e = good(); e.properties.body_encoding = 'rot13'; return JSON.stringify(e); }, 'unsupported_body_encoding', 'properties.body_encoding'],
  ];
  it.each(cases)('reports %s precisely', (_what, make, reason, field) => {
    const r = decodeTaskMessage(make());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.reason).toBe(reason);
    expect(r.error.field).toBe(field);
    expect(r.error.code).toBe('E_MESSAGE_DECODE');
    expect(r.error.message.length).toBeGreaterThan(10);
  });
});
