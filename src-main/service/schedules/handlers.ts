import { BeatStore } from '../../core/beat/beat-store.js';
import { ConfigurationError } from '../../core/errors.js';
import { runEntryNow } from '../../core/beat/send-entry.js';
import { listSchedules } from './schedules.js';
import type { Handlers } from '../calls/handler-types.js';

export const scheduleHandlers: Handlers<'schedules:list' | 'schedules:save' | 'schedules:delete' | 'schedules:setEnabled' | 'schedules:runNow'> = {
  'schedules:list': async (s) => {
    const leader = await new BeatStore(s.app.broker).leader();
    return { entries: await listSchedules(s.app), leader: leader ? { ...leader, here: s.beat?.token === leader.token } : null };
  },
  'schedules:save': async (s, i) => {
    const at = { every: i.kind === 'every' ? i.every : undefined, cron: i.kind === 'cron' ? i.cron : undefined, at: i.kind === 'at' ? i.at : undefined };
    await new BeatStore(s.app.broker).save(i.name, { task: i.task, ...at, timezone: i.timezone, args: i.args, kwargs: i.kwargs, options: i.options, enabled: i.enabled });
    return { saved: i.name };
  },
  'schedules:delete': async (s, i) => {
    const store = new BeatStore(s.app.broker);
    const entry = await store.get(i.name);
    if (!entry) throw new ConfigurationError(`no periodic entry ${i.name}`);
    if ('declared' in entry && entry.declared) throw new ConfigurationError(`${i.name} is declared in code: remove it there (a beat would add it back)`);
    await store.remove(i.name);
    return { deleted: i.name };
  },
  'schedules:setEnabled': async (s, i) => {
    await new BeatStore(s.app.broker).setEnabled(i.name, i.enabled);
    return { name: i.name, enabled: i.enabled };
  },
  'schedules:runNow': (s, i) => runEntryNow(s.app, i.name),
};
