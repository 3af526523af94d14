import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { articleIdProblem, type ArticleInput } from './article.js';
import { parseFeed } from './feed.js';
import { htmlToDocument } from './html.js';
import { isSitemap } from './sitemap.js';

/** An input that could not be read as articles, with the reason. */
export interface Skipped {
  path: string;
  reason: string;
}

export interface ParsedFile {
  articles: ArticleInput[];
  skipped: Skipped[];
}

const { MAX_STRING_LENGTH } = constants;

/** File extensions newsq reads, by format. */
export const ARTICLE_EXTENSIONS = ['.txt', '.md', '.markdown', '.html', '.htm', '.json', '.jsonl', '.ndjson', '.rss', '.atom', '.rdf', '.xml'];

const nullableText = z
  .string({ error: 'must be a string or null' })
  .nullish()
  .transform((value) => value ?? null);
const text = z.string({ error: 'must be a string' }).optional();
const id = z
  .union([z.string(), z.number()], { error: 'must be a string or a number' })
  .optional()
  .superRefine((value, context) => {
    const problem = value === undefined ? null : articleIdProblem(String(value));
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

/** The article object of JSON and JSONL input, with the field names other tools export. */
export const articleObjectSchema = z
  .object(
    { id, _id: id, title: nullableText, text, body: text, content: text, url: nullableText, source: nullableText, published: nullableText },
    { error: 'must be an article object' },
  )
  .transform((value, context) => {
    // A headline alone (a flash, a brief) is an article: its title is its one passage.
    const text = value.text ?? value.body ?? value.content ?? '';
    if (!text.trim() && !value.title?.trim()) {
      context.addIssue({ code: 'custom', message: 'article has neither a title nor text (fields title, text, body or content)' });
      return z.NEVER;
    }
    const id = value.id ?? value._id;
    return { ...value, id: id === undefined ? undefined : String(id), text };
  });

/**
 * Reads the articles of one file. `path` is relative to the folder the user named and becomes the
 * article id when the content gives none. Never throws: what cannot be read is returned as skipped.
 */
export function parseFile(path: string, bytes: Uint8Array): ParsedFile {
  const extension = path.slice(path.lastIndexOf('.')).toLowerCase();
  // Lines are decoded one at a time: an export may be longer than the longest string JavaScript
  // can hold, and one bad line costs only itself.
  if (extension === '.jsonl' || extension === '.ndjson') {
    const unreadable = checkBytes(bytes);
    return unreadable ? { articles: [], skipped: [{ path, reason: unreadable }] } : parseJsonLines(path, bytes);
  }
  const decoded = decode(bytes);
  if (typeof decoded !== 'string') return { articles: [], skipped: [{ path, reason: decoded.reason }] };
  switch (extension) {
    case '.json':
      return parseJson(path, decoded);
    case '.rss':
    case '.atom':
    case '.rdf':
    case '.xml':
      if (isSitemap(decoded)) return { articles: [], skipped: [{ path, reason: 'a sitemap: name it to newsq index to fetch the pages it lists' }] };
      return parseFeed(decoded, path, path);
    case '.html':
    case '.htm': {
      const page = htmlToDocument(decoded);
      return single(path, { id: path, path, ...page });
    }
    default:
      return single(path, parsePlainText(path, decoded, extension !== '.txt'));
  }
}

/** Why a file's bytes cannot be text at all, or null. */
function checkBytes(bytes: Uint8Array): string | null {
  if (bytes.byteLength === 0) return 'empty file';
  if (bytes.subarray(0, 8192).includes(0)) return 'binary file (contains NUL bytes)';
  return null;
}

function decode(bytes: Uint8Array): string | { reason: string } {
  const unreadable = checkBytes(bytes);
  if (unreadable) return { reason: unreadable };
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\ufeff/, '');
    return text.trim() ? text : { reason: 'empty file (only white space)' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_STRING_TOO_LONG') return { reason: `too long to read as one text (JavaScript strings hold ${Math.floor(MAX_STRING_LENGTH / 1048576)}M characters); export it as JSON Lines, one article a line` };
    return { reason: 'not valid UTF-8 text' };
  }
}

function single(path: string, article: ArticleInput): ParsedFile {
  if (!article.text.trim() && !article.title?.trim()) return { articles: [], skipped: [{ path, reason: 'no title and no article text' }] };
  return { articles: [article], skipped: [] };
}

/** Plain text and Markdown: optional front matter, then the first non-empty line is the title. */
function parsePlainText(path: string, text: string, markdown: boolean): ArticleInput {
  const fields: Record<string, string> = {};
  let body = text;
  const frontMatter = /^---\n([\s\S]*?)\n---\n/.exec(text.replace(/\r\n?/g, '\n'));
  if (frontMatter) {
    for (const line of frontMatter[1].split('\n')) {
      const field = /^(\w+)\s*:\s*(.*)$/.exec(line);
      if (field) fields[field[1].toLowerCase()] = field[2].replace(/^["']|["']$/g, '').trim();
    }
    body = text.replace(/\r\n?/g, '\n').slice(frontMatter[0].length);
  }
  let title = fields.title ?? null;
  if (!title) {
    const lines = body.split(/\r?\n/);
    const first = lines.findIndex((line) => line.trim() !== '');
    title = lines[first].trim();
    if (markdown) title = title.replace(/^#+\s*/, '');
    body = lines.slice(first + 1).join('\n');
  }
  if (markdown) body = body.replace(/^#{1,6}\s+/gm, '').replace(/\*\*|__/g, '');
  return {
    id: fields.id ?? path,
    title,
    text: body,
    url: fields.url ?? null,
    source: fields.source ?? null,
    published: fields.published ?? fields.date ?? null,
    path,
  };
}

function parseJson(path: string, text: string): ParsedFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { articles: [], skipped: [{ path, reason: `invalid JSON: ${(error as Error).message}` }] };
  }
  const items = Array.isArray(value) ? value : [value];
  const result: ParsedFile = { articles: [], skipped: [] };
  items.forEach((item, index) => {
    const where = Array.isArray(value) ? `${path}[${index}]` : path;
    collect(result, where, Array.isArray(value) ? `${path}#${index}` : path, path, item);
  });
  return result;
}

function parseJsonLines(path: string, bytes: Uint8Array): ParsedFile {
  const result: ParsedFile = { articles: [], skipped: [] };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let index = 0; start < bytes.length; index++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    const where = `${path}:${index + 1}`;
    let line: string | null = null;
    try {
      line = decoder.decode(bytes.subarray(start, end));
    } catch {
      result.skipped.push({ path: where, reason: 'not valid UTF-8 text' });
    }
    start = end + 1;
    if (line === null || !line.trim()) continue;
    try {
      collect(result, where, `${path}#${index + 1}`, path, JSON.parse(line));
    } catch (error) {
      result.skipped.push({ path: where, reason: `invalid JSON: ${(error as Error).message}` });
    }
  }
  if (result.articles.length === 0 && result.skipped.length === 0) result.skipped.push({ path, reason: 'empty file (only white space)' });
  return result;
}

function collect(result: ParsedFile, where: string, fallbackId: string, path: string, item: unknown): void {
  const parsed = articleObjectSchema.safeParse(item);
  if (!parsed.success) {
    result.skipped.push({ path: where, reason: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'article'}: ${issue.message}`).join('; ') });
    return;
  }
  const { id, title, text, url, source, published } = parsed.data;
  result.articles.push({ id: id ?? fallbackId, title, text, url, source, published, path, location: where });
}

/** An article given as an object (the write API, the library); without an id it gets one derived from its content. */
export function articleFromObject(article: z.infer<typeof articleObjectSchema>): ArticleInput {
  const id = article.id ?? `api/${createHash('sha256').update(`${article.title ?? ''}\n${article.text}`).digest('hex').slice(0, 16)}`;
  return { id, title: article.title, text: article.text, url: article.url, source: article.source, published: article.published, path: null };
}
