import { useMemo, useRef, useState } from 'react';

/**
 * A request a control starts, one at a time: while one is in flight further starts are ignored
 * (a second click before the first answer must not send a task twice under one id), and
 * `onBusy` says when it starts and ends so the control can show itself disabled. The request
 * handles its own errors; one it lets through still ends the busy state.
 */
export function singleFlight<A extends unknown[]>(run: (...args: A) => Promise<unknown>, onBusy: (busy: boolean) => void): (...args: A) => void {
  let inFlight = false;
  return (...args: A): void => {
    if (inFlight) return;
    inFlight = true;
    onBusy(true);
    let request: Promise<unknown>;
    try {
      request = run(...args);
    } catch (err) {
      request = Promise.reject(err);
    }
    request.finally(() => {
      inFlight = false;
      onBusy(false);
    }).catch(() => undefined);
  };
}

/**
 * singleFlight for a component: `start` keeps its identity across renders (and calls the
 * latest `run`), `busy` is true while a request is in flight.
 */
export function useSingleFlight<A extends unknown[]>(run: (...args: A) => Promise<unknown>): [start: (...args: A) => void, busy: boolean] {
  const [busy, setBusy] = useState(false);
  const latest = useRef(run);
  latest.current = run;
  const start = useMemo(() => singleFlight((...args: A) => latest.current(...args), setBusy), []);
  return [start, busy];
}
