import { XMLParser } from 'fast-xml-parser';
import { parseDate } from './dates.js';

/** A page a sitemap lists, with what a news sitemap says of it. */
export interface SitemapPage {
  url: string;
  title: string | null;
  published: string | null;
  source: string | null;
}

/** A sitemap's pages, or a sitemap index's sitemaps. */
export type Sitemap = { kind: 'pages'; pages: SitemapPage[] } | { kind: 'index'; sitemaps: string[] };

// `news:title` is `title` once namespace prefixes are dropped.
const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false, isArray: (name) => name === 'url' || name === 'sitemap' });

type Node = Record<string, unknown>;

/** Whether XML text is a sitemap or sitemap index, by its root element. */
export function isSitemap(xml: string): boolean {
  return /<(urlset|sitemapindex)\b/.test(xml.slice(0, 4096));
}

/**
 * Reads a sitemap (`<urlset>`, with the `news:` extension's title, publication date and
 * publication name when present) or a sitemap index (`<sitemapindex>`). Throws on malformed XML.
 */
export function parseSitemap(xml: string): Sitemap {
  const document = parser.parse(xml, true) as Node;
  const index = document.sitemapindex as Node | undefined;
  if (index) return { kind: 'index', sitemaps: ((index.sitemap as Node[] | undefined) ?? []).flatMap((entry) => text(entry.loc) ?? []) };
  const urls = ((document.urlset as Node | undefined)?.url as Node[] | undefined) ?? [];
  const pages = urls.flatMap((entry): SitemapPage[] => {
    const url = text(entry.loc);
    if (!url) return [];
    const news = (entry.news as Node | undefined) ?? {};
    const date = text(news.publication_date);
    return [{ url, title: text(news.title), published: date ? parseDate(date) : null, source: text((news.publication as Node | undefined)?.name) }];
  });
  return { kind: 'pages', pages };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}
