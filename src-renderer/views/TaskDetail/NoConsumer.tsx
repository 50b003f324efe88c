import { useCall, useEvery } from '../../api/use-call.js';

/**
 * Said on the page of a task that waits: no online worker consumes its queue (from what the
 * workers reported with active_queues), so it waits until one does. Nothing while one does.
 */
export function NoConsumer({ queue }: { queue: string }) {
  const { data, reload } = useCall('workers:consuming', { queue }, [queue]);
  useEvery(reload, 5000);
  if (!data || data.workers.length > 0) return null;
  const unsure = data.unknown.length;
  return (
    <p className="banner warn" role="status" data-testid="no-consumer">
      {unsure === 0 ? 'No worker consumes queue ' : 'No worker is known to consume queue '}<code>{queue}</code>
      {unsure > 0 && ` (${unsure} online worker${unsure === 1 ? ' has' : 's have'} not said which queues ${unsure === 1 ? 'it consumes' : 'they consume'} yet)`}
      : this task waits until one does. Start one on it, e.g. <code>celeriac worker -A tasks.ts -Q {queue}</code> or <code>celery -A proj worker -Q {queue}</code>.
    </p>
  );
}
