/** An article as read from a file or a request, before cleaning. */
export interface ArticleInput {
  id: string;
  title: string | null;
  text: string;
  url: string | null;
  source: string | null;
  published: string | null;
  /** Where it was read from, relative to the folder given; null when it came from no file. */
  path: string | null;
  /** Where in its file, for messages: `feed.jsonl:12`, `export.json[3]`; else its path. */
  location?: string;
  /** The text is a feed's summary of the page at `url`, not the article (`index --fetch-pages` reads the page). */
  summary?: boolean;
}

/** Longest article id, in characters. */
export const MAX_ID_LENGTH = 1024;

/**
 * Why a string cannot be an article id, or null when it can. Every id must be reachable at
 * `/articles/{id}` and printable on one line: not empty, not too long, no control characters.
 */
export function articleIdProblem(id: string): string | null {
  if (!id.trim() || id.length > MAX_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(id)) {
    return `must be 1 to ${MAX_ID_LENGTH} characters, not only spaces, with no control characters (such as a newline or a tab)`;
  }
  return null;
}

/** A cleaned article: metadata filled in, text split into paragraphs of article text. */
export interface Article {
  id: string;
  title: string | null;
  source: string | null;
  /** ISO date (`YYYY-MM-DD`) when one is known. */
  published: string | null;
  path: string | null;
  url: string | null;
  paragraphs: string[];
}

/** The unit of retrieval: one paragraph, or one window of a paragraph too long for the model. */
export interface PassageDraft {
  /** 0-based index of the paragraph in its article. */
  paragraph: number;
  /** 0-based index of the window within the paragraph (0 when the paragraph fits). */
  window: number;
  text: string;
  /** The passage's sentences (one span for the whole text when it is one sentence). */
  sentences: SentenceSpan[];
}

/** A sentence of a text and its character offsets: `text.slice(start, end)` is the sentence. */
export interface SentenceSpan {
  start: number;
  end: number;
}
