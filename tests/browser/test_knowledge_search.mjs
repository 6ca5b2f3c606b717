// tests/browser/test_knowledge_search.mjs - search as you type in Chromium:
// a visitor types into the knowledge search box and matching articles
// (with highlighted words) appear under it before any submit; Enter leads
// to the results page; an article page opens from a suggestion. Every page
// passes axe, and no CSP violation or script error happens.
// The repo config lists the plugins `make run` uses; this test writes a
// copy that enables the knowledge plugin, so it does not depend on that.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ROOT, startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;
let tmp;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-kb-browser-'));
  const base = await readFile(path.join(ROOT, 'config', 'portico.lua'), 'utf8');
  // The repo config lists knowledge already; older configs get it added.
  const cfg = /"knowledge"/.test(base)
    ? base
    : base.replace(/plugins = \{/, 'plugins = { "knowledge",');
  assert.match(cfg, /"knowledge"/, 'the config enables the knowledge plugin');
  const file = path.join(tmp, 'portico.lua');
  await writeFile(file, cfg);
  server = await startServer({ extraArgs: ['--config', file] });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('search as you type on the knowledge home page', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page);
  try {
    await page.goto(server.url + '/knowledge', { waitUntil: 'load' });
    await axeCheck(page, 'knowledge home');
    const box = page.locator('#kb-q');
    await box.click();
    await box.pressSequentially('robot disconn', { delay: 40 });
    const first = page.locator('.kb-suggest li a').first();
    await first.waitFor({ timeout: 5000 });
    assert.match(await first.textContent(), /Robot shows Disconnected/);
    assert.ok(await page.locator('.kb-suggest mark').count() > 0, 'matching words are highlighted');
    assert.equal(page.url(), server.url + '/knowledge', 'no navigation while typing');
    await axeCheck(page, 'knowledge home with suggestions');
    // typing more narrows; clearing hides
    await box.fill('');
    await box.pressSequentially('pending reb', { delay: 30 });
    await page.waitForFunction(() => /1603/.test(document.querySelector('.kb-suggest')?.textContent || ''));
    await box.press('Enter');
    await page.waitForURL(/\/knowledge\/search\?q=pending\+reb/);
    assert.match(await page.locator('#kb-results').textContent(), /Error 1603/);
    await axeCheck(page, 'search results');
    await page.click('#kb-results a');
    await page.waitForURL(/\/knowledge\/a\//);
    assert.match(await page.locator('h1').textContent(), /Error 1603/);
    await axeCheck(page, 'article');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('homepage widget suggests too, and hidden articles never show', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page);
  try {
    await page.goto(server.url + '/', { waitUntil: 'load' });
    const box = page.locator('#kb-widget-q');
    await box.pressSequentially('acme', { delay: 40 });
    await page.waitForTimeout(600);
    const text = (await page.locator('.kb-suggest').textContent()) || '';
    assert.doesNotMatch(text, /Acme: connecting|escalation path/, 'account-only articles stay hidden');
    await box.fill('');
    await box.pressSequentially('queue', { delay: 40 });
    await page.locator('.kb-suggest li a').first().waitFor({ timeout: 5000 });
    await axeCheck(page, 'homepage with widget');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
