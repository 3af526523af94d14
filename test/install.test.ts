import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

const npm = (args: string[]) => spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
const npmVersion = npm(['--version']).stdout.trim();
// npm reads allowScripts from 11.16 on; older npm runs every install script and has no command to ask.
const readsAllowScripts = (() => {
  const [major, minor] = npmVersion.split('.').map(Number);
  return major > 11 || (major === 11 && minor >= 16);
})();

describe('installing newsq', () => {
  it.skipIf(!readsAllowScripts)(`leaves no dependency install script unreviewed in allowScripts (npm ${npmVersion})`, () => {
    const listed = npm(['install-scripts', 'ls', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ allowScripts: [] });
    expect(listed.stderr).toBe('');
  });

  it('runs newsq through npx with no warning on stderr', () => {
    const run = spawnSync('npx', ['newsq', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: newsq <command>/);
    expect(run.stderr).toBe('');
  });
});
