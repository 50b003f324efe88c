import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds used so far by this process's live child processes (pool children), from /proc. */
export function childrenCpuSeconds(): number {
  let total = 0;
  for (const pid of safeList('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = safeRead(`/proc/${pid}/stat`);
    if (!stat) continue;
    // The command name may hold spaces: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== process.pid) continue; // ppid
    total += (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime
  }
  return total;
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
