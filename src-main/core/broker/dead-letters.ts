import type { Redis } from 'ioredis';
import { CeleriacError } from '../errors.js';
import { DEAD_LETTERS, DEAD_LETTERS_DROPPED } from '../keys.js';
import { decodeTaskMessage } from '../protocol/decode.js';
import { callScript, registerScripts } from '../scripts.js';
import { ScriptResult } from '../script-results.js';
import { priorityListKey } from './publisher.js';
import type { DeadLetter } from './qos.js';

/** A dead letter as listed: its index (0 = newest) and, when decodable, the task it carries. */
export interface ListedDeadLetter extends DeadLetter {
  index: number;
  task: string | null;
  id: string | null;
}

/** Whether a stored entry is the one a caller means. */
type Matches = (stored: string) => boolean;
const anyEntry: Matches = () => true;

/** The dead-letter list: messages no worker could run, kept with the reason. */
export class DeadLetters {
  constructor(private readonly redis: Redis) {
    registerScripts(redis, new URL('./lua/', import.meta.url));
  }

  count(): Promise<number> {
    return this.redis.llen(DEAD_LETTERS);
  }

  /** How many were pushed out of the full list, oldest first, ever. */
  async dropped(): Promise<number> {
    return Number((await this.redis.get(DEAD_LETTERS_DROPPED)) ?? 0);
  }

  /** Entries `start`..`start + limit - 1`, newest first. */
  async list(start = 0, limit = 50): Promise<ListedDeadLetter[]> {
    const raws = await this.stored(start, limit);
    return raws.map((raw, i) => listedOf(raw, start + i));
  }

  /** Entries `start`..`start + limit - 1` as stored (listedOf reads one), newest first. */
  stored(start = 0, limit = 50): Promise<string[]> {
    return this.redis.lrange(DEAD_LETTERS, start, start + limit - 1);
  }

  /**
   * Puts the message of entry `index` back on its queue (at the back), e.g. once a worker that
   * knows its task runs. `matches` says whether the entry at `index` is still the one meant
   * (the control room names it by a hash of what it showed): the script then acts only on
   * that very entry. @throws CeleriacError when there is no such entry, it moved, or it has no queue
   */
  async requeue(index: number, matches: Matches = anyEntry): Promise<ListedDeadLetter> {
    const [raw, entry] = await this.read(index, matches);
    if (!entry.queue) throw new CeleriacError(`dead letter ${index} does not say which queue it came from; drop it or send it again by hand`, 'E_DEAD_NO_QUEUE');
    const decoded = decodeTaskMessage(entry.raw);
    const list = priorityListKey(entry.queue, decoded.ok ? decoded.message.priority : 0);
    if ((await callScript<number>(this.redis, 'requeueDead', [DEAD_LETTERS, list], [index, raw, entry.raw])) !== ScriptResult.Done) throw moved(index);
    return { ...entry, index, task: decoded.ok ? decoded.message.task : null, id: decoded.ok ? decoded.message.id : null };
  }

  /** Deletes entry `index` (if it still `matches`: see requeue). */
  async drop(index: number, matches: Matches = anyEntry): Promise<void> {
    const [raw] = await this.read(index, matches);
    if ((await callScript<number>(this.redis, 'dropDead', [DEAD_LETTERS], [index, raw])) !== ScriptResult.Done) throw moved(index);
  }

  /** Deletes every entry. @returns how many there were */
  async dropAll(): Promise<number> {
    const [[, n]] = (await this.redis.multi().llen(DEAD_LETTERS).del(DEAD_LETTERS).exec()) as [[null, number], [null, number]];
    return n;
  }

  private async read(index: number, matches: Matches): Promise<[string, DeadLetter]> {
    const raw = await this.redis.lindex(DEAD_LETTERS, index);
    if (raw === null) throw new CeleriacError(`there is no dead letter ${index}; \`celeriac dead list\` shows them`, 'E_DEAD_NOT_FOUND');
    if (!matches(raw)) throw moved(index);
    return [raw, parseEntry(raw)];
  }
}

/** A stored dead-letter entry as listed at `index`. */
export function listedOf(stored: string, index: number): ListedDeadLetter {
  const entry = parseEntry(stored);
  const decoded = decodeTaskMessage(entry.raw);
  return { ...entry, index, task: decoded.ok ? decoded.message.task : null, id: decoded.ok ? decoded.message.id : null };
}

function parseEntry(raw: string): DeadLetter {
  try {
    const e = JSON.parse(raw) as Partial<DeadLetter>;
    return { reason: String(e.reason ?? 'unknown'), detail: String(e.detail ?? ''), raw: String(e.raw ?? ''), queue: String(e.queue ?? ''), time: Number(e.time ?? 0), worker: e.worker };
  } catch {
    return { reason: 'unreadable_entry', detail: 'the dead-letter entry is not JSON', raw, queue: '', time: 0 };
  }
}

function moved(index: number): CeleriacError {
  return new CeleriacError(`dead letter ${index} moved or changed while we looked (new ones arrived): list them again and retry`, 'E_DEAD_MOVED');
}
