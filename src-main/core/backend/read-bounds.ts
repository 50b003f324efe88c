/**
 * How much of the stored results one read may hold: a reader of many results (the history's
 * backfill, a retry of many tasks) reads them in groups of bounded size, a larger one alone,
 * and does not read one over the hard limit at all.
 */

/**
 * Bytes of stored results read in one MGET at most: the keys of a SCAN batch are read in
 * groups within it (a result larger than it is read alone), so a reply holds this much, or one
 * result, never a whole batch of large ones.
 */
export const MAX_READ_BYTES = 8 * 1024 * 1024;
/** A stored result larger than this is not read (the reader says so): no meta Celery writes comes near it. */
export const MAX_META_BYTES = 64 * 1024 * 1024;

/**
 * Stored results in groups of at most MAX_READ_BYTES by their sizes (one larger result is a
 * group of its own), so no one read holds more; those over MAX_META_BYTES are left out and
 * passed to `tooLarge`.
 */
export function sizeGroups<T>(items: readonly T[], sizes: readonly number[], tooLarge: (item: T, bytes: number) => void): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  items.forEach((item, i) => {
    const n = sizes[i] ?? 0;
    if (n > MAX_META_BYTES) {
      tooLarge(item, n);
      return;
    }
    if (group.length > 0 && bytes + n > MAX_READ_BYTES) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(item);
    bytes += n;
  });
  if (group.length > 0) groups.push(group);
  return groups;
}
