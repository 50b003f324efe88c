/**
 * Hosts of their own on this machine: a network namespace each, joined to this one by a veth
 * pair on a private /30 (this side .1, the host's side .2). Cutting a host takes this side of
 * its pair down: packets to and from it are dropped, as on a pulled cable, and its open TCP
 * connections neither close nor answer.
 */
import { execFileSync, spawnSync } from 'node:child_process';

export interface NetHost {
  /** The namespace's name. */
  ns: string;
  /** This side's end of the pair, and its address (where the host reaches us). */
  outerIf: string;
  outerAddr: string;
  /** The host's end and its address. */
  innerIf: string;
  innerAddr: string;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Why namespaces cannot be made here (not root, no `ip`, a sandbox refusing them), from a
 * namespace actually added and removed; null when they can.
 */
export function netnsUnavailable(): string | null {
  const probe = `celeriac-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.error) return `\`ip\` is not installed (${added.error.message}): apt-get install -y iproute2`;
  if (added.status !== 0) return `\`ip netns add\` is not permitted here: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'delete', probe]);
  return null;
}

/**
 * Makes `count` hosts. Names carry this process's id, so runs side by side do not collide;
 * the /30s are taken from 10.213.0.0/16 by the same id.
 * @throws when a step fails (what was made is removed first)
 */
export function makeHosts(count: number): NetHost[] {
  const hosts: NetHost[] = [];
  const block = process.pid % 64; // 64 blocks of 4 /30s each in 10.213.0.0/16
  try {
    for (let i = 0; i < count; i++) {
      const base = (block * 4 + i) * 4; // the /30's network address, as an offset in the /16
      const addr = (n: number): string => `10.213.${Math.floor((base + n) / 256)}.${(base + n) % 256}`;
      const host: NetHost = { ns: `celeriac-${process.pid}-h${i}`, outerIf: `cvo${process.pid}h${i}`, outerAddr: addr(1), innerIf: `cvi${process.pid}h${i}`, innerAddr: addr(2) };
      ip('netns', 'add', host.ns);
      hosts.push(host);
      ip('link', 'add', host.outerIf, 'type', 'veth', 'peer', 'name', host.innerIf);
      ip('link', 'set', host.innerIf, 'netns', host.ns);
      ip('addr', 'add', `${host.outerAddr}/30`, 'dev', host.outerIf);
      ip('link', 'set', host.outerIf, 'up');
      ip('-n', host.ns, 'addr', 'add', `${host.innerAddr}/30`, 'dev', host.innerIf);
      ip('-n', host.ns, 'link', 'set', host.innerIf, 'up');
      ip('-n', host.ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    removeHosts(hosts);
    throw err;
  }
  return hosts;
}

/** Takes the host off the network (its open connections stay open, and silent). */
export function cutOff(host: NetHost): void {
  ip('link', 'set', host.outerIf, 'down');
}

/** Puts the host back on the network. */
export function reconnect(host: NetHost): void {
  ip('link', 'set', host.outerIf, 'up');
}

/** Removes the hosts' namespaces and pairs; never throws (it runs after failures). */
export function removeHosts(hosts: readonly NetHost[]): void {
  for (const h of hosts) {
    // Deleting the namespace deletes its end of the pair, and with it this end.
    spawnSync('ip', ['netns', 'delete', h.ns]);
    spawnSync('ip', ['link', 'delete', h.outerIf]);
  }
}

/** What runs a command on the host, put before it (`ip netns exec` execs it: the pid is the command's). */
export function onHost(host: NetHost): string[] {
  return ['ip', 'netns', 'exec', host.ns];
}
