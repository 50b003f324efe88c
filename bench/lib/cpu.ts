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

/** CPU seconds used so far by this process's live child processes (pool children), from /proc. */
export function childrenCpuSeconds(): number {
  let total = 0;
  for (const pid of safeList('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const fields = statFields(pid);
    if (fields && Number(fields[1]) === process.pid) total += cpuOf(fields); // fields[1]: ppid
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
