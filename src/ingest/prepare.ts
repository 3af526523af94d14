import { createHash } from 'node:crypto';
import type { Article, ArticleInput, PassageDraft } from './article.js';
import { cleanArticle } from './clean.js';
import { splitPassages, type WindowOptions } from './split.js';

/** An article ready to embed: cleaned and split into passages. */
export interface PreparedArticle {
  article: Article;
  passages: PassageDraft[];
}

/** The hash that tells a changed article from an unchanged one: of every input field. */
export function hashInput(input: ArticleInput): string {
  const { id, title, text, url, source, published, path } = input;
  return createHash('sha256').update(JSON.stringify([id, title, text, url, source, published, path])).digest('hex');
}

/** Cleans an article and splits it into passages that fit the model. */
export function prepareArticle(input: ArticleInput, windows: WindowOptions): PreparedArticle {
  const article = cleanArticle(input);
  return { article, passages: splitPassages(article.paragraphs, windows) };
}
