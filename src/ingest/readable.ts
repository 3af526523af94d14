import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';

/**
 * The HTML of a page's article as Mozilla's Readability finds it (on linkedom's DOM, no browser),
 * or null when it finds none. Pure: the page is parsed here and never fetched from.
 */
export function readableHtml(html: string): string | null {
  try {
    const { document } = parseHTML(html);
    // Readability reads the DOM standard's Document; linkedom's is a faithful subset of it.
    return new Readability(document as never).parse()?.content ?? null;
  } catch {
    return null;
  }
}
