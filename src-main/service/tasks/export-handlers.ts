import type { Handlers } from '../calls/handler-types.js';

export const taskExportHandlers: Handlers<'tasks:exportFile'> = {
  'tasks:exportFile': (room, i) => room.exportFile(i.query, i.format),
};
