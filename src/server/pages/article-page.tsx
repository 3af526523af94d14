import type { Article } from '../../ingest/article.js';
import { Layout, safeUrl } from './layout.js';

/** An article as a readable page; paragraph n is anchored at `#pn`, so results can link to it. */
export function ArticlePage({ article }: { article: Article }) {
  const meta = [article.source, article.published, article.path].filter(Boolean).join(' · ');
  return (
    <Layout title={`${article.title ?? article.id} – newsq`}>
      <article class="card reader">
        <h2>{article.title ?? article.id}</h2>
        <p class="meta">
          {meta}
          {safeUrl(article.url) ? (
            <>
              {' · '}
              <a href={safeUrl(article.url)!} rel="noopener noreferrer">
                original
              </a>
            </>
          ) : null}
        </p>
        {article.paragraphs.map((paragraph, i) => (
          <p id={`p${i}`}>{paragraph}</p>
        ))}
      </article>
    </Layout>
  );
}
