import { useState } from 'react';
import { call } from '../../api/client.js';
import type { PriorityStep, QueuedMessageView } from '../../api/contract.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { MoveTarget } from './MoveTarget.js';
import { messages, outcomeSaid, reachAction, reachSaid, taskNames } from './message-words.js';

/** An action the reader asked for, waiting for their yes. */
export type Pending =
  | { kind: 'delete' | 'move' | 'runNow'; one: QueuedMessageView }
  | { kind: 'deleteAll' | 'moveAll'; selected: QueuedMessageView[] }
  | { kind: 'deleteAll' | 'moveAll'; search: string; priority: PriorityStep | null; matching: number; scanNote: string };

/**
 * The confirm dialog for one pending action: it says what will happen to how many messages (and
 * which tasks), then calls the contract, which acts only on the messages as they were shown;
 * `onDone` gets what to tell the reader.
 */
export function PendingAction({ queue, pending, onDone, onClose }: { queue: string; pending: Pending; onDone: (said: string) => void; onClose: () => void }) {
  const [to, setTo] = useState('');
  const moving = pending.kind === 'move' || pending.kind === 'moveAll';
  const ready = !moving || (to !== '' && to !== queue);
  const run = (p: Promise<string>): Promise<void> => p.then(onDone, (e: Error) => onDone(e.message));
  const target = moving ? <MoveTarget from={queue} value={to} onChange={setTo} /> : null;
  if ('one' in pending) {
    const m = pending.one;
    const what = <p><span className="mono">{m.task ?? 'an undecodable message'}</span> <span className="mono small muted">{m.id}</span>, number {m.position + 1} in {queue}.</p>;
    const shown = { queue, key: m.key, position: m.position };
    if (pending.kind === 'delete') {
      return <ConfirmDialog title="Delete this message?" action="Delete" danger onClose={onClose} onConfirm={() => run(call('queues:deleteMessage', shown).then(() => `Deleted ${m.task ?? 'the message'}.`))}>{what}<p className="small muted">It is gone for good: no worker will run it.</p></ConfirmDialog>;
    }
    if (pending.kind === 'runNow') {
      return <ConfirmDialog title="Run this message next?" action="Run now" onClose={onClose} onConfirm={() => run(call('queues:runNow', shown).then((r) => `${m.task ?? 'The message'} is next in ${r.queue}.`))}>{what}<p className="small muted">It moves to the front of {queue}'s first-served priority list: the next worker to take from {queue} takes it.</p></ConfirmDialog>;
    }
    return <ConfirmDialog title="Move this message?" action={to ? `Move to ${to}` : 'Move'} ready={ready} onClose={onClose} onConfirm={() => run(call('queues:moveMessage', { ...shown, to }).then((r) => `Moved ${m.task ?? 'the message'} to ${r.queue}.`))}>{what}{target}</ConfirmDialog>;
  }
  const deleting = pending.kind === 'deleteAll';
  const verb = deleting ? 'Delete' : 'Move';
  if ('selected' in pending) {
    const n = pending.selected.length;
    const keys = pending.selected.map((m) => m.key);
    const act = (): Promise<void> => run(deleting
      ? call('queues:deleteMessages', { queue, keys, confirm: true }).then((o) => outcomeSaid('Deleted', o))
      : call('queues:moveMessages', { queue, keys, to, confirm: true }).then((o) => outcomeSaid('Moved', o, to)));
    return (
      <ConfirmDialog title={`${verb} ${messages(n)}?`} action={`${verb} ${n.toLocaleString()}`} danger={deleting} ready={ready} onClose={onClose} onConfirm={act}>
        <p>The {messages(n)} selected in {queue}: {taskNames(pending.selected)}.</p>
        {target}
        <p className="small muted">Each is {deleting ? 'deleted' : 'moved'} only if it is still waiting as shown; one a worker took or that changed meanwhile is left alone, and counted.</p>
      </ConfirmDialog>
    );
  }
  const step = pending.priority === null ? undefined : pending.priority;
  const act = (): Promise<void> => run(deleting
    ? call('queues:deleteMessages', { queue, search: pending.search, priority: step, confirm: true }).then((o) => outcomeSaid('Deleted', o))
    : call('queues:moveMessages', { queue, search: pending.search, priority: step, to, confirm: true }).then((o) => outcomeSaid('Moved', o, to)));
  return (
    <ConfirmDialog title={`${verb} the messages matching ${pending.search}?`} action={reachAction(verb, pending.matching)} danger={deleting} ready={ready} onClose={onClose} onConfirm={act}>
      <p>About {messages(pending.matching)} in {queue}{pending.priority === null ? '' : ` (priority sub-list ${pending.priority})`} match <code>{pending.search}</code>{pending.scanNote}.</p>
      {target}
      <p data-testid="bulk-reach">{reachSaid(deleting ? 'deleted' : 'moved', pending.matching)}</p>
      <p className="small muted">The search runs again when you confirm: what matches then is {deleting ? 'deleted' : 'moved'}, from the next to be taken on, each message only as it is then.</p>
    </ConfirmDialog>
  );
}
