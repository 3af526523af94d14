import type { ResultPassage, SearchResponse, SearchResult } from '../../search/search.js';
import { CoverageView, type SearchForm } from './coverage.js';
import { Layout, Meta } from './layout.js';

export interface SearchPageProps {
  /** What the form shows: the question and filters as the user gave them. */
  form: SearchForm;
  response?: SearchResponse;
  error?: string;
}

/** The search page: a form (a GET to `/`, so every search is a shareable link) and result cards. */
export function SearchPage({ form, response, error }: SearchPageProps) {
  const title = form.q ? `${form.q} – newsq` : 'newsq';
  return (
    <Layout title={title}>
      <form class="search" method="get" action="/" role="search">
        <input type="search" name="q" value={form.q} placeholder="Ask a question about the news" aria-label="Question" autofocus required maxlength={2000} />
        <button type="submit">Search</button>
        <div class="filters">
          <label>
            Outlet <input name="source" value={form.source} size={14} />
          </label>
          <label>
            From <input type="date" name="from" value={form.from} />
          </label>
          <label>
            To <input type="date" name="to" value={form.to} />
          </label>
          <label>
            <input type="checkbox" name="group" value="article" checked={form.group === 'article'} /> By article
          </label>
          <label>
            <input type="checkbox" name="sort" value="newest" checked={form.sort === 'newest'} /> Newest first
          </label>
        </div>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {response?.coverage ? <CoverageView coverage={response.coverage} form={form} /> : null}
      {response ? <Results response={response} /> : null}
    </Layout>
  );
}

function Results({ response }: { response: SearchResponse }) {
  if (response.results.length === 0) return <p class="summary">No passages found.</p>;
  return (
    <section aria-label="Results">
      <p class="summary">
        {response.results.length} {response.group === 'article' ? (response.results.length === 1 ? 'article' : 'articles') : 'passages'} in {response.tookMs} ms
      </p>
      {response.results.map((result) => (
        <Card result={result} />
      ))}
    </section>
  );
}

function Card({ result }: { result: SearchResult }) {
  const { article } = result;
  const link = (passage: ResultPassage) => `/articles/${encodeURIComponent(article.id)}#p${passage.paragraph}`;
  // Grouped by article: the article once, then each of its best passages with its paragraph.
  const passages = result.passages ?? [result];
  return (
    <article class="card" data-rank={result.rank}>
      <h2>
        <a href={link(result)}>{article.title ?? article.id}</a>
      </h2>
      <Meta parts={[article.source, article.published, result.passages ? null : `¶${result.paragraph}`]} url={article.url} />
      {passages.map((passage) => (
        <Passage passage={passage} link={result.passages ? link(passage) : null} />
      ))}
    </article>
  );
}

function Passage({ passage, link }: { passage: ResultPassage; link: string | null }) {
  const { text, answerStart, answerEnd } = passage;
  return (
    <>
      <p class="text">
        {link ? (
          <a class="paragraph" href={link}>
            ¶{passage.paragraph}
          </a>
        ) : null}
        {link ? ' ' : null}
        {text.slice(0, answerStart)}
        <mark>{text.slice(answerStart, answerEnd)}</mark>
        {text.slice(answerEnd)}
      </p>
      {passage.alsoIn.length > 0 ? (
        <p class="also">
          Also in:{' '}
          {passage.alsoIn.map((copy, i) => (
            <>
              {i > 0 ? '; ' : ''}
              <a href={`/articles/${encodeURIComponent(copy.id)}`}>{[copy.title ?? copy.id, copy.source].filter(Boolean).join(', ')}</a>
            </>
          ))}
        </p>
      ) : null}
    </>
  );
}
