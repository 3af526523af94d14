import type { Article } from '../../ingest/article.js';
import { Layout, Meta } from './layout.js';

/** An article as a readable page; paragraph n is anchored at `#pn`, so results can link to it. */
export function ArticlePage({ article }: { article: Article }) {
  return (
    <Layout title={`${article.title ?? article.id} – newsq`}>
      <article class="card reader">
        <h2>{article.title ?? article.id}</h2>
        <Meta parts={[article.source, article.published, article.path]} url={article.url} />
        {article.paragraphs.map((paragraph, i) => (
          <p id={`p${i}`}>{paragraph}</p>
        ))}
      </article>
    </Layout>
  );
}
