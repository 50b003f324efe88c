/** A waiting or held message past the size limit is reported too large and never parsed, as a worker refuses it unparsed. */
import { describe, expect, it } from 'vitest';
import { routingKeyOf } from '../../src-main/core/broker/held-messages.js';
import { MessageNotMovableError, routedTo } from '../../src-main/core/broker/queue-message-actions.js';
import { describeMessage, peekNameAndId } from '../../src-main/core/broker/queued-message.js';
import { MAX_MESSAGE_BYTES } from '../../src-main/core/protocol/limits.js';

// Valid JSON whose headers name a task: parsed, its name and id would be read.
const huge = JSON.stringify({
  body: 'x'.repeat(MAX_MESSAGE_BYTES), 'content-type': 'application/json', 'content-encoding': 'utf-8',
  headers: { task: 'big.task', id: 'big-id', argsrepr: '()' }, properties: { priority: 3, delivery_info: { exchange: '', routing_key: 'q' } },
});

describe('a message past the size limit', () => {
  it('is listed as too large, its headers not read', () => {
    const m = describeMessage(huge, 0, 0);
    expect(m).toMatchObject({ task: null, id: null, argsrepr: '', priority: 0, problem: expect.stringMatching(/^too_large/) });
    expect(m.size).toBe(huge.length);
    expect(peekNameAndId(huge)).toBeNull();
  });

  it('is not moved (a worker would refuse it)', () => {
    expect(() => routedTo(huge, 'elsewhere')).toThrow(MessageNotMovableError);
  });

  it('held, gives no routing key when its tail does not (the whole entry is not parsed)', () => {
    expect(routingKeyOf(`[${huge}, "", "q", 1]`)).toBeNull();
    expect(routingKeyOf('[{}, "", "q", 1]')).toBe('q');
  });
});
