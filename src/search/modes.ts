/** Which retrievers answer: both fused (the default), or one alone. */
export const SEARCH_MODES = ['hybrid', 'dense', 'lexical'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];

export function isSearchMode(value: string): value is SearchMode {
  return (SEARCH_MODES as readonly string[]).includes(value);
}

/** What a result is: one passage (the default), or one article with its best passages. */
export const SEARCH_GROUPS = ['passage', 'article'] as const;
export type SearchGroup = (typeof SEARCH_GROUPS)[number];

export function isSearchGroup(value: string): value is SearchGroup {
  return (SEARCH_GROUPS as readonly string[]).includes(value);
}

/** How results are ordered: by relevance (the default), or newest first among the matching articles. */
export const SEARCH_SORTS = ['relevance', 'newest'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export function isSearchSort(value: string): value is SearchSort {
  return (SEARCH_SORTS as readonly string[]).includes(value);
}

/** The spans a coverage timeline counts articles by; `auto` picks one by the dates' range. */
export const TIMELINE_UNITS = ['day', 'week', 'month', 'year'] as const;
export type TimelineUnit = (typeof TIMELINE_UNITS)[number];
export const TIMELINE_OPTIONS = ['auto', ...TIMELINE_UNITS] as const;
export type TimelineOption = (typeof TIMELINE_OPTIONS)[number];

export function isTimelineOption(value: string): value is TimelineOption {
  return (TIMELINE_OPTIONS as readonly string[]).includes(value);
}
