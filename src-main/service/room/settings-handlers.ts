import type { Handlers } from '../calls/handler-types.js';

export const settingsHandlers: Handlers<'settings:get' | 'settings:set'> = {
  'settings:get': (room) => room.settings(),
  'settings:set': (room, i) => room.changeSettings(i),
};
