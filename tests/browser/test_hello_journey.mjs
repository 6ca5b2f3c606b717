// tests/browser/test_hello_journey.mjs - a person uses a plugin page end to
// end in Chromium: finds the example plugin in the navigation, submits the
// greeting form (CSRF token from the page), sees the greeting listed,
// gets a clear message for an empty name, and every page passes axe.
// Also: the maintenance banner a Lua script adds through page.render.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('greet from the hello page, with validation', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = watchPage(page);
  try {
    await page.goto(server.url + '/', { waitUntil: 'load' });
    await page.click('nav a[href="/hello"]');
    await page.waitForURL(/\/hello$/);
    await axeCheck(page, 'hello');
    await page.fill('#hello-name', 'Margaret');
    await Promise.all([page.waitForURL(/saved=1/), page.click('form.pt-form button[type=submit]')]);
    assert.match(await page.locator('#greetings').textContent(), /Margaret/);
    // an empty name: the browser's own check first; bypass it to see ours
    await page.evaluate(() => document.querySelector('#hello-name').removeAttribute('required'));
    await page.fill('#hello-name', '');
    await page.click('form.pt-form button[type=submit]');
    await page.waitForSelector('.pt-alert--error');
    assert.match(await page.locator('.pt-alert--error').textContent(), /Please enter a name/);
    await axeCheck(page, 'hello with error');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
