import { useEffect, useState } from 'react';
import { localTime } from '../../format/units.js';
import { DismissButton } from '../Notice.js';
import { dismissalKey } from './banner-dismissal.js';
import type { ConnectionStatus } from '../../api/contract.js';

/** The time now, once a second: for "since 12 s" and "next try in 3 s". */
function useNow(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function seconds(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

/**
 * What is wrong with the connection right now, under the header on every view: Redis
 * unreachable (since when, the next try), or a message the back end keeps while its cause
 * lasts (a failed switch, a pool that did not start). Gone by itself once the cause is; the
 * reader may dismiss it sooner, until it says something else (another kind of problem, a new
 * outage): only its counts changing does not bring it back.
 */
export function StatusBanner({ status }: { status: ConnectionStatus }) {
  const now = useNow();
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (status.state === 'reconnecting') {
    const since = status.since ?? now;
    if (dismissed === `outage:${since}`) return null;
    return (
      <div className="banner error dismissible" role="alert" data-testid="outage">
        <DismissButton onClick={() => setDismissed(`outage:${since}`)} />
        <strong>Redis is unreachable</strong> since {localTime(since, now)} ({seconds(now - since)})
        {status.nextTryAt !== undefined && <> · next try in {seconds(status.nextTryAt - now)}</>}
        {status.message && <span className="muted"> · {status.message}</span>}
        <div className="muted">Showing the last data. Actions are refused until it is back; this page recovers by itself.</div>
      </div>
    );
  }
  const messageKey = status.message ? `message:${dismissalKey(status.message)}` : null;
  if (status.state === 'connected' && status.message && dismissed !== messageKey) {
    return (
      <div className="banner warn dismissible" role="status" data-testid="status-message">
        <DismissButton onClick={() => setDismissed(messageKey)} />
        {status.message}
      </div>
    );
  }
  return null;
}

/** The page lost the control room's server itself (not Redis); dismissed until the problem changes. */
export function ServerBanner({ problem }: { problem: 'unreachable' | 'stale-token' }) {
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (dismissed === problem) return null;
  const dismiss = <DismissButton onClick={() => setDismissed(problem)} />;
  if (problem === 'stale-token') {
    return (
      <div className="banner error dismissible" role="alert" data-testid="stale-token">
        {dismiss}
        <strong>This page's token is no longer valid</strong>: the control room now has a new one (started with <code>--rotate-token</code>, or on another data folder). Open the URL that
        <code> celeriac serve </code> printed last (<code>Celeriac control room: http://…/?token=…</code>).
      </div>
    );
  }
  return (
    <div className="banner error dismissible" role="alert" data-testid="server-unreachable">
      {dismiss}
      <strong>Cannot reach the control room's server</strong> (is <code>celeriac serve</code> still running?). Trying again every second.
    </div>
  );
}
