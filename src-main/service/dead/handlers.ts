import { DeadLetters } from '../../core/broker/dead-letters.js';
import { dropDeadLetter, listDeadLetters, requeueAllDeadLetters, requeueDeadLetter } from './dead-letters.js';
import type { Handlers } from '../calls/handler-types.js';

export const deadHandlers: Handlers<'dead:list' | 'dead:requeue' | 'dead:drop' | 'dead:requeueAll' | 'dead:dropAll'> = {
  'dead:list': (s, i) => listDeadLetters(s.app, i.offset, i.limit),
  'dead:requeue': (s, i) => requeueDeadLetter(s.app, i.index, i.key),
  'dead:drop': (s, i) => dropDeadLetter(s.app, i.index, i.key),
  'dead:requeueAll': (s) => requeueAllDeadLetters(s.app),
  'dead:dropAll': async (s) => ({ dropped: await new DeadLetters(s.app.broker).dropAll() }),
};
