// tests/browser/test_rfq_journey.mjs - a person requests a quote in
// Chromium: signs in as alice (demo data), opens Quotes from the
// navigation, picks her production orchestrator, sees only the products
// that fit it, first submits an empty cart (a clear message), then adds
// quantities, a date, a duration and a note, submits, and finds the
// request in "My quote requests" as Submitted. The licenses and contacts
// pages are visited too; every page passes axe and shows no CSP or
// resource errors. The form needs no script.
// The repository config may not list these plugins yet, so the test writes
// a copy of config/portico.lua that loads them (after "team").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ROOT, startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;
let tmp;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-rfq-'));
  let cfg = await readFile(path.join(ROOT, 'config', 'portico.lua'), 'utf8');
  const want = ['team', 'licenses', 'contacts', 'quotes'].filter((p) => !new RegExp(`"${p}"`).test(cfg));
  if (want.length) cfg = cfg.replace(/plugins\s*=\s*\{/, `plugins = {\n  ${want.map((p) => `"${p}",`).join(' ')}`);
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

test('request a quote and find it in My quote requests', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page);
  try {
    await page.goto(server.url + '/signin', { waitUntil: 'load' });
    await page.fill('#f-email', 'alice@acme.example');
    await page.fill('#f-password', 'portico-demo');
    await Promise.all([page.waitForURL(server.url + '/'), page.click('form.pt-form button[type=submit]')]);
    await axeCheck(page, 'home with license and contact widgets');

    // licenses and contacts on the way
    await page.click('nav a[href="/licenses"]');
    await page.waitForURL(/\/licenses$/);
    assert.match(await page.locator('#lic-follow-note').textContent(), /follows the orchestrator/);
    await axeCheck(page, 'licenses');
    await page.click('nav a[href="/contacts"]');
    await page.waitForURL(/\/contacts$/);
    assert.match(await page.locator('#con-account_manager').textContent(), /Max Manager/);
    await axeCheck(page, 'contacts');

    await page.click('nav a[href="/quotes"]');
    await page.waitForURL(/\/quotes$/);
    await axeCheck(page, 'my quote requests (empty)');
    await Promise.all([page.waitForURL(/\/quotes\/new$/), page.click('#quo-new')]);
    await axeCheck(page, 'request form, step 1');
    await page.selectOption('#f-target', { label: 'Production' });
    await Promise.all([page.waitForURL(/\/quotes\/new\?target=/), page.click('#quo-show-products')]);
    await page.waitForSelector('#quo-cart');
    const skus = await page.locator('#quo-skus input[name=sku]').evaluateAll((els) => els.map((e) => e.value));
    assert.ok(skus.includes('HA-ADDON') && skus.includes('RBT-UNATT'), skus.join());
    assert.ok(!skus.includes('INSIGHTS') && !skus.includes('ORCH-ENT'), skus.join());
    await axeCheck(page, 'request form, step 2');

    // an empty cart: a clear message, nothing stored
    await page.click('#quo-submit');
    await page.waitForSelector('#quo-error');
    assert.match(await page.locator('#quo-error').textContent(), /cart is empty/);
    await axeCheck(page, 'request form with error');

    await page.fill('#qty-RBT-UNATT', '5');
    await page.fill('#qty-HA-ADDON', '1');
    await page.selectOption('#f-years', '3');
    await page.fill('#f-note', 'Budget approved for Q3.');
    await Promise.all([page.waitForURL(/\/quotes\?created=/), page.click('#quo-submit')]);
    assert.match(await page.locator('#quo-created').textContent(), /account manager/);
    const list = await page.locator('#quo-list').textContent();
    assert.match(list, /5 × RBT-UNATT/);
    assert.match(list, /1 × HA-ADDON/);
    assert.match(list, /Submitted/);
    await axeCheck(page, 'my quote requests');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
