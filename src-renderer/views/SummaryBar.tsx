import { useCall, useEvery } from '../api/use-call.js';

/** Refreshed this often while the connection is up. */
const REFRESH_MS = 2000;

/** What the failed count leaves out: failures of groups marked ignored (the Failures view shows them). */
const ignoredNote = (n: number): string => `not counted: ${n.toLocaleString()} ${n === 1 ? 'failure' : 'failures'} of ignored groups (Failures: show ignored)`;

/**
 * The live counts on every view, each a link to what it counts (Sidekiq's summary bar). The
 * failed count leaves out failures of groups marked ignored, and says so on hover.
 */
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
        <a key={label} href={href} className={tone} data-testid={`summary-${label}`} title={label === 'failed' && data.failedIgnored > 0 ? ignoredNote(data.failedIgnored) : undefined}>
          <strong>{n.toLocaleString()}</strong> {label}
        </a>
      ))}
    </nav>
  );
}
