import { useCall, useEvery } from '../api/use-call.js';

/** Refreshed this often while the connection is up. */
const REFRESH_MS = 2000;

/** The live counts on every view, each a link to what it counts (Sidekiq's summary bar). */
export function SummaryBar() {
  const { data, reload } = useCall('summary:get', {});
  useEvery(reload, REFRESH_MS);
  if (!data) return null;
  const q = (query: string): string => `#/tasks?q=${encodeURIComponent(query)}`;
  const items: Array<[string, number, string, string?]> = [
    ['processed', data.processed, q('state:SUCCESS,FAILURE')],
    ['failed', data.failed, q('state:FAILURE'), data.failed > 0 ? 'bad' : undefined],
    ['active', data.active, q('state:STARTED,PROGRESS')],
    ['queued', data.queued, '#/queues'],
    ['scheduled', data.scheduled, '#/scheduled'],
    ['retrying', data.retrying, q('state:RETRY')],
    ['dead', data.dead, '#/dead', data.dead > 0 ? 'bad' : undefined],
  ];
  return (
    <nav className="summary" aria-label="summary">
      {items.map(([label, n, href, tone]) => (
        <a key={label} href={href} className={tone} data-testid={`summary-${label}`}>
          <strong>{n.toLocaleString()}</strong> {label}
        </a>
      ))}
    </nav>
  );
}
