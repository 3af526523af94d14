import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/fixtures.js';
import { withServer } from '../helpers/server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
// Chromium's own network chatter is refused on these machines: turn it off.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const EGYPT_REASONS = /forced to flee across the border into its Sinai|“liquidate” the Palestinian cause|like Egypt and other stakeholders, fear that ground operations in Rafah/;

describe('the web page in a real browser (Debian chromium, headless)', () => {
  let work: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'newsq-browser-'));
    if (existsSync(CHROMIUM)) browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('searches by keyboard, shows passages with their sources, links deep, and escapes input', async (context) => {
    if (!browser) return context.skip(`${CHROMIUM} is not installed (.ci/run installs it with apt)`);
    await withServer(['start'], { PORT: '0', NEWSQ_INDEX_DIR: join(work, 'index') }, async (url) => {
      const page = await browser!.newPage({ viewport: { width: 412, height: 915 } });
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });

      await page.goto(url);
      await page.keyboard.type('why does Egypt oppose a Rafah offensive');
      await page.keyboard.press('Enter');
      await page.waitForSelector('article.card');
      expect(new URL(page.url()).searchParams.get('q')).toBe('why does Egypt oppose a Rafah offensive');
      const cards = await page.locator('article.card').evaluateAll((nodes) =>
        nodes.map((node) => ({ text: node.querySelector('.text')?.textContent ?? '', meta: node.querySelector('.meta')?.textContent ?? '', mark: node.querySelector('mark')?.textContent ?? '' })),
      );
      expect(cards.length).toBe(5);
      const reason = cards.find((card) => EGYPT_REASONS.test(card.text));
      expect(reason, cards.map((card) => card.text).join('\n')).toBeDefined();
      expect(reason!.meta).toMatch(/^The National · 2024-02-\d\d · ¶\d+/);
      for (const card of cards) expect(card.text).toContain(card.mark);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'search.png'), fullPage: true });

      // The title links to the article page, scrolled to the passage's paragraph.
      await page.locator('article.card h2 a').first().click();
      await page.waitForSelector('article.reader');
      const target = (await page.locator('p:target').textContent()) ?? '';
      expect(cards[0].text).toContain(target.slice(0, 40));

      // By article: each article once, each of its passages linking to its paragraph.
      await page.goto(`${url}/?q=${encodeURIComponent('why does Egypt oppose a Rafah offensive')}`);
      await page.locator('input[name=group]').check();
      await page.locator('button[type=submit]').click();
      await page.waitForURL(/group=article/);
      const articles = (await page.locator('article.card h2 a').evaluateAll((links) => links.map((link) => link.getAttribute('href') ?? ''))).map((href) => href.split('#')[0]);
      expect(articles.length).toBeGreaterThan(1);
      expect(new Set(articles).size).toBe(articles.length);
      expect(await page.locator('article.card a.paragraph').count()).toBeGreaterThanOrEqual(articles.length);
      expect(await page.locator('input[name=group]').isChecked()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, 'search-by-article.png'), fullPage: true });

      // Coverage: a bar per date of the matching sample articles, each a link to its dates; outlets link too.
      await page.goto(`${url}/?q=${encodeURIComponent('Gaza truce talks in Cairo')}`);
      const bars = await page.locator('.timeline svg a').evaluateAll((links) => links.map((link) => ({ start: link.getAttribute('data-start'), label: link.getAttribute('aria-label') })));
      expect(bars).toEqual([
        { start: '2024-02-09', label: '2024-02-09: 1 article' },
        { start: '2024-02-22', label: '2024-02-22: 1 article' },
      ]);
      expect(await page.locator('.coverage .summary').textContent()).toBe('5 matching articles, 3 undated');
      expect(await page.locator('.outlets a').allTextContents()).toEqual(['The National', 'Reuters', 'The New Arab']);
      await page.screenshot({ path: join(ARTIFACTS, 'search-coverage.png') });
      await page.locator('.timeline svg a[data-start="2024-02-22"]').click();
      await page.waitForURL(/from=2024-02-22/);
      expect(new URL(page.url()).searchParams.get('to')).toBe('2024-02-22');
      const narrowed = await page.locator('article.card .meta').allTextContents();
      expect(narrowed.length).toBeGreaterThan(0);
      for (const meta of narrowed) expect(meta).toContain('2024-02-22');
      await page.goto(`${url}/?q=${encodeURIComponent('Gaza truce talks in Cairo')}`);
      await page.locator('.outlets a', { hasText: 'Reuters' }).click();
      await page.waitForURL(/source=Reuters/);
      for (const meta of await page.locator('article.card .meta').allTextContents()) expect(meta).toMatch(/^Reuters/);

      // A shared link opens with the search already run; hostile input is shown, never run.
      const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      await page.goto(`${url}/?q=${encodeURIComponent(hostile)}`);
      expect(await page.inputValue('input[name=q]')).toBe(hostile);
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('img').count()).toBe(0);
      await page.waitForTimeout(200);
      expect(dialogs).toEqual([]);
      await page.close();
    });
  });
});
