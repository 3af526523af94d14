import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { exposureWarning } from '../../src/cli/commands/serve.js';
import { sampleEngine } from '../helpers/engine.js';
import { ROOT, tempDir } from '../helpers/fixtures.js';

describe('exposureWarning', () => {
  it('warns when serving beyond loopback without an API key, and only then', () => {
    expect(exposureWarning({ host: '0.0.0.0', apiKey: undefined })).toMatch(/^serving on 0\.0\.0\.0 without an API key/);
    expect(exposureWarning({ host: '192.168.1.5', apiKey: undefined })).toMatch(/set NEWSQ_API_KEY$/);
    expect(exposureWarning({ host: '0.0.0.0', apiKey: 'k' })).toBeNull();
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(exposureWarning({ host, apiKey: undefined })).toBeNull();
  });
});

describe('shutdown', () => {
  it('exits within shutdownTimeoutMs of SIGTERM while a client trickles a request body', async () => {
    const dir = tempDir();
    await (await sampleEngine(dir)).close();
    // A real server process; the index was built by the fake model, so the server runs it too.
    const script = join(dir, 'serve-fake.mts');
    writeFileSync(
      script,
      `import { resolveConfig } from ${JSON.stringify(join(ROOT, 'src/config.ts'))};
import { createEngine } from ${JSON.stringify(join(ROOT, 'src/engine.ts'))};
import { serveIndex } from ${JSON.stringify(join(ROOT, 'src/cli/commands/serve.ts'))};
import { newsqOver } from ${JSON.stringify(join(ROOT, 'src/newsq.ts'))};
import { processContext } from ${JSON.stringify(join(ROOT, 'src/cli/context.ts'))};
import { createFakeEmbedder } from ${JSON.stringify(join(ROOT, 'test/helpers/fake-embedder.ts'))};
const config = resolveConfig({}, { indexDir: ${JSON.stringify(dir)}, port: 0, shutdownTimeoutMs: 1000 });
const engine = await createEngine(config, { writable: false, embedder: createFakeEmbedder() });
process.exitCode = await serveIndex(newsqOver(engine), config, processContext());
`,
    );
    const server = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => server.once('exit', resolve));
    const port = await new Promise<number>((resolve, reject) => {
      let output = '';
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /127\.0\.0\.1:(\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      server.once('exit', () => reject(new Error(`server exited: ${output}`)));
    });
    // Headers promise a body of 1,000 bytes; one byte arrives every 100 ms, for 100 s.
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
    const trickle = setInterval(() => socket.write(' '), 100);
    try {
      await sleep(300);
      const signalled = performance.now();
      server.kill('SIGTERM');
      const code = await Promise.race([exited, sleep(15_000).then(() => 'still running')]);
      expect(code).toBe(0);
      // The timeout, and the process's own exit after it.
      expect(performance.now() - signalled).toBeGreaterThanOrEqual(900);
      expect(performance.now() - signalled).toBeLessThan(8000);
    } finally {
      clearInterval(trickle);
      socket.destroy();
      server.kill('SIGKILL');
    }
  });
});
