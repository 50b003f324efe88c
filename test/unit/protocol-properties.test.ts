import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTaskMessage } from '../../src-main/core/protocol/build.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { encodeTaskMessage } from '../../src-main/core/protocol/encode.js';
import { MessageDecodeError } from '../../src-main/core/errors.js';
import { rawEnvelope } from '../helpers/fixtures.js';
import { KNOWN_HEADERS } from '../../src-main/core/protocol/types.js';
import { TemplateEncoder } from '../../src-main/core/protocol/template-encoder.js';

// Through JSON once: -0 is not a JSON value (it reads back as 0).
const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const sendOptions = fc.record(
  {
    queue: fc.string({ minLength: 1, maxLength: 20 }),
    priority: fc.integer({ min: 0, max: 9 }),
    countdown: fc.integer({ min: 0, max: 10_000 }),
    expires: fc.integer({ min: 1, max: 10_000 }),
    ignoreResult: fc.boolean(),
    retries: fc.nat(20),
    group: fc.uuid(),
    // identifier-like keys: JSON.parse moves integer-like keys first, which would fail the byte check for no real reason
    headers: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/).filter((k) => !KNOWN_HEADERS.has(k)), jsonValue, { maxKeys: 3 }),
    timeLimit: fc.integer({ min: 1, max: 100 }),
  },
  { requiredKeys: [] },
);

describe('protocol properties', () => {
  it('round-trips any message built from JSON arguments', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.array(jsonValue, { maxLength: 5 }),
        fc.dictionary(fc.string(), jsonValue, { maxKeys: 5 }),
        sendOptions,
        (name, args, kwargs, options) => {
          const msg = buildTaskMessage(name, args, kwargs, options, { origin: 'gen1@h', replyTo: 'r' });
          const raw = encodeTaskMessage(msg);
          // canonical JSON: no duplicate keys, no stray spacing
          expect(JSON.stringify(JSON.parse(raw))).toBe(raw);
          const r = decodeTaskMessage(raw);
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.message).toEqual(msg);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on random text, and always says why it refused', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array().map((b) => Buffer.from(b))), (raw) => {
        const r = decodeTaskMessage(raw);
        if (!r.ok) expect(r.error).toBeInstanceOf(MessageDecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws when any field of a real message is replaced by random JSON', () => {
    const base = JSON.parse(rawEnvelope('task-message.json'));
    const paths = [['body'], ['content-type'], ['headers'], ['properties'], ['headers', 'id'], ['headers', 'task'], ['headers', 'eta'],
      ['headers', 'retries'], ['headers', 'timelimit'], ['properties', 'delivery_info'], ['properties', 'priority'], ['properties', 'body_encoding']];
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue(), (path, value) => {
        const env = structuredClone(base);
        let target = env;
        for (const p of path.slice(0, -1)) target = target[p];
        target[path.at(-1)!] = value;
        const r = decodeTaskMessage(JSON.stringify(env));
        if (!r.ok) expect(r.error).toBeInstanceOf(MessageDecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on a base64 body of random bytes', () => {
    const base = JSON.parse(rawEnvelope('task-message.json'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = decodeTaskMessage(JSON.stringify({ ...base, body: Buffer.from(bytes).toString('base64') }));
        if (!r.ok) expect(r.error.reason).toMatch(/body/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the bulk template encoder', () => {
  it('writes exactly what encodeTaskMessage writes, for any run of messages', () => {
    const call = fc.record({
      name: fc.constantFrom('a', 'b', 'tasks.ü"quote'),
      args: fc.array(jsonValue, { maxLength: 3 }),
      kwargs: fc.dictionary(fc.string(), jsonValue, { maxKeys: 2 }),
      options: sendOptions,
    });
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 20 }), (calls) => {
        const encoder = new TemplateEncoder();
        for (const c of calls) {
          const msg = buildTaskMessage(c.name, c.args, c.kwargs, c.options, { origin: 'gen1@h', replyTo: 'r' });
          expect(encoder.encode(msg)).toBe(encodeTaskMessage(msg));
        }
      }),
      { numRuns: 300 },
    );
  });
});
