/** The control room's settings (room methods). */
import { z } from 'zod';
import { noInput } from './fields.js';
import type { Settings } from '../types/settings.js';

export const settingsMethods = {
  'settings:get': {
    room: true,
    reads: true,
    input: noInput,
    output: undefined as unknown as Settings,
  },
  'settings:set': {
    room: true,
    input: z.object({ notifications: z.boolean().optional(), beat: z.boolean().optional() }).strict(),
    output: undefined as unknown as Settings,
  },
} as const;
