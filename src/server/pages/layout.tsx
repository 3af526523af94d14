import type { Child } from 'hono/jsx';

// Everything the page needs is inline: it works offline, with no fonts, scripts or CDNs.
const STYLE = `
:root { color-scheme: light dark; --accent: #0b5cad; --muted: #666; --card: #fff; --bg: #f4f5f7; }
@media (prefers-color-scheme: dark) { :root { --accent: #7fb4ff; --muted: #aaa; --card: #1d1f23; --bg: #121316; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
header h1 { margin: .5rem 0 1rem; font-size: 1.4rem; }
header h1 a { color: inherit; text-decoration: none; }
form.search { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: 1rem; }
form.search input[type=search] { flex: 1 1 20rem; font-size: 1.05rem; padding: .6rem .7rem; }
form.search .filters { display: flex; flex-wrap: wrap; gap: .5rem; width: 100%; font-size: .9rem; }
form.search .filters label { display: flex; gap: .3rem; align-items: center; }
input, button, select { font: inherit; border: 1px solid #8886; border-radius: .4rem; padding: .4rem .5rem; background: var(--card); color: inherit; }
button { background: var(--accent); color: #fff; border: 0; padding: .6rem 1rem; cursor: pointer; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.card { background: var(--card); border-radius: .6rem; padding: .9rem 1.1rem; margin: 0 0 .9rem; box-shadow: 0 1px 3px #0002; }
.card h2 { font-size: 1.05rem; margin: 0 0 .2rem; }
.card a { color: var(--accent); }
.meta, .also, .summary { color: var(--muted); font-size: .88rem; margin: 0 0 .4rem; }
.text { margin: .3rem 0; }
.coverage { margin: 0 0 1rem; }
.timeline { margin: 0 0 .3rem; }
.timeline svg { display: block; width: 100%; height: 5rem; }
.timeline rect { fill: var(--accent); }
.timeline a:hover rect, .timeline a:focus rect { fill: #e6b800; }
.timeline .axis { stroke: var(--muted); stroke-width: 1; }
.timeline figcaption { display: flex; justify-content: space-between; color: var(--muted); font-size: .8rem; }
.outlets { font-size: .88rem; margin: 0; }
.outlets a { color: var(--accent); }
a.paragraph { color: var(--muted); font-size: .88rem; text-decoration: none; }
mark { background: #ffe58a; color: #000; padding: 0 .1rem; border-radius: .15rem; }
.error { background: #fde8e8; color: #7a1010; padding: .7rem 1rem; border-radius: .5rem; }
article.reader p { scroll-margin-top: 2rem; }
article.reader p:target { background: #ffe58a55; outline: 2px solid #e6b800; border-radius: .3rem; }
`;

/** The page around every screen: title, inline style, a header that links home. */
export function Layout(props: { title: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <main>
          <header>
            <h1>
              <a href="/">newsq</a>
            </h1>
          </header>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A line of article facts (outlet · date · …) and, for a web address, a link to the original. */
export function Meta({ parts, url }: { parts: (string | null)[]; url: string | null }) {
  const link = safeUrl(url);
  return (
    <p class="meta">
      {parts.filter(Boolean).join(' · ')}
      {link ? (
        <>
          {' · '}
          <a href={link} rel="noopener noreferrer">
            original
          </a>
        </>
      ) : null}
    </p>
  );
}

/** An article's URL if it is a web address; `javascript:` and other schemes are never linked. */
export function safeUrl(url: string | null): string | null {
  return url && /^https?:\/\//i.test(url) ? url : null;
}
