import { readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { NewsqError } from './errors.js';
import { ARTICLE_EXTENSIONS, parseFile, type Skipped } from './ingest/parse.js';
import type { SyncSource } from './sync.js';

// Exports are large; single articles are not. Past these sizes a file is reported, not read.
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_EXPORT_BYTES = 1024 * 1024 * 1024;

/**
 * Reads the articles of each file or folder the user named. Folders are walked recursively
 * (hidden entries skipped, each real folder visited once, so symlink loops end); files of other
 * types inside a folder are ignored, but a file named directly must be readable as articles.
 */
export function readSources(paths: string[]): SyncSource[] {
  return paths.map((given) => {
    const origin = resolve(given);
    let stats;
    try {
      stats = statSync(origin);
    } catch {
      throw new NewsqError('unreadable_input', `cannot read ${given}: no such file or folder`);
    }
    const source: SyncSource = { origin, articles: [], skipped: [] };
    if (stats.isDirectory()) {
      for (const file of walk(origin, isArticleFile)) readInto(source, file, relative(origin, file).split(sep).join('/'));
    } else {
      readInto(source, origin, basename(origin), true);
    }
    return source;
  });
}

/** The files in a folder, recursively, that `accept` takes by name, in name order, with their paths relative to it. */
export function filesIn(folder: string, accept: (name: string) => boolean): { file: string; path: string }[] {
  const origin = resolve(folder);
  return [...walk(origin, accept)].map((file) => ({ file, path: relative(origin, file).split(sep).join('/') }));
}

function isArticleFile(name: string): boolean {
  return ARTICLE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function* walk(folder: string, accept: (name: string) => boolean, visited = new Set<string>()): Generator<string> {
  const real = realpathSync(folder);
  if (visited.has(real)) return;
  visited.add(real);
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(folder, entry.name);
    let isDirectory = entry.isDirectory();
    if (entry.isSymbolicLink()) {
      try {
        isDirectory = statSync(path).isDirectory();
      } catch {
        continue; // a dangling link
      }
    }
    if (isDirectory) yield* walk(path, accept, visited);
    else if (accept(entry.name)) yield path;
  }
}

function readInto(source: SyncSource, file: string, path: string, named = false): void {
  const skip = (reason: string): void => {
    source.skipped.push({ path, reason } satisfies Skipped);
  };
  const extension = extname(file).toLowerCase();
  if (named && !ARTICLE_EXTENSIONS.includes(extension)) {
    return skip(`unsupported file type "${extension || basename(file)}" (newsq reads ${ARTICLE_EXTENSIONS.join(' ')})`);
  }
  try {
    const stats = statSync(file);
    // A named pipe, socket or device would block the read, or never end.
    if (!stats.isFile()) return skip(`not a regular file (${describeKind(stats)})`);
    const size = stats.size;
    const limit = extension === '.jsonl' || extension === '.ndjson' || extension === '.json' ? MAX_EXPORT_BYTES : MAX_FILE_BYTES;
    if (size > limit) return skip(`file too large (${Math.round(size / 1048576)} MB; the limit for ${extension} is ${limit / 1048576} MB)`);
    const parsed = parseFile(path, readFileSync(file));
    source.articles.push(...parsed.articles);
    source.skipped.push(...parsed.skipped);
  } catch (error) {
    skip(`cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function describeKind(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}
