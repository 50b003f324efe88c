import { describe, expect, it } from 'vitest';
import { parseQueueSearch, QueueSearchError } from '../../src-main/core/broker/queue-search.js';
import type { QueuedMessage } from '../../src-main/core/broker/queued-message.js';

const message = (over: Partial<QueuedMessage>): QueuedMessage => ({
  position: 0, step: 0, key: '0'.repeat(40), id: 'abc-1', task: 'tasks.resize', args: '["photo.jpg",800]', kwargs: '{"mode":"Fit"}', argsCut: false,
  argsrepr: "('photo.jpg', 800)", kwargsrepr: "{'mode': 'Fit'}", priority: 0, eta: null, expires: null, retries: 0, origin: '', contentType: 'application/json',
  compression: null, size: 100, problem: null, ...over,
});

describe('the queue search', () => {
  it('matches a name exactly or by prefix, an id, and words over the arguments in any case', () => {
    const m = message({});
    expect(parseQueueSearch('name:tasks.resize')(m)).toBe(true);
    expect(parseQueueSearch('name:tasks.res')(m)).toBe(false);
    expect(parseQueueSearch('name:tasks.*')(m)).toBe(true);
    expect(parseQueueSearch('id:abc-1 PHOTO fit')(m)).toBe(true);
    expect(parseQueueSearch('"photo 800"')(m)).toBe(false);
    expect(parseQueueSearch('-name:tasks.resize')(m)).toBe(false);
    expect(parseQueueSearch('name:"tasks.resize" missing')(m)).toBe(false);
  });

  it('matches a message that did not decode only by its headers', () => {
    const undecoded = message({ args: '', kwargs: '', argsrepr: '', kwargsrepr: '', task: null, id: null });
    expect(parseQueueSearch('name:*')(undecoded)).toBe(false);
    expect(parseQueueSearch('-name:x')(undecoded)).toBe(true);
  });

  it('refuses a qualifier it does not know, saying which', () => {
    expect(() => parseQueueSearch('state:FAILURE')).toThrow(QueueSearchError);
    expect(() => parseQueueSearch('state:FAILURE')).toThrow(/state:/);
  });
});
