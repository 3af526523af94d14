import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/ingest/article.js';
import { cleanArticle, groupParagraphs } from '../../src/ingest/clean.js';
import { parseFile } from '../../src/ingest/parse.js';
import { sampleFiles } from '../helpers/fixtures.js';

function cleanSample(name: string): Article {
  const [, text] = sampleFiles().find(([file]) => file === name)!;
  const { articles } = parseFile(name, Buffer.from(text));
  return cleanArticle(articles[0]);
}

const BOILERPLATE = [
  /^Live updates/,
  /Powered by automated translation/,
  /^Source link$/,
  /^Leave a Comment/,
  /Your email address will not be published/,
  /^Related Posts$/,
  /^\d+ of \d+$/,
  /^\(Reporting by/,
  /^Updated:/,
  /(Reuters|Getty Images|\[Getty\])$/,
];

describe('cleaning the sample articles', () => {
  const articles = sampleFiles().map(([name]) => cleanSample(name));

  it('keeps no boilerplate line, caption or credit as a paragraph', () => {
    for (const article of articles) {
      for (const paragraph of article.paragraphs) {
        for (const pattern of BOILERPLATE) expect(paragraph, `${article.id}: ${paragraph}`).not.toMatch(pattern);
      }
    }
  });

  it('drops related-story links and subheadings, and never repeats a paragraph', () => {
    const critical = cleanSample('002_4f8cf7e61b4d2281.txt');
    expect(critical.paragraphs).not.toContain('America vetoes UN Security Council resolution on Israel-Gaza war');
    for (const article of articles) expect(new Set(article.paragraphs).size).toBe(article.paragraphs.length);
  });

  it('takes the first line as the title and keeps it out of the paragraphs', () => {
    const article = cleanSample('004_9185147787dbf855.txt');
    expect(article.title).toBe('Mediators meet in Cairo in effort to resolve gaps on Gaza truce proposal');
    expect(article.paragraphs[0]).toMatch(/^CAIRO \(Reuters\) – U\.S\. and Israeli delegations/);
  });

  it('lifts "Updated:" lines into published and datelines and attributions into source', () => {
    const byId = Object.fromEntries(articles.map((article) => [article.id, article]));
    expect(byId['001_1494f7528b899f5e.txt'].published).toBe('2024-02-09');
    expect(byId['002_4f8cf7e61b4d2281.txt'].published).toBe('2024-02-22');
    expect(byId['004_9185147787dbf855.txt'].source).toBe('Reuters');
    expect(byId['000_b7aac3bda914c3f8.txt'].source).toBe('The National');
    expect(byId['003_bddda4342d365770.txt'].source).toBe('The New Arab');
  });

  it('splits one-paragraph-per-line text and blank-line text alike', () => {
    const perLine = cleanSample('000_b7aac3bda914c3f8.txt');
    const blankLines = cleanSample('001_1494f7528b899f5e.txt');
    expect(perLine.paragraphs).toHaveLength(17);
    // The cut-short copy's paragraphs are the full copy's, in the same order.
    expect(blankLines.paragraphs.slice(1, 17).map((p) => p.replace(/’/g, "'"))).toEqual(perLine.paragraphs.slice(0, 16).map((p) => p.replace(/’/g, "'")));
  });
});

describe('groupParagraphs', () => {
  it('joins hard-wrapped lines and splits lines that end sentences', () => {
    expect(groupParagraphs(['The talks went on', 'until late.', 'A second paragraph.', '', 'A third.'])).toEqual([
      'The talks went on until late.',
      'A second paragraph.',
      'A third.',
    ]);
  });
});

describe('metadata precedence', () => {
  it('prefers fields the input states over what the text suggests', () => {
    const article = cleanArticle({
      id: 'a',
      title: 'T',
      text: 'CAIRO (Reuters) – Something happened today in the city.\n\nUpdated: March 3, 2024, 1:00 PM',
      url: null,
      source: 'Ahram Online',
      published: '2024-01-05T10:00:00Z',
      path: null,
    });
    expect(article.source).toBe('Ahram Online');
    expect(article.published).toBe('2024-01-05');
    expect(article.paragraphs).toEqual(['CAIRO (Reuters) – Something happened today in the city.']);
  });
});

describe('short texts', () => {
  it('keeps a text of short unpunctuated lines, which has no body to be headings of', () => {
    const article = cleanArticle({ id: 'npl-1', title: null, text: 'compact memories have flexible capacities', url: null, source: null, published: null, path: null });
    expect(article.paragraphs).toEqual(['compact memories have flexible capacities']);
  });
});
