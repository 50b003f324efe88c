/** The IPC channel names the preload and main agree on (the preload keeps its own copy: it is bundled alone). */
export const CALL_CHANNEL = 'celeriac:call';
export const EVENT_CHANNEL = 'celeriac:event';
