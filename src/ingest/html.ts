import { readableHtml } from './readable.js';

/** What an HTML page yields: its title, metadata from meta tags, and its text by paragraph. */
export interface HtmlDocument {
  title: string | null;
  source: string | null;
  published: string | null;
  url: string | null;
  text: string;
}

const DROPPED_ELEMENTS = /<(script|style|noscript|template|svg|nav|header|footer|aside|form|figure|figcaption|iframe|button)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK_END = /<\/(p|div|h[1-6]|li|blockquote|section|article|tr|pre)\s*>|<br\s*\/?>/gi;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“' };

/**
 * Reads an HTML page: its title and metadata from its meta tags, and its article's text by
 * paragraph, as Mozilla's Readability finds the article (navigation, related links, comments and
 * boxes left out); a page it finds nothing in is read whole, markup dropped.
 */
export function htmlToDocument(html: string): HtmlDocument {
  const meta = (property: string): string | null => {
    const tag = new RegExp(`<meta\\b[^>]*(?:property|name)=["']${property}["'][^>]*>`, 'i').exec(html);
    const content = tag && /content=["']([^"']*)["']/i.exec(tag[0]);
    return content ? decodeEntities(content[1]).trim() || null : null;
  };
  const titleTag = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  const heading = /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  const title = meta('og:title') ?? textOf(heading?.[1]) ?? textOf(titleTag?.[1]);
  const article = readableHtml(html);
  return {
    title,
    source: meta('og:site_name'),
    published: meta('article:published_time') ?? meta('date'),
    url: meta('og:url'),
    text: article === null ? textByMarkup(html) : htmlToText(article),
  };
}

/** A page's text by its markup alone: its `<article>` or `<main>`, else its body. */
export function textByMarkup(html: string): string {
  const bodyMatch = /<body\b[^>]*>([\s\S]*)<\/body>/i.exec(html);
  const mainMatch = /<(article|main)\b[^>]*>([\s\S]*)<\/\1>/i.exec(bodyMatch?.[1] ?? html);
  return htmlToText(mainMatch?.[2] ?? bodyMatch?.[1] ?? html);
}

/**
 * The text of an HTML fragment by paragraph (blank lines between blocks): comments, scripts,
 * navigation, captions and the `<h1>` headline dropped, entities decoded.
 */
export function htmlToText(fragment: string): string {
  const body = fragment.replace(/<!--[\s\S]*?-->/g, '').replace(DROPPED_ELEMENTS, '').replace(/<h1\b[^>]*>[\s\S]*?<\/h1>/gi, '');
  return decodeEntities(body.replace(BLOCK_END, '\n\n').replace(/<[^>]+>/g, ' '))
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .join('\n');
}

function textOf(fragment: string | undefined): string | null {
  if (!fragment) return null;
  return decodeEntities(fragment.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() || null;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}
