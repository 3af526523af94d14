import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './fixtures.js';

const BIN = join(ROOT, 'bin', 'newsq.js');

/**
 * Headers for requests to a test server sent after a pause: each on its own connection. A kept
 * connection left idle for the server's keep-alive timeout (5 s) can be closed by the server just
 * as the client sends on it, and the request then fails with "other side closed".
 */
export const FRESH_CONNECTION = { connection: 'close' };

/** GETs a URL on the test server and parses its JSON, within 10 s. */
export async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: FRESH_CONNECTION, signal: AbortSignal.timeout(10_000) });
  return response.json();
}

/**
 * Runs a serving newsq command, waits for its URL, runs `check`, and always stops the server. By
 * default the repository's bin runs; `launcher` runs another command before `args` (`npx newsq`),
 * in its own process group, so that stopping it stops the server it started.
 */
export async function withServer(
  args: string[],
  env: Record<string, string>,
  check: (url: string, output: string) => Promise<void>,
  launcher?: { command: string[]; cwd: string },
): Promise<void> {
  const [command, ...prefix] = launcher?.command ?? [process.execPath, BIN];
  const server = spawn(command, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, cwd: launcher?.cwd, detached: Boolean(launcher) });
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 90_000);
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
    await check(url, output);
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      if (launcher) process.kill(-server.pid!, 'SIGTERM');
      else server.kill('SIGTERM');
      await exited;
    }
  }
}
