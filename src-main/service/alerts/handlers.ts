import type { Handlers } from '../calls/handler-types.js';

export const alertHandlers: Handlers<never> = {};
