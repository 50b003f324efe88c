import { useCall } from '../../api/use-call.js';

/** The queue to move messages to: one of the known queues, or a name typed in. */
export function MoveTarget({ from, value, onChange }: { from: string; value: string; onChange: (queue: string) => void }) {
  const { data } = useCall('queues:list', {});
  const others = (data ?? []).map((q) => q.name).filter((n) => n !== from);
  return (
    <label>
      Move to queue
      <input list="move-targets" aria-label="move to queue" value={value} autoFocus placeholder="queue name" onChange={(e) => onChange(e.target.value.trim())} />
      <datalist id="move-targets">{others.map((n) => <option key={n} value={n} />)}</datalist>
      <span className="help">It keeps its priority sub-list and waits after the messages already there.</span>
    </label>
  );
}
