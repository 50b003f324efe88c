import { call } from '../../api/client.js';
import { useSingleFlight } from '../../api/single-flight.js';
import type { FailureTriage } from '../../api/contract.js';
import { When } from '../../format/When.js';

/** Why the triage buttons are off in a read-only control room (a mark is a change, if only to the history). */
export const READ_ONLY_TRIAGE = 'This control room is read-only (serve --read-only): marking a failure group is refused.';

/**
 * A failure group's triage as badges: resolved (and since when), regressed with how many
 * failed since it was resolved, ignored with how many came since; nothing while open.
 */
export function TriageBadges({ triage }: { triage: FailureTriage }) {
  if (triage.state === 'open' || triage.at === null) return null;
  const since = <When ms={triage.at * 1000} relative />;
  if (triage.state === 'ignored') {
    return (
      <div className="small" data-testid="triage">
        <span className="badge" data-testid="triage-ignored">ignored</span> {since}
        {triage.countSince > 0 && <span className="muted"> · {triage.countSince} since ignored</span>}
      </div>
    );
  }
  if (!triage.regressed) {
    return <div className="small" data-testid="triage"><span className="badge SUCCESS" data-testid="triage-resolved">resolved</span> {since}</div>;
  }
  return (
    <div className="small" data-testid="triage">
      <span className="badge FAILURE" data-testid="triage-regressed">regressed</span>{' '}
      <strong className="error-text" data-testid="triage-since">{triage.countSince} since resolved</strong>
      <span className="muted"> (resolved {since})</span>
    </div>
  );
}

/**
 * Resolve / Ignore / Reopen for one group: each marks it in the connection's history and says
 * the group's triage after. A regressed group can be resolved again (from now on). Off, with
 * the reason, where the room is read-only.
 */
export function TriageActions({ groupKey, triage, readOnly, onDone }: { groupKey: string; triage: FailureTriage; readOnly: boolean; onDone: (notice: string | null) => void }) {
  const [start, busy] = useSingleFlight((state: 'resolved' | 'ignored' | 'open') =>
    call('failures:triage', { key: groupKey, state }).then(() => onDone(null), (e: Error) => onDone(e.message)));
  const off = readOnly || busy;
  const title = readOnly ? READ_ONLY_TRIAGE : undefined;
  return (
    <>
      {(triage.state !== 'resolved' || triage.regressed) && (
        <button disabled={off} title={title ?? 'Mark it fixed: a failure of this cause from now on shows it regressed'} onClick={() => start('resolved')}>
          {triage.regressed ? 'Resolve again' : 'Resolve'}
        </button>
      )}
      {triage.state !== 'ignored' && (
        <button disabled={off} title={title ?? 'Hide it from this list and leave its failures out of the failed count'} onClick={() => start('ignored')}>Ignore</button>
      )}
      {triage.state !== 'open' && (
        <button disabled={off} title={title ?? 'Mark it open again'} onClick={() => start('open')}>Reopen</button>
      )}
    </>
  );
}
