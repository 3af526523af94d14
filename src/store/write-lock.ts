import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NewsqError } from '../errors.js';

const LOCK_FILE = 'write.lock';

/** Held by the one process writing to an index; release it when done. */
export interface WriteLock {
  release(): void;
}

/**
 * Takes the index folder's write lock, or fails at once with `index_busy` naming the process that
 * holds it: two writers would interleave their syncs. A lock whose process is gone (killed, or
 * crashed) is stale: it is cleared, with a notice, and taken.
 */
export function acquireWriteLock(dir: string, onNotice?: (message: string) => void): WriteLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const content = JSON.stringify({ pid: process.pid, since: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, content, { flag: 'wx' });
      return { release: () => releaseIfOurs(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(path);
    if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new NewsqError('index_busy', `another newsq process (pid ${holder.pid}) has been writing to ${dir} since ${holder.since}; wait for it to finish, or stop it`);
    }
    onNotice?.(`cleared a stale write lock${holder ? ` left by pid ${holder.pid}` : ''} in ${dir}`);
    rmSync(path, { force: true });
  }
  throw new NewsqError('index_busy', `could not take the write lock of ${dir}: another process keeps taking it`);
}

/** Whether this process holds the folder's write lock. */
export function holdsWriteLock(dir: string): boolean {
  return readHolder(join(dir, LOCK_FILE))?.pid === process.pid;
}

/** Whether another live process holds the folder's write lock (an `index` run at work). */
export function isWriteLocked(dir: string): boolean {
  const holder = readHolder(join(dir, LOCK_FILE));
  return holder !== null && holder.pid !== process.pid && isAlive(holder.pid);
}

function readHolder(path: string): { pid: number; since: string } | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid: unknown; since: unknown };
    return typeof holder.pid === 'number' ? { pid: holder.pid, since: String(holder.since) } : null;
  } catch {
    return null; // unreadable or half-written by a process that died: stale
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseIfOurs(path: string): void {
  if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
}
