/**
 * What was dropped (or chosen): files with their paths relative to what was dropped, folders
 * walked. In the desktop app each file has its real path; in a browser each has its File, to be
 * uploaded to the server's staging folder when the batch starts.
 */
import Papa from 'papaparse';
import { call, pathForFile, serverPath, serverToken } from './client.js';

export interface DroppedEntry {
  /** Relative path as dropped (folder/sub/file.jpg), for display and for the staging folder. */
  rel: string;
  ext: string;
  /** The real path (desktop, or after upload). */
  path?: string;
  /** The file to upload (browser). */
  file?: File;
}

const extOf = (name: string): string => (/\.([^./]+)$/.exec(name)?.[1] ?? '').toLowerCase();

/** Entries of a FileSystemDirectoryEntry, all of them (readEntries returns them in chunks). */
async function readDirectory(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (chunk.length === 0) return all;
    all.push(...chunk);
  }
}

async function walk(entry: FileSystemEntry, out: DroppedEntry[]): Promise<void> {
  if (entry.name.startsWith('.')) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ rel: entry.fullPath.replace(/^\//, ''), ext: extOf(entry.name), file });
  } else if (entry.isDirectory) {
    const children = await readDirectory(entry as FileSystemDirectoryEntry);
    children.sort((a, b) => a.name.localeCompare(b.name));
    for (const child of children) await walk(child, out);
  }
}

/** Reads a drop: real paths expanded by the back end (desktop), or files walked here (browser). */
export async function readDrop(dt: DataTransfer): Promise<DroppedEntry[]> {
  const files = [...dt.files];
  const paths = files.map((f) => pathForFile(f)).filter((p): p is string => p !== null);
  if (paths.length > 0) return expandPaths(paths);
  const out: DroppedEntry[] = [];
  const entries = [...dt.items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  for (const e of entries) await walk(e, out);
  // Drops made by scripts carry files but no entries: take the files as they are.
  if (entries.length === 0) return files.filter((f) => !f.name.startsWith('.')).map((file) => ({ rel: file.name, ext: extOf(file.name), file }));
  return out;
}

/** Files chosen with an <input type=file> (webkitdirectory gives relative paths). */
export async function readChosen(list: FileList): Promise<DroppedEntry[]> {
  const files = [...list];
  const paths = files.map((f) => pathForFile(f)).filter((p): p is string => p !== null);
  if (paths.length > 0) return expandPaths(paths);
  return files.filter((f) => !f.name.startsWith('.')).map((file) => ({ rel: file.webkitRelativePath || file.name, ext: extOf(file.name), file }));
}

async function expandPaths(paths: string[]): Promise<DroppedEntry[]> {
  const { files } = await call('files:expand', { paths });
  return files.map((path) => ({ rel: path, ext: extOf(path), path }));
}

/** A CSV or JSONL file dropped alone: one task per row. */
export function isTable(entries: DroppedEntry[]): boolean {
  return entries.length === 1 && ['csv', 'jsonl', 'ndjson'].includes(entries[0]!.ext) && Boolean(entries[0]!.file);
}

/** The rows of a CSV (a header line names the columns) or JSONL (one object per line) file. */
export async function readRows(file: File): Promise<{ columns: string[]; rows: Array<Record<string, unknown>> }> {
  const text = await file.text();
  if (/\.(jsonl|ndjson)$/i.test(file.name)) {
    const rows = text.split(/\r?\n/).filter((l) => l.trim()).map((line, i) => {
      try {
        const v = JSON.parse(line) as unknown;
        if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        return v as Record<string, unknown>;
      } catch (err) {
        throw new Error(`line ${i + 1} of ${file.name} is not a JSON object: ${(err as Error).message}`);
      }
    });
    return { columns: [...new Set(rows.flatMap((r) => Object.keys(r)))], rows };
  }
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  if (parsed.errors.length > 0) throw new Error(`${file.name}, row ${(parsed.errors[0]!.row ?? 0) + 1}: ${parsed.errors[0]!.message}`);
  return { columns: parsed.meta.fields ?? [], rows: parsed.data };
}

/**
 * Uploads the entries that have no path yet into one staging folder on the server, four at a
 * time. @returns the entries with their paths there
 */
export async function uploadEntries(entries: DroppedEntry[], onProgress: (done: number, total: number) => void): Promise<DroppedEntry[]> {
  const staging = crypto.randomUUID();
  const out = entries.slice();
  let next = 0;
  let done = 0;
  const work = async (): Promise<void> => {
    while (next < out.length) {
      const i = next++;
      const e = out[i]!;
      if (e.path || !e.file) {
        done++;
        continue;
      }
      const res = await fetch(`${serverPath('upload')}?staging=${staging}&path=${encodeURIComponent(e.rel)}`, { method: 'POST', headers: { 'X-Celeriac-Token': serverToken() }, body: e.file });
      const body = (await res.json()) as { path?: string; error?: string };
      if (!res.ok || !body.path) throw new Error(`uploading ${e.rel} failed: ${body.error ?? res.status}`);
      out[i] = { ...e, path: body.path };
      onProgress(++done, out.length);
    }
  };
  await Promise.all([work(), work(), work(), work()]);
  return out;
}

/**
 * Puts fixed files in place of the staged copies that batch items failed on (the browser
 * cannot change the file the server reads otherwise): each chosen file replaces the staged
 * input of the same name. @returns the staged paths replaced, and the ones no file matched
 */
export async function replaceStaged(stagedInputs: string[], chosen: File[]): Promise<{ replaced: string[]; unmatched: string[] }> {
  const byName = new Map(chosen.map((f) => [f.name, f]));
  const replaced: string[] = [];
  const unmatched: string[] = [];
  for (const staged of stagedInputs) {
    const file = byName.get(staged.split(/[\\/]/).pop() ?? '');
    if (!file) {
      unmatched.push(staged);
      continue;
    }
    const res = await fetch(`${serverPath('upload')}?replace=${encodeURIComponent(staged)}`, { method: 'POST', headers: { 'X-Celeriac-Token': serverToken() }, body: file });
    if (!res.ok) throw new Error(`uploading ${file.name} failed: ${((await res.json().catch(() => ({}))) as { error?: string }).error ?? res.status}`);
    replaced.push(staged);
  }
  return { replaced, unmatched };
}

/** A link that downloads the Tasks filter as CSV or JSON lines, streamed by `celeriac serve`. */
export function exportUrl(query: string, format: 'csv' | 'jsonl'): string {
  return `${serverPath('export')}?format=${format}&q=${encodeURIComponent(query)}&token=${encodeURIComponent(serverToken())}`;
}

/** A link that downloads a staged file (a batch's output written next to its uploaded input). */
export function downloadUrl(path: string): string {
  return `${serverPath('download')}?path=${encodeURIComponent(path)}&token=${encodeURIComponent(serverToken())}`;
}

