import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/fixtures.js';
import { getJson, withServer } from './helpers/server.js';

// Packing, installing (dependencies from the registry the machine has, native modules compiled)
// and the model's first conversion take minutes on 2 cores.
const MINUTES = 60_000;

interface PackedFile {
  path: string;
  size: number;
}

/** Runs a command to its end; fails the test with its output if it fails. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 10 * MINUTES });
  expect(result.status, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** The README's library example: the code block of its "Use as a library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use as a library'));
  return /```ts\n([\s\S]*?)```/.exec(section)![1];
}

describe('the packed package, installed into an empty folder', () => {
  it(
    'holds only what runs, and gives a working npx newsq and import',
    async () => {
      const work = tempDir('newsq-package-');
      // `npm test` built dist/ just before (pretest): packing without `prepare` leaves it in place
      // for the tests running beside this one, which run the CLI from it.
      const [packed] = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)) as { filename: string; size: number; unpackedSize: number; files: PackedFile[] }[];
      const paths = packed.files.map((file) => file.path);
      expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/newsq.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'data/articles/000_b7aac3bda914c3f8.txt']));
      const unwanted = paths.filter((path) => /^(test|scripts|bench|index|docs|src)\/|\.map$|\.test\.|fixtures|\.sqlite|\.hnsw/.test(path));
      expect(unwanted).toEqual([]);
      // The size the README states stays true (within a quarter).
      const stated = /package is about (\d+) kB \((\d+) kB unpacked\)/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))!;
      expect(packed.size / 1000 / Number(stated[1])).toBeGreaterThan(0.75);
      expect(packed.size / 1000 / Number(stated[1])).toBeLessThan(1.25);
      expect(packed.unpackedSize / 1000 / Number(stated[2])).toBeGreaterThan(0.75);
      expect(packed.unpackedSize / 1000 / Number(stated[2])).toBeLessThan(1.25);

      // A user's project: npm 12 runs the install scripts its package.json allows, as the README says.
      const project = join(work, 'project');
      mkdirSync(project);
      const allowScripts = { 'better-sqlite3': true, 'hnswlib-node': true, 'onnxruntime-node': false, protobufjs: false };
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'newsq-user', private: true, type: 'module', allowScripts }));
      run('npm', ['install', '--no-audit', '--no-fund', join(work, packed.filename)], project);
      // A cache of the user's own: the model is converted from the npm weights here, as on a clean machine.
      const env = { NEWSQ_CACHE_DIR: join(work, 'cache'), NEWSQ_INDEX_DIR: join(project, 'index') };

      const samples = join(project, 'node_modules', 'newsq', 'data', 'articles');
      const indexed = JSON.parse(run('npx', ['newsq', 'index', samples, '--json'], project, env)) as { articles: number; added: number };
      expect(indexed).toMatchObject({ articles: 5, added: 5 });
      const answer = JSON.parse(run('npx', ['newsq', 'query', 'What is the Philadelphi Corridor?', '--k', '1', '--json'], project, env)) as { results: { answer: string }[] };
      expect(answer.results[0].answer).toMatch(/Philadelphi Corridor is a narrow 14-kilometre strip/);

      await withServer(
        ['start'],
        { ...env, PORT: '0' },
        async (url) => {
          expect(await getJson(`${url}/health`)).toMatchObject({ status: 'ok', articles: 5, passages: 96 });
        },
        { command: ['npx', 'newsq'], cwd: project },
      );

      // The README's example, type-checked by tsc against the installed package's types, then run.
      writeFileSync(join(project, 'example.ts'), readmeExample());
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, skipLibCheck: true, types: [] }, files: ['example.ts'] }),
      );
      run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], project);
      const output = run(process.execPath, ['example.js'], project);
      expect(output).toMatch(/^wire-1 Egypt fears a ground offensive in Rafah would push Palestinians across the border into Sinai\. \[ \{ source: 'Example Wire', count: 1 \} \]\n200\n$/);
    },
    20 * MINUTES,
  );
});
