import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTaskMessage } from '../../src-main/core/protocol/build.js';
import { decodeTaskMessage } from '../../src-main/core/protocol/decode.js';
import { encodeTaskMessage } from '../../src-main/core/protocol/encode.js';
import { MessageDecodeError } from '../../src-main/core/errors.js';
import { rawEnvelope } from '../helpers/fixtures.js';

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
          const r = decodeTaskMessage(encodeTaskMessage(msg));
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
