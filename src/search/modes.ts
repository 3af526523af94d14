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
