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
