/**
 * When a process started, as the kernel says: a pid alone names a process only until it ends,
 * and after a crash or a reboot another process may run under the same pid. An owner file that
 * keeps the start too tells the process that wrote it from one that took its pid later.
 */
import { readFileSync } from 'node:fs';

/** The start time's field in /proc/<pid>/stat (starttime, clock ticks after boot), counted from 1. */
const STAT_STARTTIME_FIELD = 22;
/** The stat line's first field after the command's name (the state), counted from 1. */
const STAT_FIELD_AFTER_NAME = 3;
/** A stat line is some hundreds of characters; more is not one. */
const MAX_STAT_CHARS = 4096;

let bootId: string | null | undefined;

/** This boot's id (Linux): the same start time in ticks after another boot is another process. */
function currentBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 64) || null;
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/**
 * `<boot id>/<start time in ticks>` of a running process (Linux, from /proc), or null where it
 * cannot be known (another system, /proc not mounted, the process gone): callers then judge by
 * the pid alone.
 */
export function processStart(pid: number): string | null {
  if (process.platform !== 'linux' || !Number.isInteger(pid) || pid <= 0) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  if (stat.length > MAX_STAT_CHARS) return null;
  // The command's name is in parentheses and may hold spaces and parentheses itself: the fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[STAT_STARTTIME_FIELD - STAT_FIELD_AFTER_NAME];
  if (!ticks || !/^\d{1,20}$/.test(ticks)) return null;
  return `${currentBootId() ?? 'boot'}/${ticks}`;
}
