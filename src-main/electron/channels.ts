/** The IPC channel names the preload and main agree on (the preload keeps its own copy: it is bundled alone). */
export const CALL_CHANNEL = 'celeriac:call';
export const EVENT_CHANNEL = 'celeriac:event';
/** The events a window listens to now (the preload says so whenever that changes). */
export const SUBSCRIBE_CHANNEL = 'celeriac:subscribe';
