import type { ResendLinks as Links } from '../../api/contract.js';
import { localTime } from '../../format/units.js';

const taskHref = (id: string): string => `#/tasks/${encodeURIComponent(id)}`;
const at = (unixSeconds: number): string => localTime(unixSeconds * 1000, Date.now());

/** A task's resends, both ways, as rows of the page's facts: what it was resent from and as. */
export function ResendLinks({ links }: { links: Links | undefined }) {
  if (!links) return null;
  const { resentFrom, resentAs, editedInPlace } = links;
  return (
    <>
      {resentFrom && (
        <><dt>Resent from</dt><dd data-testid="resent-from"><a className="mono" href={taskHref(resentFrom.from)}>{resentFrom.from}</a> <span className="muted">{at(resentFrom.at)}</span></dd></>
      )}
      {resentAs.length > 0 && (
        <>
          <dt>Resent as</dt>
          <dd data-testid="resent-as">
            {resentAs.map((l) => <div key={`${l.to}:${l.at}`}><a className="mono" href={taskHref(l.to)}>{l.to}</a> <span className="muted">{at(l.at)}</span></div>)}
          </dd>
        </>
      )}
      {editedInPlace.length > 0 && (
        <><dt>Edited</dt><dd data-testid="edited-in-place">retried in place with edits {editedInPlace.length === 1 ? 'once' : `${editedInPlace.length} times`}, last {at(editedInPlace[0]!)}</dd></>
      )}
    </>
  );
}
