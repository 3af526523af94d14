import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfigSources } from '../src/config.js';
import { ROOT, tempDir } from './helpers/fixtures.js';

describe('config', () => {
  it('layers defaults < file < environment < flags, and says where each value came from', () => {
    const file = { path: 'newsq.config.json', values: { defaultK: 7, port: 9000, indexDir: 'from-file', search: { denseWeight: 0.5 } } };
    const { config, sources } = resolveConfigSources({ PORT: '9100', NEWSQ_INDEX_DIR: 'from-env' }, { indexDir: 'from-flag' }, file);
    expect(config).toMatchObject({ defaultK: 7, port: 9100, indexDir: 'from-flag', search: { denseWeight: 0.5, rrfK: 60 } });
    expect(sources).toMatchObject({ defaultK: 'file', port: 'env', indexDir: 'flag', 'search.denseWeight': 'file', 'search.rrfK': 'default', dtype: 'default' });
  });

  it('NEWSQ_DATABASE_URL chooses the PostgreSQL store, keeping the file\'s other settings for it', () => {
    const url = 'postgres://newsq@db.example/archive';
    expect(resolveConfigSources({ NEWSQ_DATABASE_URL: url }, {}).config.store).toEqual({ kind: 'postgres', url, claimSeconds: 30, claimPassages: 256 });
    const file = { path: 'f', values: { store: { kind: 'postgres', url: 'postgres://elsewhere/x', claimSeconds: 5 } } };
    expect(resolveConfigSources({ NEWSQ_DATABASE_URL: url }, {}, file).config.store).toEqual({ kind: 'postgres', url, claimSeconds: 5, claimPassages: 256 });
    expect(resolveConfigSources({ NEWSQ_DATABASE_URL: url }, {}, { path: 'f', values: { store: { kind: 'sqlite' } } }).config.store).toMatchObject({ kind: 'postgres', url });
    expect(() => resolveConfigSources({ NEWSQ_DATABASE_URL: 'mysql://x' }, {})).toThrow(/postgres:\/\/ URL/);
  });

  it('rejects unknown and invalid settings, naming them', () => {
    expect(() => resolveConfigSources({}, {}, { path: 'f', values: { defaultk: 7 } })).toThrow(/defaultk/);
    expect(() => resolveConfigSources({}, {}, { path: 'f', values: { search: { denseWeight: 2 } } })).toThrow(/denseWeight|too big/i);
    expect(() => resolveConfigSources({ PORT: 'eighty' }, {})).toThrow();
  });

  it('newsq config prints the effective config from newsq.config.json in the working folder', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'newsq.config.json'), JSON.stringify({ defaultK: 9, hnsw: { efSearch: 128 } }));
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'newsq.js'), 'config', '--json', '--dtype', 'fp32'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NEWSQ_API_KEY: 'secret' } });
    expect(run.status, run.stderr).toBe(0);
    const { config, sources, file } = JSON.parse(run.stdout);
    expect(config).toMatchObject({ defaultK: 9, dtype: 'fp32', apiKey: '(set)', hnsw: { efSearch: 128, m: 16 } });
    expect(sources).toMatchObject({ defaultK: 'file', dtype: 'flag', apiKey: 'env', 'hnsw.efSearch': 'file', 'hnsw.m': 'default' });
    expect(file).toBe(join(dir, 'newsq.config.json'));
    writeFileSync(join(dir, 'newsq.config.json'), '{"defaultk": 9}');
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin', 'newsq.js'), 'config'], { cwd: dir, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^newsq config: invalid setting defaultk/);
  });
});
