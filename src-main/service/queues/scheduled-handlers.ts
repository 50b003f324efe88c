import type { Handlers } from '../calls/handler-types.js';
import { listScheduled, runScheduledNow } from './scheduled.js';

export const scheduledHandlers: Handlers<'scheduled:list' | 'scheduled:runNow'> = {
  'scheduled:list': (s) => listScheduled(s.app),
  'scheduled:runNow': (s, i) => runScheduledNow(s.app, i.tag),
};
