import { describe, expect, it } from 'vitest';
import { parseQueueSearch, QueueSearchError, storedMessageMatch } from '../../src-main/core/broker/queue-search.js';
import { rawEnvelope } from '../helpers/fixtures.js';
import type { QueuedMessage } from '../../src-main/core/broker/queued-message.js';

const message = (over: Partial<QueuedMessage>): QueuedMessage => ({
  position: 0, step: 0, key: '0'.repeat(40), id: 'abc-1', task: 'tasks.resize', args: '["photo.jpg",800]', kwargs: '{"mode":"Fit"}', argsCut: false,
  argsrepr: "('photo.jpg', 800)", kwargsrepr: "{'mode': 'Fit'}", priority: 0, eta: null, expires: null, retries: 0, origin: '', contentType: 'application/json',
  compression: null, size: 100, problem: null, ...over,
});

describe('the queue search', () => {
  it('matches a name exactly or by prefix, an id, and words over the arguments in any case', () => {
    const m = message({});
    expect(parseQueueSearch('name:tasks.resize').test(m)).toBe(true);
    expect(parseQueueSearch('name:tasks.res').test(m)).toBe(false);
    expect(parseQueueSearch('name:tasks.*').test(m)).toBe(true);
    expect(parseQueueSearch('id:abc-1 PHOTO fit').test(m)).toBe(true);
    expect(parseQueueSearch('"photo 800"').test(m)).toBe(false);
    expect(parseQueueSearch('-name:tasks.resize').test(m)).toBe(false);
    expect(parseQueueSearch('name:"tasks.resize" missing').test(m)).toBe(false);
  });

  it('matches a message that did not decode only by its headers', () => {
    const undecoded = message({ args: '', kwargs: '', argsrepr: '', kwargsrepr: '', task: null, id: null });
    expect(parseQueueSearch('name:*').test(undecoded)).toBe(false);
    expect(parseQueueSearch('-name:x').test(undecoded)).toBe(true);
  });

  it('refuses a search without terms: it would match every message', () => {
    for (const blank of ['', '  ', '\t\n']) {
      expect(() => parseQueueSearch(blank), JSON.stringify(blank)).toThrow(QueueSearchError);
      expect(() => storedMessageMatch(blank), JSON.stringify(blank)).toThrow(QueueSearchError);
    }
  });

  it('refuses a qualifier it does not know, saying which', () => {
    expect(() => parseQueueSearch('state:FAILURE')).toThrow(QueueSearchError);
    expect(() => parseQueueSearch('state:FAILURE')).toThrow(/state:/);
  });

  it('tests stored messages by their headers, or decoded where the headers name no task (protocol 1)', () => {
    const v2 = rawEnvelope('task-message.json');
    const task = (JSON.parse(v2) as { headers: { task: string } }).headers.task;
    expect(storedMessageMatch(`name:${task}`)(v2)).toBe(true);
    expect(storedMessageMatch('name:other')(v2)).toBe(false);
    expect(storedMessageMatch('name:cap.add')(rawEnvelope('task-message-protocol1.json'))).toBe(true);
  });
});
