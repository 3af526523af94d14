import { describe, expect, it } from 'vitest';
import { parseFile } from '../../src/ingest/parse.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseFile', () => {
  it('reads Markdown with front matter, stripping heading marks', () => {
    const { articles } = parseFile('notes/a.md', bytes('---\ntitle: "Front title"\nsource: Ahram\ndate: 2024-05-01\n---\n# Heading line\n\nBody **text** here.\n'));
    expect(articles).toEqual([
      { id: 'notes/a.md', title: 'Front title', text: 'Heading line\n\nBody text here.\n', url: null, source: 'Ahram', published: '2024-05-01', path: 'notes/a.md' },
    ]);
  });

  it('reads HTML: title and main text kept, scripts, navigation and captions dropped', () => {
    const html = `<html><head><title>Site | Page</title><meta property="og:title" content="Real &amp; title">
      <meta property="og:site_name" content="The Outlet"><meta property="article:published_time" content="2024-03-02T08:00:00Z">
      <script>var x = "<p>not text</p>";</script><style>p{}</style></head>
      <body><nav>Home | World</nav><article><h1>Real title</h1><p>First paragraph &ldquo;quoted&rdquo;.</p>
      <figure><img src=x><figcaption>A caption. Reuters</figcaption></figure><p>Second<br>line.</p></article>
      <footer>Copyright</footer></body></html>`;
    const [article] = parseFile('page.html', bytes(html)).articles;
    expect(article.title).toBe('Real & title');
    expect(article.source).toBe('The Outlet');
    expect(article.published).toBe('2024-03-02T08:00:00Z');
    const text = article.text.replace(/\s+/g, ' ').trim();
    expect(text).toBe('First paragraph “quoted”. Second line.');
  });

  it('reads a JSON array of article objects with the field names other tools export', () => {
    const json = JSON.stringify([
      { _id: 7, title: 'A', body: 'Body A.' },
      { id: 'b', title: 'B', content: 'Content B.', url: 'https://example.org/b', published: '2024-01-01' },
      { title: 'A headline alone' },
      { source: 'neither title nor text' },
    ]);
    const { articles, skipped } = parseFile('export.json', bytes(json));
    expect(articles.map((a) => [a.id, a.text, a.url, a.location])).toEqual([
      ['7', 'Body A.', null, 'export.json[0]'],
      ['b', 'Content B.', 'https://example.org/b', 'export.json[1]'],
      ['export.json#2', '', null, 'export.json[2]'],
    ]);
    expect(skipped).toEqual([{ path: 'export.json[3]', reason: 'article: article has neither a title nor text (fields title, text, body or content)' }]);
  });

  it('skips an article whose id no route could reach, naming the line', () => {
    const lines = [{ id: '', text: 'Empty id.' }, { id: 'two\nlines', text: 'Newline.' }, { id: 'x'.repeat(1025), text: 'Long.' }, { id: 'fine id', text: 'Kept.' }];
    const { articles, skipped } = parseFile('ids.jsonl', bytes(lines.map((line) => JSON.stringify(line)).join('\n')));
    expect(articles.map((a) => a.id)).toEqual(['fine id']);
    expect(skipped.map((s) => s.path)).toEqual(['ids.jsonl:1', 'ids.jsonl:2', 'ids.jsonl:3']);
    for (const { reason } of skipped) expect(reason).toMatch(/^id: must be 1 to 1024 characters, not only spaces, with no control characters/);
  });

  it('reads JSONL line by line, reporting each bad line with its number', () => {
    const { articles, skipped } = parseFile('feed.jsonl', bytes('{"id":"x","text":"One."}\n{broken\n\n{"text":"Two."}\n'));
    expect(articles.map((a) => a.id)).toEqual(['x', 'feed.jsonl#4']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].path).toBe('feed.jsonl:2');
    expect(skipped[0].reason).toMatch(/^invalid JSON/);
  });

  it('reads JSON Lines a line at a time: a line of bad bytes is skipped alone, a byte order mark ignored', () => {
    const lines = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      bytes('{"id":"a","text":"One."}\r\n'),
      Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d, 0x0a]), // {"text":"\xe9"} in Latin-1
      bytes('{"id":"c","text":"Three, café."}'),
    ]);
    const { articles, skipped } = parseFile('feed.ndjson', lines);
    expect(articles.map((a) => [a.id, a.text])).toEqual([
      ['a', 'One.'],
      ['c', 'Three, café.'],
    ]);
    expect(skipped).toEqual([{ path: 'feed.ndjson:2', reason: 'not valid UTF-8 text' }]);
    expect(parseFile('blank.jsonl', bytes('\n  \n')).skipped).toEqual([{ path: 'blank.jsonl', reason: 'empty file (only white space)' }]);
  });

  it.each([
    ['empty.txt', Buffer.alloc(0), 'empty file'],
    ['blank.txt', bytes(' \n\t\n'), 'empty file (only white space)'],
    ['binary.txt', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x10]), 'binary file (contains NUL bytes)'],
    ['latin1.txt', Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x65, 0x77, 0x73]), 'not valid UTF-8 text'],
    ['bad.json', bytes('{"title": '), 'invalid JSON'],
  ])('reports %s as skipped with its reason', (path, content, reason) => {
    const { articles, skipped } = parseFile(path, content);
    expect(articles).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0].path).toBe(path);
    expect(skipped[0].reason.startsWith(reason)).toBe(true);
  });
});
