import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSources } from '../src/read-sources.js';
import type { SyncSource } from '../src/sync.js';
import { ROOT, tempDir } from './helpers/fixtures.js';

describe('readSources', () => {
  it('walks folders recursively, visiting each real folder once even through a symlink loop', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'top.txt'), 'Top title\n\nTop body.');
    writeFileSync(join(dir, 'a', 'b', 'deep.md'), '# Deep\n\nDeep body.');
    writeFileSync(join(dir, 'a', 'image.png'), 'not an article');
    writeFileSync(join(dir, '.hidden.txt'), 'Hidden\n\nbody');
    symlinkSync(dir, join(dir, 'a', 'b', 'loop'));
    const [source] = readSources([dir]);
    expect(source.articles.map((a) => a.id).sort()).toEqual(['a/b/deep.md', 'top.txt']);
    expect(source.skipped).toEqual([]);
  });

  it('reports a huge single-article file instead of reading it', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'huge.txt'), '');
    truncateSync(join(dir, 'huge.txt'), 50 * 1024 * 1024);
    writeFileSync(join(dir, 'ok.txt'), 'Fine\n\nA body.');
    const [source] = readSources([dir]);
    expect(source.articles.map((a) => a.id)).toEqual(['ok.txt']);
    expect(source.skipped).toEqual([{ path: 'huge.txt', reason: 'file too large (50 MB; the limit for .txt is 16 MB)' }]);
  });

  it('reports a named pipe instead of waiting on it forever, and reads the rest', () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'pipe.txt')]);
    writeFileSync(join(dir, 'ok.txt'), 'Fine\n\nA body.');
    // In a child process: a read that blocks on the pipe would stop this one for good.
    const module = pathToFileURL(join(ROOT, 'dist', 'read-sources.js')).href;
    const script = `const { readSources } = await import(${JSON.stringify(module)}); console.log(JSON.stringify(readSources(process.argv.slice(1))));`;
    const read = (path: string) => {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script, path], { encoding: 'utf8', timeout: 10_000 });
      expect(run.status, run.stderr || 'timed out').toBe(0);
      return (JSON.parse(run.stdout) as SyncSource[])[0];
    };
    const folder = read(dir);
    expect(folder.articles.map((a) => a.id)).toEqual(['ok.txt']);
    expect(folder.skipped).toEqual([{ path: 'pipe.txt', reason: 'not a regular file (a named pipe)' }]);
    expect(read(join(dir, 'pipe.txt')).skipped).toEqual([{ path: 'pipe.txt', reason: 'not a regular file (a named pipe)' }]);
  });

  it('reports a named file of an unsupported type', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'photo.jpg'), 'x');
    const [source] = readSources([join(dir, 'photo.jpg')]);
    expect(source.skipped[0].reason).toMatch(/^unsupported file type "\.jpg"/);
  });
});
