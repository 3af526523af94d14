import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { NewsqError } from '../../errors.js';
import { writeFileAtomic } from './atomic-write.js';

// The lock itself: a SQLite write transaction held open on this file. The operating system
// releases it when its process ends, however it ends, so no lock is ever left stale, and two
// processes can never both take it: taking it is one atomic step.
const LOCK_DATABASE = 'write.lock.sqlite';
// Who holds it, for messages and for readers that ask whether a writer is at work.
const HOLDER_FILE = 'write.lock';

/** Held by the one process writing to an index; release it when done. */
export interface WriteLock {
  release(): void;
}

interface Holder {
  pid: number;
  since: string;
}

/**
 * Takes the index folder's write lock, or fails at once with `index_busy` naming the process that
 * holds it: two writers would interleave their syncs. A holder file left by a process that is gone
 * (killed, or crashed) is replaced, with a notice.
 */
export function acquireWriteLock(dir: string, onNotice?: (message: string) => void): WriteLock {
  mkdirSync(dir, { recursive: true });
  const holderPath = join(dir, HOLDER_FILE);
  // timeout 0: a lock another connection holds fails at once instead of waiting for it.
  const db = new Database(join(dir, LOCK_DATABASE), { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    throw busy(dir, readHolder(holderPath));
  }
  const previous = readHolder(holderPath);
  // A holder file naming another live process: a newsq that takes its lock by that file alone.
  if (previous && previous.pid !== process.pid && isAlive(previous.pid)) {
    db.close();
    throw busy(dir, previous);
  }
  if (previous && previous.pid !== process.pid) onNotice?.(`cleared a stale write lock left by pid ${previous.pid} in ${dir}`);
  writeFileAtomic(holderPath, JSON.stringify({ pid: process.pid, since: new Date().toISOString() } satisfies Holder));
  return {
    release: () => {
      if (!db.open) return;
      if (readHolder(holderPath)?.pid === process.pid) rmSync(holderPath, { force: true });
      db.close();
    },
  };
}

function busy(dir: string, holder: Holder | null): NewsqError {
  const who = holder && isAlive(holder.pid) ? `another newsq process (pid ${holder.pid}) has been writing to ${dir} since ${holder.since}` : `another newsq process is writing to ${dir}`;
  return new NewsqError('index_busy', `${who}; wait for it to finish, or stop it`);
}

/** Whether this process holds the folder's write lock. */
export function holdsWriteLock(dir: string): boolean {
  return readHolder(join(dir, HOLDER_FILE))?.pid === process.pid;
}

/** Whether another live process holds the folder's write lock (an `index` run at work). */
export function isWriteLocked(dir: string): boolean {
  const holder = readHolder(join(dir, HOLDER_FILE));
  return holder !== null && holder.pid !== process.pid && isAlive(holder.pid);
}

function readHolder(path: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid: unknown; since: unknown };
    return typeof holder.pid === 'number' ? { pid: holder.pid, since: String(holder.since) } : null;
  } catch {
    return null; // absent, or unreadable
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
