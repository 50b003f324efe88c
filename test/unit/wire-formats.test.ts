import { deflateSync, gzipSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeTaskMessage, peekTaskId } from '../../src-main/core/protocol/decode.js';
import { encodeTaskMessage } from '../../src-main/core/protocol/encode.js';
import { buildTaskMessage } from '../../src-main/core/protocol/build.js';
import { compress, decompress, resolveCompression, UnsupportedCompressionError } from '../../src-main/core/protocol/compression.js';
import { acceptedContentTypes, deserialize, resolveSerializer, serialize, SERIALIZERS } from '../../src-main/core/protocol/serializers.js';
import { buildMeta, encodeResultMeta, parseResultMeta } from '../../src-main/core/backend/result-meta.js';
import { createApp } from '../../src-main/core/app.js';
import { loadCapture } from '../helpers/fixtures.js';

const sample = (name: string) => loadCapture(name) as unknown as Record<string, any>;
const envelope = (name: string) => sample(name).value as Record<string, any>;
const producer = { origin: 'gen1@test', replyTo: 'r' };

function decodeOk(raw: unknown, accept?: ReadonlySet<string>) {
  const r = decodeTaskMessage(typeof raw === 'string' ? raw : JSON.stringify(raw), { accept });
  if (!r.ok) throw r.error;
  return r.message;
}
function decodeErr(raw: unknown, accept?: ReadonlySet<string>) {
  const r = decodeTaskMessage(JSON.stringify(raw), { accept });
  if (r.ok) throw new Error('decoded, but should not have');
  return r.error;
}
const withBody = (env: Record<string, any>, body: unknown, headers: Record<string, unknown> = {}) =>
  ({ ...env, headers, body: Buffer.from(JSON.stringify(body)).toString('base64') });

describe('protocol 1 in, as Celery 5 reads it (proto1_to_proto2)', () => {
  it('reads what Python sends with task_protocol = 1: task, id, args, kwargs, expires, group from taskset', () => {
    const m = decodeOk(envelope('task-message-protocol1.json'));
    expect(m).toMatchObject({
      id: '721250b6-cad9-4f6f-b75b-11b5038f19eb', task: 'cap.add', args: [2, 3], kwargs: { z: 1 },
      expires: '2026-12-07T16:23:56.094548+00:00', retries: 0, routingKey: 'q1', argsrepr: '(2, 3)', kwargsrepr: "{'z': 1}",
    });
    expect(m.extraProperties.expiration).toBe('60000');
  });

  it('carries eta, retries, timelimit, taskset, callbacks, errbacks and chord into the protocol 2 fields', () => {
    const link = { task: 'tasks.identity', args: [], kwargs: {}, options: {}, subtask_type: null, immutable: false };
    const m = decodeOk(withBody(envelope('task-message-protocol1.json'), {
      task: 't.x', id: 'id-1', args: [1], kwargs: {}, eta: '2030-01-02T03:04:05+00:00', retries: 3, timelimit: [30, 20],
      taskset: 'g-1', group_index: 2, callbacks: [link], errbacks: [link], chord: link, utc: true,
    }));
    expect(m).toMatchObject({ id: 'id-1', eta: '2030-01-02T03:04:05+00:00', retries: 3, timelimit: [30, 20], group: 'g-1', groupIndex: 2 });
    expect(m.embed).toEqual({ callbacks: [link], errbacks: [link], chain: null, chord: link });
  });

  it('reads celery-node\'s protocol 1 message: only task, id, args, kwargs, camelCase properties', () => {
    const env = {
      body: Buffer.from(JSON.stringify({ task: 'tasks.add', id: 'cn-1', args: [1, 2], kwargs: {} })).toString('base64'),
      'content-type': 'application/json', 'content-encoding': 'utf-8', headers: {},
      properties: { body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'celery' }, delivery_mode: 2, delivery_tag: 't', correlationId: 'cn-1', replyTo: '' },
    };
    const m = decodeOk(env);
    expect(m).toMatchObject({ id: 'cn-1', task: 'tasks.add', args: [1, 2], kwargs: {}, retries: 0, rootId: 'cn-1', eta: null });
    expect(peekTaskId(JSON.stringify(env))).toBe('cn-1');
  });

  it('reads celery-node\'s protocol 2 message (three headers, camelCase properties, an empty embed)', () => {
    const m = decodeOk({
      body: Buffer.from(JSON.stringify([[1, 2], {}, {}])).toString('base64'),
      'content-type': 'application/json', 'content-encoding': 'utf-8', headers: { lang: 'js', task: 'tasks.add', id: 'cn-2' },
      properties: { body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'celery' }, delivery_mode: 2, delivery_tag: 't', correlationId: 'cn-2', replyTo: '' },
    });
    expect(m).toMatchObject({ id: 'cn-2', task: 'tasks.add', args: [1, 2], lang: 'js' });
  });

  it('reads the hybrid (a task header and a dict body with args): the headers win, as hybrid_to_proto2', () => {
    const m = decodeOk(withBody(envelope('task-message.json'), { task: 'ignored', id: 'body-id', args: [5], kwargs: { a: 1 }, retries: 7 }, { task: 'tasks.add', id: 'hdr-id' }));
    expect(m).toMatchObject({ id: 'hdr-id', task: 'tasks.add', args: [5], kwargs: { a: 1 }, retries: 7 });
  });

  it('turns protocol 1\'s utc: false naive eta into the worker\'s local time, made explicit', () => {
    const m = decodeOk(withBody(envelope('task-message-protocol1.json'), { task: 't', id: 'i', args: [], kwargs: {}, eta: '2030-06-01T12:00:00', utc: false }));
    expect(Date.parse(m.eta!)).toBe(new Date(2030, 5, 1, 12, 0, 0).getTime());
  });

  it('refuses kwargs that are not a mapping and a dict body without a task, precisely', () => {
    const env = envelope('task-message-protocol1.json');
    expect(decodeErr(withBody(env, { task: 't', id: 'i', args: [], kwargs: [1] }))).toMatchObject({ reason: 'invalid_body', field: 'body.kwargs' });
    expect(decodeErr(withBody(env, { id: 'i', args: [] }))).toMatchObject({ reason: 'invalid_body', field: 'body' });
    expect(decodeErr(withBody(env, { task: 't', args: [] }))).toMatchObject({ reason: 'invalid_body', field: 'body.id' });
  });

  it('still refuses pickle, and says why', () => {
    const e = decodeErr({ ...envelope('task-message-protocol1.json'), 'content-type': 'application/x-python-serialize' });
    expect(e.reason).toBe('unsupported_content_type');
    expect(e.message).toMatch(/pickle.*never deserialized/);
  });
});

describe('serializers: msgpack and yaml, as kombu writes them', () => {
  it('reads Python\'s msgpack + gzip message, and writes one that decodes the same', () => {
    const m = decodeOk(envelope('task-message-msgpack-compressed.json'));
    expect(m).toMatchObject({ args: [2, 3], kwargs: { z: 'ü' }, serializer: 'msgpack', compression: 'application/x-gzip' });
    const again = JSON.parse(encodeTaskMessage(m));
    expect(again).toMatchObject({ 'content-type': 'application/x-msgpack', 'content-encoding': 'binary', headers: { compression: 'application/x-gzip' } });
    // Byte for byte what Python sent: msgpack of [args, kwargs, embed], zlib-compressed.
    expect(Buffer.from(again.body, 'base64').subarray(0, 2)).toEqual(Buffer.from([0x78, 0x9c]));
    expect(decodeOk(again)).toMatchObject({ args: [2, 3], kwargs: { z: 'ü' } });
  });

  it('builds msgpack, yaml and compressed messages from send options, and refuses unknown names', () => {
    const m = buildTaskMessage('t', [1, 'é'], { k: [true, null] }, { serializer: 'yaml', compression: 'brotli' }, producer);
    const env = JSON.parse(encodeTaskMessage(m));
    expect(env['content-type']).toBe('application/x-yaml');
    expect(env.headers.compression).toBe('application/x-brotli');
    expect(decodeOk(env)).toMatchObject({ args: [1, 'é'], kwargs: { k: [true, null] }, serializer: 'yaml' });
    expect(() => buildTaskMessage('t', [], {}, { serializer: 'pickle' }, producer)).toThrow(/pickle is not supported/);
    expect(() => buildTaskMessage('t', [], {}, { serializer: 'bson' }, producer)).toThrow(/not one of json, msgpack, yaml/);
  });

  it('keeps bytes as bytes and refuses integers past 2^53 by name instead of rounding them', () => {
    const py = new Packr({ useRecords: false });
    expect(deserialize(SERIALIZERS.msgpack, py.pack([Buffer.from([1, 2, 3]), 2 ** 40]))).toEqual([Buffer.from([1, 2, 3]), 2 ** 40]);
    expect(() => deserialize(SERIALIZERS.msgpack, py.pack([{ n: 2n ** 60n }]))).toThrow(/1152921504606846976.*beyond JavaScript's exact range/);
    const env = { ...envelope('task-message-msgpack-compressed.json'), headers: { ...envelope('task-message-msgpack-compressed.json').headers, compression: undefined },
      body: py.pack([[2n ** 60n], {}, {}]).toString('base64') };
    expect(decodeErr(env)).toMatchObject({ reason: 'body_not_decodable', field: 'body' });
  });

  it('reads safe YAML only: PyYAML\'s python tags and alias bombs are refused', () => {
    expect(deserialize(SERIALIZERS.yaml, Buffer.from('- [1, 2]\n- {x: yes}\n'))).toEqual([[1, 2], { x: true }]);
    expect(() => deserialize(SERIALIZERS.yaml, Buffer.from('!!python/object/apply:os.system ["true"]'))).toThrow(/not safe YAML/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    expect(() => deserialize(SERIALIZERS.yaml, Buffer.from(bomb))).toThrow();
  });

  it('refuses a content type the worker does not accept, in Celery\'s words (ContentDisallowed)', () => {
    const accept = acceptedContentTypes(['json']);
    const e = decodeErr(envelope('task-message-msgpack-compressed.json'), accept);
    expect(e.reason).toBe('content_disallowed');
    expect(e.message).toMatch(/Refusing to deserialize untrusted content of type msgpack \(application\/x-msgpack\)/);
    expect(decodeOk(envelope('task-message-msgpack-compressed.json'), acceptedContentTypes(['json', 'application/x-msgpack'])).args).toEqual([2, 3]);
    expect(() => acceptedContentTypes(['pickle'])).toThrow(/pickle is not supported/);
  });

  it('an app writes its taskSerializer and taskCompression, and its workers accept json and it by default', () => {
    const app = createApp({ broker: 'redis://127.0.0.1:1/0', taskSerializer: 'msgpack', taskCompression: 'gzip' });
    expect(app.wireFormat).toEqual({ serializer: 'msgpack', compression: 'application/x-gzip' });
    expect([...app.accept]).toEqual(['application/json', 'application/x-msgpack']);
    const m = app.withWireFormat(buildTaskMessage('t', [], {}, {}, producer));
    expect(JSON.parse(encodeTaskMessage(m))['content-type']).toBe('application/x-msgpack');
    expect(() => createApp({ broker: 'redis://127.0.0.1:1/0', taskCompression: 'zstd' })).toThrow(UnsupportedCompressionError);
    expect(() => resolveSerializer('yaml')).not.toThrow();
  });
});

describe('compression, with kombu\'s names and header values', () => {
  it('maps kombu\'s names to its content types; Node-less ones are refused naming the algorithm', () => {
    expect(resolveCompression('gzip')).toBe('application/x-gzip');
    expect(resolveCompression('zlib')).toBe('application/x-gzip');
    expect(resolveCompression('brotli')).toBe('application/x-brotli');
    for (const [name, algo] of [['bzip2', 'bzip2'], ['lzma', 'lzma'], ['xz', 'lzma'], ['zstd', 'zstd']]) {
      expect(() => resolveCompression(name!)).toThrow(new RegExp(`^${algo} compression needs a native module.*use|send with compression gzip`));
    }
    expect(() => resolveCompression('snappy')).toThrow(/not one of kombu's/);
  });

  it('reads zlib data (kombu) and gzip data (other clients) under application/x-gzip', () => {
    const data = Buffer.from('[[1], {}, {}]');
    expect(decompress('application/x-gzip', deflateSync(data))).toEqual(data);
    expect(decompress('application/x-gzip', gzipSync(data))).toEqual(data);
    expect(decompress('application/x-brotli', compress('application/x-brotli', data))).toEqual(data);
  });

  it('bounds decompression: a small body that inflates past the limit is refused', () => {
    const bomb = deflateSync(Buffer.alloc(1_000_000));
    expect(() => decompress('application/x-gzip', bomb, 100_000)).toThrow(/inflates past 100000 bytes/);
  });

  it('dead-letters a bzip2, lzma or zstd body with the reason', () => {
    const env = envelope('task-message-compressed.json');
    const e = decodeErr({ ...env, headers: { ...env.headers, compression: 'application/x-bz2' } });
    expect(e).toMatchObject({ reason: 'unsupported_compression', field: 'headers.compression' });
    expect(e.message).toMatch(/bzip2 compression needs a native module/);
  });
});

describe('results in msgpack and yaml (Celery\'s Redis backend stores no content type)', () => {
  it('reads Python\'s msgpack meta by its first byte, whatever the configured serializer', () => {
    const raw = Buffer.from(sample('result-msgpack.json').value_base64, 'base64');
    expect(parseResultMeta(raw, 'cap-result-1')).toMatchObject({ status: 'SUCCESS', result: { v: [1, 2] }, task_id: 'cap-result-1' });
  });

  it('writes msgpack and yaml metas that read back, yaml only with the serializer configured', () => {
    const meta = buildMeta('id-1', 'SUCCESS', { v: [1, 'ü'] });
    const packed = encodeResultMeta(meta, SERIALIZERS.msgpack) as Buffer;
    expect(packed[0]! & 0xf0).toBe(0x80);
    expect(parseResultMeta(packed, 'id-1')).toMatchObject({ status: 'SUCCESS', result: { v: [1, 'ü'] } });
    const yaml = encodeResultMeta(meta, SERIALIZERS.yaml);
    expect(parseResultMeta(yaml, 'id-1', SERIALIZERS.yaml)).toMatchObject({ status: 'SUCCESS', result: { v: [1, 'ü'] } });
    expect(() => parseResultMeta(yaml, 'id-1')).toThrow(/not JSON/);
    expect(encodeResultMeta(meta)).toBe(JSON.stringify(meta));
    expect(serialize(SERIALIZERS.json, [1])).toEqual(Buffer.from('[1]'));
  });
});
