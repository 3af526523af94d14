import { readFileSync, readdirSync } from 'node:fs';
import { parseFile } from './dist/ingest/parse.js';
import { cleanArticle } from './dist/ingest/clean.js';
for (const f of readdirSync('data/articles')) {
  const { articles, skipped } = parseFile(f, readFileSync('data/articles/' + f));
  for (const a of articles) { const c = cleanArticle(a); console.log('===', c.id, '|', c.title, '|', c.source, '|', c.published, '|', c.paragraphs.length);
    c.paragraphs.forEach((p, i) => console.log(i, p.slice(0, 110))); }
  if (skipped.length) console.log(skipped);
}
