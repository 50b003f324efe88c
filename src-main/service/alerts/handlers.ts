import type { Handlers } from '../calls/handler-types.js';
import type { AlertConfigChange } from '../contract/types/alerts.js';

export const alertHandlers: Handlers<'alerts:config' | 'alerts:setConfig' | 'alerts:list' | 'alerts:testWebhook'> = {
  'alerts:config': (s) => s.alerts.config(),
  'alerts:setConfig': (s, i) => s.alerts.setConfig(i as AlertConfigChange),
  'alerts:list': (s) => s.alerts.list(),
  'alerts:testWebhook': (s, i) => s.alerts.testWebhook(i.url),
};
