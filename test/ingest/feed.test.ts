import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../src/ingest/feed.js';
import { parseFile } from '../../src/ingest/parse.js';

const RSS2 = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Example Wire</title>
    <link>https://wire.example/</link>
    <item>
      <title>Egypt warns against a Rafah offensive</title>
      <link>https://wire.example/rafah</link>
      <guid isPermaLink="false">wire-1001</guid>
      <pubDate>Tue, 20 Feb 2024 23:30:00 -0500</pubDate>
      <description>A short summary.</description>
      <content:encoded><![CDATA[<p>Egypt fears a ground offensive in Rafah.</p><p>Cairo says it would push people into Sinai &amp; beyond.</p>]]></content:encoded>
    </item>
    <item>
      <title>Markets &amp; shares close higher</title>
      <link>https://wire.example/markets</link>
      <source url="https://other.example/rss">Other Outlet</source>
      <dc:date>2024-02-21T08:00:00Z</dc:date>
      <description>&lt;p&gt;Stocks rose&amp;nbsp;on Tuesday.&lt;/p&gt;</description>
    </item>
    <item><link>https://wire.example/empty</link></item>
  </channel>
</rss>`;

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Atom News</title>
  <entry>
    <title type="html">Talks resume in &lt;em&gt;Cairo&lt;/em&gt;</title>
    <link rel="self" href="https://atom.example/api/1"/>
    <link rel="alternate" type="text/html" href="https://atom.example/talks"/>
    <id>tag:atom.example,2024:1</id>
    <updated>2024-03-01T10:00:00+02:00</updated>
    <summary>Negotiators met again.</summary>
    <content type="html">&lt;p&gt;Negotiators met again in Cairo on Friday.&lt;/p&gt;</content>
  </entry>
</feed>`;

const RDF = `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/"><title>RDF Daily</title></channel>
  <item rdf:about="https://rdf.example/story">
    <title>Ceasefire proposal</title>
    <link>https://rdf.example/story</link>
    <description>Mediators put forward a proposal.</description>
    <dc:date>2024-01-05</dc:date>
  </item>
</rdf:RDF>`;

describe('parseFeed', () => {
  it('reads RSS 2.0: full content over the summary, GUID as id, the channel or the item’s source as outlet, the date as written', () => {
    const { articles, skipped } = parseFeed(RSS2, 'wire.rss', 'wire.rss');
    expect(articles).toHaveLength(2);
    expect(articles[0]).toMatchObject({
      id: 'wire-1001',
      title: 'Egypt warns against a Rafah offensive',
      url: 'https://wire.example/rafah',
      source: 'Example Wire',
      published: '2024-02-20',
      path: 'wire.rss',
      location: 'wire.rss#1',
    });
    expect(articles[0].text).toBe('Egypt fears a ground offensive in Rafah.\n\nCairo says it would push people into Sinai & beyond.');
    expect(articles[1]).toMatchObject({ id: 'https://wire.example/markets', title: 'Markets & shares close higher', source: 'Other Outlet', published: '2024-02-21' });
    expect(articles[1].text).toBe('Stocks rose on Tuesday.');
    expect(skipped).toEqual([{ path: 'wire.rss#3', reason: 'feed item with neither a title nor text' }]);
  });

  it('reads Atom: the alternate link, the entry id, markup in titles stripped', () => {
    const [entry] = parseFeed(ATOM, 'atom.xml').articles;
    expect(entry).toMatchObject({ id: 'tag:atom.example,2024:1', title: 'Talks resume in Cairo', url: 'https://atom.example/talks', source: 'Atom News', published: '2024-03-01', path: null });
    expect(entry.text).toBe('Negotiators met again in Cairo on Friday.');
  });

  it('reads RSS 1.0 (RDF)', () => {
    const [item] = parseFeed(RDF, 'daily.rdf').articles;
    expect(item).toMatchObject({ id: 'https://rdf.example/story', title: 'Ceasefire proposal', source: 'RDF Daily', published: '2024-01-05', text: 'Mediators put forward a proposal.' });
  });

  it('reports malformed XML and XML that is no feed, and reads nothing from them', () => {
    const broken = parseFeed('<rss><channel><item><title>Cut', 'cut.rss');
    expect(broken.articles).toEqual([]);
    expect(broken.skipped[0].reason).toMatch(/^not a well-formed feed: /);
    expect(parseFeed('<?xml version="1.0"?><config><key>v</key></config>', 'settings.xml')).toEqual({
      articles: [],
      skipped: [{ path: 'settings.xml', reason: 'not an RSS or Atom feed (no channel, item or entry)' }],
    });
  });
});

describe('parseFile with feeds', () => {
  it('reads .rss, .atom, .rdf and .xml files as feeds', () => {
    expect(parseFile('feeds/wire.rss', Buffer.from(RSS2)).articles.map((a) => a.id)).toEqual(['wire-1001', 'https://wire.example/markets']);
    expect(parseFile('feeds/news.xml', Buffer.from(ATOM)).articles[0].path).toBe('feeds/news.xml');
    expect(parseFile('feeds/daily.rdf', Buffer.from(RDF)).articles).toHaveLength(1);
    expect(parseFile('feeds/empty.atom', Buffer.from('')).skipped).toEqual([{ path: 'feeds/empty.atom', reason: 'empty file' }]);
    expect(parseFile('site/sitemap.xml', Buffer.from('<?xml version="1.0"?><urlset><url><loc>https://a.example/1</loc></url></urlset>')).skipped).toEqual([
      { path: 'site/sitemap.xml', reason: 'a sitemap: name it to newsq index to fetch the pages it lists' },
    ]);
  });
});
