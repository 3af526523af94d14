import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES } from '../helpers/fixtures.js';
import { FRESH_CONNECTION, withServer } from '../helpers/server.js';

const BIN = join(ROOT, 'bin', 'newsq.js');
const JSON_HEADERS = { 'content-type': 'application/json', ...FRESH_CONNECTION };

interface Hit {
  score: number;
  article: { id: string };
}

/** The best dense hit a serving process gives for a text. */
async function topDense(url: string, query: string, k = 1): Promise<Hit[]> {
  const response = await fetch(`${url}/search`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ query, k, mode: 'dense' }), signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { results: Hit[] }).results;
}

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}/articles`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  expect(response.status, await response.clone().text()).toBe(200);
}

// Sentences no sample article comes near: each is found by itself alone, with a cosine near 1.
const SENTENCES = [
  'Quantum entanglement of hummingbird feathers was observed in Reykjavik laboratories.',
  'A submarine made of marzipan sank in Lake Titicaca during the chess festival.',
  'Seven okapis rehearsed an opera about saffron tariffs in a Lisbon greenhouse.',
  'The glacier museum lent its zeppelin collection to a bakery in Tromsø.',
  'Accordion tuners in Ulaanbaatar petitioned for a tax on neon spaghetti.',
];
const OTHER_SENTENCES = [
  'A llama choir recorded lullabies inside a decommissioned lighthouse near Valparaíso.',
  'Beekeepers in Tbilisi traded velvet umbrellas for a shipment of blue pumpkins.',
  'The harpsichord league banned titanium wigs after the Oslo tournament.',
];

describe('serve follows every write in dense search, with the real model', () => {
  let work: string;
  let index: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'newsq-follow-e2e-'));
    index = join(work, 'index');
    const run = spawnSync(process.execPath, [BIN, 'index', SAMPLES, '--index-dir', index, '--json'], { encoding: 'utf8', timeout: 180_000 });
    expect(run.status, run.stderr).toBe(0);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('through its own API: each write found at once, a removed one never again', async () => {
    await withServer(['serve', '--index-dir', index, '--port', '0'], {}, async (url) => {
      for (const [i, sentence] of SENTENCES.entries()) {
        // Every other write is many passages: more than one slice of the replay.
        const text = i % 2 === 0 ? sentence : [sentence, ...Array.from({ length: 40 }, (_, p) => `Appendix ${p} to report ${i} lists ferry timetables for island ${p}.`)].join('\n\n');
        await post(url, { id: `p${i}`, text });
        const [hit] = await topDense(url, sentence);
        expect(hit.article.id, `write ${i}`).toBe(`p${i}`);
        // A text's vector is the same embedded as a passage or as a question: a cosine of 1.
        expect(hit.score).toBeGreaterThan(0.9999);
      }
      for (const i of [0, 1]) {
        const removed = await fetch(`${url}/articles/p${i}`, { method: 'DELETE', headers: FRESH_CONNECTION, signal: AbortSignal.timeout(10_000) });
        expect(removed.status).toBe(200);
        for (let ask = 0; ask < 3; ask++) expect((await topDense(url, SENTENCES[i], 10)).map((hit) => hit.article.id)).not.toContain(`p${i}`);
      }
    });
  });

  it('from another process: each index run found at once', async () => {
    await withServer(['serve', '--index-dir', index, '--port', '0'], {}, async (url) => {
      for (const [i, sentence] of OTHER_SENTENCES.entries()) {
        const file = join(work, `other-${i}.txt`);
        writeFileSync(file, `Report ${i}\n\n${sentence}\n`);
        const run = spawnSync(process.execPath, [BIN, 'index', file, '--index-dir', index, '--json'], { encoding: 'utf8', timeout: 120_000 });
        expect(run.status, run.stderr).toBe(0);
        const [hit] = await topDense(url, sentence);
        expect(hit.article.id, `index run ${i}`).toBe(`other-${i}.txt`);
      }
    });
  });
});
