import type { Handlers } from '../calls/handler-types.js';

export const connectionHandlers: Handlers<'connection:status' | 'connections:list' | 'connections:save' | 'connections:delete' | 'connections:test' | 'connections:use'> = {
  'connection:status': (room) => room.status(),
  'connections:list': (room) => room.profiles(),
  'connections:save': (room, i) => room.saveProfile(i),
  'connections:delete': (room, i) => room.deleteProfile(i.id),
  'connections:test': (room, i) => room.testProfile(i),
  'connections:use': (room, i) => room.useProfile(i.id),
};
