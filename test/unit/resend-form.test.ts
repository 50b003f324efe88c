import { describe, expect, it } from 'vitest';
import type { ResendDraft } from '../../src-main/service/contract/index.js';
import { draftFields, sentArguments, sentWhen } from '../../src-renderer/views/TaskDetail/resend-form.js';

const draft = (over: Partial<ResendDraft>): ResendDraft => ({
  id: 'x', name: 'tasks.greet', args: [], kwargs: {}, from: 'message', queue: 'celery', priority: 0, eta: null, serializer: 'json',
  params: null, argumentsUnknown: null, inPlaceRefused: null, ...over,
});
const GREET = [
  { name: 'who', type: 'string' as const },
  { name: 'times', type: 'integer' as const, default: 1 },
  { name: 'style', type: 'string' as const, enum: ['plain', 'loud'], default: 'plain' },
];

describe('the edit and resend form', () => {
  it('fills the declared parameters from the call, positional then by name, and sends them positional', () => {
    const form = draftFields(draft({ params: GREET, args: ['ann'], kwargs: { style: 'loud' } }));
    expect(form.fields).toEqual({ who: 'ann', times: '1', style: '"loud"' });
    expect(sentArguments(GREET, { ...form, fields: { ...form.fields!, times: '3' } }, true)).toEqual({ args: ['ann', 3, 'loud'], kwargs: {} });
  });

  it('falls back to JSON when the call holds arguments the parameters do not name', () => {
    const form = draftFields(draft({ params: GREET, args: ['ann'], kwargs: { colour: 'red' } }));
    expect(form.fields).toBeNull();
    expect(sentArguments(GREET, form, true)).toEqual({ args: ['ann'], kwargs: { colour: 'red' } });
  });

  it('says what is wrong with the JSON before anything is sent', () => {
    expect(() => sentArguments(null, { fields: null, args: '[1,', kwargs: '{}' }, false)).toThrow(/Positional arguments must be JSON/);
    expect(() => sentArguments(null, { fields: null, args: '{"a": 1}', kwargs: '{}' }, false)).toThrow(/must be a JSON list/);
    expect(() => sentArguments(null, { fields: null, args: '[]', kwargs: '[1]' }, false)).toThrow(/must be a JSON object/);
    expect(() => sentArguments(GREET, { fields: { who: 'a', times: '1.5', style: '"plain"' }, args: '', kwargs: '' }, true)).toThrow(/times must be a whole number/);
  });

  it('runs now, after a countdown, or at an ETA, never both', () => {
    expect(sentWhen('', '')).toEqual({});
    expect(sentWhen('30', '')).toEqual({ countdown: 30 });
    expect(sentWhen('', '2030-01-02T03:04')).toEqual({ eta: new Date('2030-01-02T03:04').toISOString() });
    expect(() => sentWhen('5', '2030-01-02T03:04')).toThrow(/not both/);
    expect(() => sentWhen('-1', '')).toThrow(/0 or more/);
  });
});
