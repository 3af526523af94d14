// newsq as a library: `import { openNewsq } from 'newsq'`.
export { openNewsq, type ArticleObject, type FollowSettings, type IndexOptions, type Newsq, type OpenOptions } from './newsq.js';
export type { Follower, PollReport } from './follow.js';
export { errorCodes, isNewsqError, NewsqError, type ErrorCode } from './errors.js';
export type { Config, ConfigInput } from './config.js';
export type { IndexStats } from './engine.js';
export type { Article } from './ingest/article.js';
export type { Coverage, OutletCount, Timeline, TimelineBucket } from './search/coverage.js';
export type { SearchGroup, SearchMode, SearchSort, TimelineOption, TimelineUnit } from './search/modes.js';
export type { ResultPassage, SearchOptions, SearchResponse, SearchResult } from './search/search.js';
export type { AppOptions } from './server/app.js';
export type { ArticleSummary, FeedState } from './store/store.js';
export type { SyncProgress, SyncSummary } from './sync.js';
