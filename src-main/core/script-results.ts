/**
 * What Celeriac's Lua scripts return, named. Each script's header comment lists the names it
 * returns; callers compare with these names, never with bare numbers.
 *
 * Most scripts act only if what they check still holds (a claim is still there, an entry is
 * still as the caller read it, a lock is still ours, a guard is not yet taken): they return
 * `Done` when they acted and `NotDone` when they left everything as it was.
 */
export const ScriptResult = {
  /** The script acted: the claim moved, the message was sent, the lock is ours. */
  Done: 1,
  /** The script changed nothing: the claim or entry was gone or had changed, the lock was not ours, the guard was taken. */
  NotDone: 0,
  /** deadLetter moved the message, and the dead-letter list was full: its oldest entry was dropped and counted. */
  DeadLettersFull: 2,
  /** sendDue sent nothing because this beat does not hold the leader lock. */
  LockNotHeld: -1,
  /** restoreInbox touched nothing because the inbox was refreshed meanwhile: its owner lives. */
  InboxStillOwned: -1,
  /** moveWaiting touched nothing because a key it would push to holds another type. */
  WrongType: -2,
} as const;

export type ScriptResult = (typeof ScriptResult)[keyof typeof ScriptResult];
