import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** A process's /proc stat fields after the command name, or null once it is gone. */
function statFields(pid: string | number): string[] | null {
  const stat = safeRead(`/proc/${pid}/stat`);
  // The command name may hold spaces: fields start after the last ')'.
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
}

/** utime + stime, in seconds. */
function cpuOf(fields: string[]): number {
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/**
 * CPU seconds used so far by this process's live descendants, from /proc: Redis, pool children,
 * and a hosted worker's own children below it.
 */
export function descendantsCpuSeconds(): number {
  const parentOf = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const pid of safeList('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const fields = statFields(pid);
    if (!fields) continue;
    parentOf.set(Number(pid), Number(fields[1])); // fields[1]: ppid
    cpu.set(Number(pid), cpuOf(fields));
  }
  let total = 0;
  for (const [pid, seconds] of cpu) {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) {
      if (p === process.pid) {
        total += seconds;
        break;
      }
    }
  }
  return total;
}

/** CPU seconds used so far by one process (a bench helper's); 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? cpuOf(fields) : 0;
}

/** CPU seconds this process used so far. */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
