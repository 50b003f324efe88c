import { resendDraft, resendTask } from './resend.js';
import type { Handlers } from '../calls/handler-types.js';

export const resendHandlers: Handlers<'tasks:resendDraft' | 'tasks:resend'> = {
  'tasks:resendDraft': (s, i) => resendDraft(s.app, s.history, (task) => s.declaredParams(task), i.id),
  'tasks:resend': (s, i) => resendTask(s.app, s.history, i),
};
