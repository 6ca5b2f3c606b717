// tests/browser/test_team_paging.mjs - paging the Team Users list in
// Chromium (docs/team.md, "Paging the user list"): alice (Customer Admin of
// Acme Corp) invites a dozen addresses through the JSON API from the page
// (session cookie + X-CSRF-Token), then pages /team five at a time: the
// "Showing 1–5 of N" line, the "Users pages" navigation with
// aria-current on the page shown, Next to page 2, and the filter form
// (search, status) submitted as a plain GET that keeps per_page. The same
// Next link and filter form work with JavaScript off. The paged page
// (Previous, numbered pages, Next) passes axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ROOT, startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;
let tmp;

// 12 invitees: with alice and bob, Acme has 14 members = 3 pages of 5.
const INVITEES = Array.from({ length: 12 }, (_, i) => `pager${String(i + 1).padStart(2, '0')}@example.com`);
const TOTAL = INVITEES.length + 2;

async function signIn(page, email) {
  await page.goto(server.url + '/signin');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', 'portico-demo');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signin')),
    page.click('main form button[type=submit]')]);
}

// The e-mail addresses of the rows shown, in order.
async function rowEmails(page) {
  return page.locator('#users tbody tr[data-email]').evaluateAll((rows) => rows.map((r) => r.dataset.email));
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-team-paging-'));
  const config = path.join(tmp, 'portico.lua');
  const build = process.env.PORTICO_BUILD || 'build';
  await writeFile(config, `workers = 1\nplugins = { "team" }\n` +
    `plugin_dir = "${path.join(ROOT, build, 'plugins')}"\ntheme = "default"\n`);
  server = await startServer({ extraArgs: ['--config', config] });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('team users: paging, filters, no-JavaScript paging', async () => {
  const ctx = await newContext(browser);
  const page = await ctx.newPage();
  const problems = watchPage(page);
  let noJsCtx;
  try {
    await signIn(page, 'alice@acme.example');
    await page.goto(server.url + '/team');

    // Invite the addresses through the API, with the page's CSRF token.
    const res = await page.evaluate(async (emails) => {
      const csrf = document.querySelector('input[name=_csrf]').value;
      const r = await fetch('/api/v1/invitations', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ emails }),
      });
      return { status: r.status, body: await r.text() };
    }, INVITEES);
    assert.ok(res.status >= 200 && res.status < 300, `POST /api/v1/invitations: ${res.status} ${res.body}`);

    // The API agrees on the count.
    const api = await page.evaluate(async () => (await fetch('/api/v1/users?per_page=5')).json());
    assert.equal(api.total, TOTAL);
    assert.equal(api.pages, Math.ceil(TOTAL / 5));

    // Page 1 of 5 a page.
    await page.goto(server.url + '/team?per_page=5');
    assert.equal((await page.locator('#users-summary').textContent()).trim(), `Showing 1–5 of ${TOTAL}`);
    const nav = page.locator('nav#users-pages');
    assert.equal(await nav.getAttribute('aria-label'), 'Users pages');
    const current = nav.locator('a[aria-current="page"]');
    assert.equal(await current.count(), 1);
    assert.match(await current.textContent(), /Page\s*1$/);
    assert.equal(await nav.locator('a[rel=prev]').count(), 0, 'no Previous link on page 1');
    assert.equal(await nav.locator('[aria-disabled="true"]').first().textContent(), '← Previous');
    assert.equal(await page.locator('#team-per-page').inputValue(), '5');
    const first = await rowEmails(page);
    // By name first (Alice Anders, Bob Brown), then the pending invitees by email.
    assert.deepEqual(first, ['alice@acme.example', 'bob@acme.example', ...INVITEES.slice(0, 3)]);

    // Next -> page 2.
    await Promise.all([page.waitForURL(/[?&]page=2(&|$)/), nav.locator('a[rel=next]').click()]);
    assert.match(page.url(), /per_page=5/);
    assert.equal((await page.locator('#users-summary').textContent()).trim(), `Showing 6–10 of ${TOTAL}`);
    assert.match(await page.locator('#users-pages a[aria-current="page"]').textContent(), /Page\s*2$/);
    assert.equal(await page.locator('#users-pages a[rel=prev]').count(), 1);
    assert.deepEqual(await rowEmails(page), INVITEES.slice(3, 8));
    await axeCheck(page, 'team users, page 2 of 5 a page');

    // The filter form: search and status, a plain GET keeping per_page.
    await page.fill('#team-q', 'pager1');
    await page.selectOption('#team-status', 'pending');
    await Promise.all([page.waitForURL(/[?&]q=pager1(&|$)/), page.click('#users-filter button[type=submit]')]);
    const u = new URL(page.url());
    assert.equal(u.searchParams.get('status'), 'pending');
    assert.equal(u.searchParams.get('per_page'), '5');
    assert.equal(u.searchParams.get('page'), null, 'a new filter starts on page 1');
    assert.deepEqual(await rowEmails(page), ['pager10@example.com', 'pager11@example.com', 'pager12@example.com']);
    assert.equal((await page.locator('#users-summary').textContent()).trim(), 'Showing 1–3 of 3');
    assert.equal(await page.locator('#users-pages').count(), 0, 'one page: no navigation');
    assert.equal(await page.inputValue('#team-q'), 'pager1');
    assert.equal(await page.locator('#team-status').inputValue(), 'pending');
    assert.equal(await page.locator('#users-filter a', { hasText: 'Clear filters' }).count(), 1);

    // Active only: the two demo users.
    await page.fill('#team-q', '');
    await page.selectOption('#team-status', 'active');
    await Promise.all([page.waitForURL(/[?&]status=active(&|$)/), page.click('#users-filter button[type=submit]')]);
    assert.deepEqual(await rowEmails(page), ['alice@acme.example', 'bob@acme.example']);
    assert.deepEqual(problems, []);

    // Without JavaScript (same session): Next is a plain link, the filter a plain form.
    noJsCtx = await newContext(browser, { javaScriptEnabled: false, storageState: await ctx.storageState() });
    const nojs = await noJsCtx.newPage();
    await nojs.goto(server.url + '/team?per_page=5');
    assert.equal((await nojs.locator('#users-summary').textContent()).trim(), `Showing 1–5 of ${TOTAL}`);
    await Promise.all([nojs.waitForURL(/[?&]page=2(&|$)/), nojs.click('#users-pages a[rel=next]')]);
    assert.deepEqual(await rowEmails(nojs), INVITEES.slice(3, 8));
    await Promise.all([nojs.waitForURL(/[?&]page=3(&|$)/), nojs.click('#users-pages a[rel=next]')]);
    assert.equal((await nojs.locator('#users-summary').textContent()).trim(), `Showing 11–${TOTAL} of ${TOTAL}`);
    assert.deepEqual(await rowEmails(nojs), INVITEES.slice(8));
    assert.equal(await nojs.locator('#users-pages a[rel=next]').count(), 0, 'no Next on the last page');
    await nojs.fill('#team-q', 'bob');
    await Promise.all([nojs.waitForURL(/[?&]q=bob(&|$)/), nojs.click('#users-filter button[type=submit]')]);
    assert.deepEqual(await rowEmails(nojs), ['bob@acme.example']);
  } finally {
    if (noJsCtx) await noJsCtx.close();
    await ctx.close();
  }
});
