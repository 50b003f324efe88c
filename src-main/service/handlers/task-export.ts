import type { Handlers } from './types.js';

export const taskExportHandlers: Handlers<'tasks:exportFile'> = {
  'tasks:exportFile': (room, i) => room.exportFile(i.query, i.format),
};
