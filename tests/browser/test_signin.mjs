// tests/browser/test_signin.mjs - a person signs in as alice (demo data) in
// Chromium, switches from Acme Corp to Globex in the header, opens the
// profile and signs out; the sign-in, home and profile pages pass axe.
// The repository config may not list the team plugin yet, so the test
// writes a copy of config/portico.lua that loads it.
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
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-signin-'));
  let cfg = await readFile(path.join(ROOT, 'config', 'portico.lua'), 'utf8');
  if (!/"team"/.test(cfg)) cfg = cfg.replace(/plugins\s*=\s*\{/, 'plugins = {\n  "team",');
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

test('sign in, switch account, sign out', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page);
  try {
    await page.goto(server.url + '/signin', { waitUntil: 'load' });
    await axeCheck(page, 'signin');
    // a wrong password first: a clear, generic message
    await page.fill('#f-email', 'alice@acme.example');
    await page.fill('#f-password', 'not-the-password');
    await page.click('form.pt-form button[type=submit]');
    await page.waitForSelector('#pt-signin-error');
    assert.match(await page.locator('#pt-signin-error').textContent(), /email or password is not right/);
    await axeCheck(page, 'signin with error');

    await page.fill('#f-password', 'portico-demo');
    await Promise.all([page.waitForURL(server.url + '/'), page.click('form.pt-form button[type=submit]')]);
    assert.match(await page.locator('.pt-menu__name').textContent(), /Alice Anders/);
    assert.match(await page.locator('.pt-menu__account').textContent(), /Acme Corp/);
    await axeCheck(page, 'home signed in');

    // switch to Globex in the header
    await page.click('.pt-menu__button');
    await page.selectOption('#pt-account-switch', { label: 'Globex' });
    await Promise.all([page.waitForURL(server.url + '/'), page.click('.pt-switcher button[type=submit]')]);
    assert.match(await page.locator('.pt-menu__account').textContent(), /Globex/);

    await page.goto(server.url + '/profile', { waitUntil: 'load' });
    assert.match(await page.locator('#memberships').textContent(), /Acme Corp/);
    await axeCheck(page, 'profile');

    // sign out
    await page.click('.pt-menu__button');
    await Promise.all([page.waitForURL(server.url + '/'),
      page.click('form[action="/signout"] button[type=submit]')]);
    assert.equal(await page.locator('.pt-menu__name').count(), 0);
    await page.goto(server.url + '/profile', { waitUntil: 'load' });
    assert.match(page.url(), /\/signin\?next=/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
