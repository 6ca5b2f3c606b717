// tests/browser/test_theme.mjs - the default theme as a person meets it:
// the homepage renders and passes axe, the keyboard reaches the skip link
// first with a visible focus ring, the 404 page is themed and accessible,
// dark mode passes axe, the phone layout's navigation works, and
// Accept-Language: de gives German. Also: no CSP violations anywhere.
//
// Needs build/portico (make). PORTICO_URL=https://host:port runs against an
// already running portal instead of starting one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;
let base;

before(async () => {
  if (process.env.PORTICO_URL) {
    base = process.env.PORTICO_URL.replace(/\/$/, '');
  } else {
    server = await startServer();
    base = server.url;
  }
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function open(path, ctxOpts = {}) {
  const context = await newContext(browser, ctxOpts);
  const page = await context.newPage();
  const problems = watchPage(page);
  const response = await page.goto(base + path, { waitUntil: 'load' });
  return { context, page, response, problems };
}

test('homepage renders the themed shell and passes axe', async () => {
  const { context, page, response, problems } = await open('/');
  try {
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /^text\/html; charset=utf-8/);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.locator('.pt-hero h1').waitFor();
    assert.equal((await page.locator('.pt-hero h1').textContent()).trim(), 'How can we help?');
    // The search box searches the knowledge base with GET ?q=.
    const form = page.locator('.pt-hero form.pt-search');
    assert.equal(await form.getAttribute('action'), '/knowledge/search');
    assert.equal(await form.getAttribute('method'), 'get');
    assert.equal(await page.locator('.pt-hero form.pt-search input[name=q]').count(), 1);
    // The stylesheet really applied (a custom property resolved).
    const brand = await page.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue('--pt-brand').trim());
    assert.ok(brand.length > 0, 'portico.css loaded');
    // Nothing inline: CSP would have refused it.
    assert.equal(await page.locator('[style]').count(), 0, 'no style attributes');
    assert.equal(await page.locator('script:not([src])').count(), 0, 'no inline scripts');
    assert.deepEqual(problems, [], 'no CSP violations or page errors');
    await axeCheck(page, 'homepage (light)');
  } finally {
    await context.close();
  }
});

test('keyboard: Tab reaches the skip link first and focus is visible', async () => {
  const { context, page } = await open('/');
  try {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return {
        cls: el.className, href: el.getAttribute('href'), text: el.textContent.trim(),
        outlineStyle: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth),
        top: r.top, bottom: r.bottom, height: r.height,
      };
    });
    assert.match(focused.cls, /\bpt-skip\b/);
    assert.equal(focused.href, '#main');
    assert.equal(focused.text, 'Skip to main content');
    assert.notEqual(focused.outlineStyle, 'none', 'focus ring drawn');
    assert.ok(focused.outlineWidth >= 2, `focus ring at least 2px (${focused.outlineWidth})`);
    assert.ok(focused.top >= 0 && focused.height > 0, 'skip link is on screen when focused');
    // Following it moves focus to the main content.
    await page.keyboard.press('Enter');
    const id = await page.evaluate(() => document.activeElement && document.activeElement.id);
    assert.equal(id, 'main');
    // The next Tab stop is inside <main>, past the header.
    await page.keyboard.press('Tab');
    const inMain = await page.evaluate(() => !!document.activeElement.closest('main'));
    assert.ok(inMain, 'Tab after the skip link lands in main');
  } finally {
    await context.close();
  }
});

test('404 renders the themed error page and passes axe', async () => {
  const { context, page, response, problems } = await open('/no/such/page-here');
  try {
    assert.equal(response.status(), 404);
    assert.equal((await page.locator('h1').textContent()).trim(), 'Page not found');
    assert.equal(await page.locator('.pt-header').count(), 1, 'inside the theme layout');
    assert.equal(await page.locator('main form.pt-search').count(), 1, 'offers a search');
    assert.deepEqual(problems, [], 'no CSP violations or page errors');
    await axeCheck(page, '404');
  } finally {
    await context.close();
  }
});

test('dark mode switches colours and passes axe', async () => {
  const { context, page, problems } = await open('/', { colorScheme: 'dark' });
  try {
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 150, `dark background (${bg})`);
    assert.deepEqual(problems, [], 'no CSP violations or page errors');
    await axeCheck(page, 'homepage (dark)');
    await page.goto(base + '/no/such/page');
    await axeCheck(page, '404 (dark)');
  } finally {
    await context.close();
  }
});

test('phone viewport: the navigation collapses and opens', async () => {
  const { context, page, problems } = await open('/', {
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  });
  try {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
    const toggle = page.locator('.pt-nav-toggle');
    const links = await page.locator('#pt-nav a').count();
    if (links === 0) {
      // Nothing to navigate to (anonymous visitor, no public sections).
      assert.equal(await toggle.isVisible(), false, 'no Menu button for an empty nav');
    } else {
      assert.equal(await toggle.isVisible(), true, 'Menu button shown on phones');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
      assert.equal(await page.locator('#pt-nav').isVisible(), false, 'nav collapsed');
      await toggle.tap();
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      assert.equal(await page.locator('#pt-nav').isVisible(), true, 'nav open');
      const first = page.locator('#pt-nav a').first();
      const box = await first.boundingBox();
      assert.ok(box && box.height >= 44, 'touch target at least 44px high');
      assert.ok(box.x >= 0 && box.x + box.width <= 390, 'link inside the screen');
      await toggle.tap();
      assert.equal(await page.locator('#pt-nav').isVisible(), false, 'nav closes again');
    }
    assert.deepEqual(problems, [], 'no CSP violations or page errors');
    await axeCheck(page, 'homepage (phone)');
  } finally {
    await context.close();
  }
});

test('Accept-Language: de shows German', async () => {
  const { context, page, problems } = await open('/', {
    locale: 'de-DE', extraHTTPHeaders: { 'Accept-Language': 'de-DE,de;q=0.9,en;q=0.5' },
  });
  try {
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal((await page.locator('.pt-hero h1').textContent()).trim(), 'Wie können wir helfen?');
    assert.equal((await page.locator('.pt-skip').textContent()).trim(), 'Zum Hauptinhalt springen');
    assert.equal((await page.locator('.pt-hero form.pt-search button').textContent()).trim(), 'Suchen');
    await page.goto(base + '/gibt/es/nicht');
    assert.equal((await page.locator('h1').textContent()).trim(), 'Seite nicht gefunden');
    assert.deepEqual(problems, [], 'no CSP violations or page errors');
    await axeCheck(page, '404 (de)');
  } finally {
    await context.close();
  }
});
