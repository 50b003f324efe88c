/**
 * Dropped paths -> the files of a batch: folders expand to the files under them (sorted, hidden
 * ones skipped), optionally only some extensions. The desktop app's drops arrive as paths and
 * are checked here again on the main side: each must exist and be a file or folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';

/** Most files one drop may expand to. */
export const MAX_FILES = 100_000;

export interface ExpandedFiles {
  files: string[];
  /** Files left out by the extension filter, by extension (lower case, without dot). */
  skipped: Record<string, number>;
  /** Every extension found, with its count: the dialog's filter choices. */
  extensions: Record<string, number>;
}

export async function expandPaths(paths: readonly string[], extensions?: readonly string[]): Promise<ExpandedFiles> {
  const wanted = extensions && extensions.length > 0 ? new Set(extensions.map((e) => e.replace(/^\./, '').toLowerCase())) : null;
  const out: ExpandedFiles = { files: [], skipped: {}, extensions: {} };
  const take = (file: string): void => {
    const ext = extname(file).replace(/^\./, '').toLowerCase();
    out.extensions[ext] = (out.extensions[ext] ?? 0) + 1;
    if (wanted && !wanted.has(ext)) out.skipped[ext] = (out.skipped[ext] ?? 0) + 1;
    else out.files.push(file);
    if (out.files.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files: drop fewer folders at a time`);
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) take(path);
    }
  };
  for (const path of paths) {
    if (!isAbsolute(path)) throw new Error(`not an absolute path: ${path}`);
    let info;
    try {
      info = await stat(path);
    } catch {
      throw new Error(`no such file or folder: ${path}`);
    }
    if (info.isDirectory()) await walk(path);
    else if (info.isFile()) take(path);
    else throw new Error(`not a file or folder: ${path}`);
  }
  return out;
}
