import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireWriteLock } from '../../src/store/sqlite/write-lock.js';
import { ROOT, tempDir } from '../helpers/fixtures.js';

// A process that waits until a given moment, tries to take the lock, says whether it got it, and
// holds it a little while: two of them started together race for the same lock.
const CONTENDER = `
const { acquireWriteLock } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'store', 'sqlite', 'write-lock.js')).href)});
const [dir, at] = process.argv.slice(1);
while (Date.now() < Number(at));
try {
  const lock = acquireWriteLock(dir);
  process.stdout.write('got');
  setTimeout(() => lock.release(), 300);
} catch (error) {
  process.stdout.write(error.code === 'index_busy' ? 'busy' : String(error));
}`;

function contend(dir: string, at: number): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CONTENDER, dir, String(at)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', () => resolve(output)));
}

describe('the write lock', () => {
  it('goes to exactly one of two processes racing for a lock a dead process left', async () => {
    const dir = tempDir();
    // A pid no process has: the lock left by a writer that was killed.
    const dead = 2 ** 22 + 12345;
    for (let trial = 0; trial < 12; trial++) {
      writeFileSync(join(dir, 'write.lock'), JSON.stringify({ pid: dead, since: '2026-01-01T00:00:00.000Z' }));
      const at = Date.now() + 600;
      const outcomes = (await Promise.all([contend(dir, at), contend(dir, at)])).sort();
      expect(outcomes, `trial ${trial}`).toEqual(['busy', 'got']);
    }
  });

  it('is refused to a second taker in the same process, and free again once released', () => {
    const dir = tempDir();
    const first = acquireWriteLock(dir);
    expect(() => acquireWriteLock(dir)).toThrow(/another newsq process \(pid \d+\) has been writing to/);
    first.release();
    acquireWriteLock(dir).release();
  });
});
