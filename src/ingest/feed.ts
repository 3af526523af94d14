import { XMLParser } from 'fast-xml-parser';
import type { ArticleInput } from './article.js';
import { parseDate } from './dates.js';
import { htmlToText } from './html.js';

/** The items of a feed as articles, and the items that could not be (with why). */
export interface ParsedFeed {
  articles: ArticleInput[];
  skipped: { path: string; reason: string }[];
}

// Namespace prefixes dropped: `content:encoded` is `encoded`, `dc:date` is `date`, `rdf:RDF` is `RDF`.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) => name === 'item' || name === 'entry' || name === 'link',
});

type Node = Record<string, unknown>;

/**
 * Reads an RSS 2.0, RSS 1.0 (RDF) or Atom feed: each item an article, its title, link (as url),
 * GUID or id or link (as id), date, outlet (the item's `source`, else the feed's title) and text
 * (full content when the feed carries it, else the summary), HTML stripped. `location` names the
 * feed in ids made for items with neither GUID nor link, and in what is skipped; `path` is the
 * feed's file, when it is one.
 */
export function parseFeed(xml: string, location: string, path: string | null = null): ParsedFeed {
  let document: Node;
  try {
    document = parser.parse(xml, true) as Node;
  } catch (error) {
    return { articles: [], skipped: [{ path: location, reason: `not a well-formed feed: ${(error as Error).message.split('\n')[0]}` }] };
  }
  const rss = node(document.rss)?.channel;
  const rdf = node(document.RDF);
  const atom = node(document.feed);
  const channel = node(rss) ?? node(rdf?.channel) ?? atom;
  const items = (node(rss)?.item ?? rdf?.item ?? atom?.entry ?? []) as Node[];
  if (!channel && items.length === 0) return { articles: [], skipped: [{ path: location, reason: 'not an RSS or Atom feed (no channel, item or entry)' }] };
  const outlet = text(channel?.title);
  const result: ParsedFeed = { articles: [], skipped: [] };
  items.forEach((item, i) => {
    const where = `${location}#${i + 1}`;
    const url = link(item);
    const full = text(item.encoded) ?? text(item.content);
    const content = full ?? text(item.description) ?? text(item.summary) ?? '';
    const title = text(item.title);
    if (!title && !content.trim()) {
      result.skipped.push({ path: where, reason: 'feed item with neither a title nor text' });
      return;
    }
    const date = text(item.pubDate) ?? text(item.published) ?? text(item.updated) ?? text(item.date) ?? text(item.issued);
    result.articles.push({
      id: text(item.guid) ?? text(item.id) ?? text(item['@about']) ?? url ?? where,
      title: title ? plain(title) : null,
      text: htmlToText(content).trim(),
      url,
      source: text(item.source) ?? outlet,
      published: date ? parseDate(date) : null,
      path,
      location: where,
      ...(full === null && url ? { summary: true } : {}),
    });
  });
  return result;
}

function node(value: unknown): Node | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;
}

/** An element's text: its own string, or the text of an element with attributes; null when empty. */
function text(value: unknown): string | null {
  const raw = typeof value === 'string' ? value : typeof node(value)?.['#text'] === 'string' ? (node(value)!['#text'] as string) : null;
  return raw && raw.trim() ? raw.trim() : null;
}

/** The item's page: RSS `<link>` text, or the Atom link with rel alternate (or no rel). */
function link(item: Node): string | null {
  for (const candidate of (item.link as unknown[] | undefined) ?? []) {
    const href = node(candidate)?.['@href'];
    if (typeof href === 'string' && href.trim()) {
      const rel = node(candidate)?.['@rel'];
      if (rel === undefined || rel === 'alternate') return href.trim();
    } else if (text(candidate)) return text(candidate);
  }
  return null;
}

/** A title as text: feeds may carry markup or entities in it. */
function plain(title: string): string {
  return /[<&]/.test(title) ? htmlToText(title).replace(/\s+/g, ' ').trim() : title;
}
