/**
 * How well newsq finds an article's text in a page: by markup alone (the page's `<article>` or
 * `<main>`, else its body, navigation and asides dropped) against Mozilla's Readability (on
 * linkedom's DOM), what `htmlToDocument` uses, falling back to markup when it finds nothing. Each
 * sample article is wrapped in page layouts a newsroom's site has: a plain `<article>`; a layout of
 * `<div>`s with navigation, a related-links sidebar, comments and a cookie notice; a "most read"
 * list and a newsletter box inside the article; comments inside the article. Per extractor and
 * layout: the share of the article's paragraphs found (recall) and the share of the extracted
 * paragraphs that are the article's (precision), over the sample articles.
 *
 *   npx tsx scripts/extract-quality.ts
 */
import { readSources } from '../src/read-sources.js';
import { cleanArticle } from '../src/ingest/clean.js';
import { htmlToDocument, textByMarkup } from '../src/ingest/html.js';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const paragraphsHtml = (paragraphs: string[]) => paragraphs.map((p) => `<p>${escape(p)}</p>`).join('\n');
const NAV = '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a> <a href="/opinion">Opinion</a></nav>';
const RELATED = '<div class="related"><h3>Related stories</h3><ul><li><a href="/1">Oil prices climb as supply worries grow</a></li><li><a href="/2">Election results delayed in three states</a></li></ul></div>';
const COMMENTS = '<div class="comments"><h3>Comments (2)</h3><div class="comment"><p>This is the best coverage I have read on the subject, thank you.</p></div><div class="comment"><p>I disagree with the premise of this piece entirely.</p></div></div>';
const MOST_READ = '<div class="most-read"><h4>Most read</h4><ol><li><a href="/3">Ten recipes for a quick dinner</a></li><li><a href="/4">Weather warning issued for the weekend</a></li></ol></div>';
const NEWSLETTER = '<div class="newsletter"><p>Sign up to our daily newsletter for the top stories in your inbox every morning.</p></div>';
const COOKIES = '<div class="cookie-banner"><p>We use cookies to improve your experience. By continuing you agree to our policy.</p></div>';

const LAYOUTS: Record<string, (title: string, paragraphs: string[]) => string> = {
  'plain article': (title, paragraphs) => `<html><head><title>${escape(title)}</title></head><body>${NAV}<article><h1>${escape(title)}</h1>${paragraphsHtml(paragraphs)}</article><footer>© Example News</footer></body></html>`,
  'divs, sidebar, comments': (title, paragraphs) =>
    `<html><head><title>${escape(title)}</title></head><body>${COOKIES}<div id="header">${NAV}</div><div id="content"><div class="story"><h1>${escape(title)}</h1>${paragraphsHtml(paragraphs)}</div>${RELATED}${COMMENTS}</div><div id="footer"><p>© Example News. All rights reserved. Contact us at newsroom@example.com for corrections.</p></div></body></html>`,
  'blocks inside the article': (title, paragraphs) => {
    const middle = Math.ceil(paragraphs.length / 2);
    return `<html><head><title>${escape(title)}</title></head><body>${NAV}<main><article><h1>${escape(title)}</h1>${paragraphsHtml(paragraphs.slice(0, middle))}${MOST_READ}${NEWSLETTER}${paragraphsHtml(paragraphs.slice(middle))}</article></main></body></html>`;
  },
  'comments inside the article': (title, paragraphs) => `<html><head><title>${escape(title)}</title></head><body>${NAV}<article><h1>${escape(title)}</h1>${paragraphsHtml(paragraphs)}${COMMENTS}${RELATED}</article></body></html>`,
};

type Extractor = (html: string) => string;
const EXTRACTORS: Record<string, Extractor> = {
  'markup alone': textByMarkup,
  'Readability (htmlToDocument)': (html) => htmlToDocument(html).text,
};

const normalize = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();
const articles = readSources([join(ROOT, 'data', 'articles')])[0].articles.map((input) => cleanArticle(input));

console.log(['layout'.padEnd(28), ...Object.keys(EXTRACTORS).map((name) => `${name} recall / precision`.padEnd(40))].join(''));
for (const [layout, page] of Object.entries(LAYOUTS)) {
  const cells = Object.values(EXTRACTORS).map((extract) => {
    let found = 0;
    let expected = 0;
    let extractedTrue = 0;
    let extracted = 0;
    for (const article of articles) {
      const truth = new Set(article.paragraphs.map(normalize));
      const got = extract(page(article.title ?? '', article.paragraphs))
        .split(/\n{2,}/)
        .map(normalize)
        .filter((p) => p && p !== normalize(article.title ?? ''));
      const gotSet = new Set(got);
      found += [...truth].filter((p) => gotSet.has(p)).length;
      expected += truth.size;
      extractedTrue += got.filter((p) => truth.has(p)).length;
      extracted += got.length;
    }
    return `${(found / expected).toFixed(3)} / ${(extractedTrue / Math.max(1, extracted)).toFixed(3)}`.padEnd(40);
  });
  console.log([layout.padEnd(28), ...cells].join(''));
}
