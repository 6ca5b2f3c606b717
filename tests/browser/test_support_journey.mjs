// tests/browser/test_support_journey.mjs - the support journey in Chromium:
// bob (Acme Corp, Support users) opens a case from the Support page; the
// support agent finds it in the case queue and replies; bob sees the reply
// in the conversation. Along the way bob attaches a file (streamed upload)
// and the agent tries a canned reply. Every page passes axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ROOT, startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;
let tmp;

async function signIn(page, email) {
  await page.goto(server.url + '/signin');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', 'portico-demo');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signin')),
    page.click('main form button[type=submit]')]);
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-support-'));
  const config = path.join(tmp, 'portico.lua');
  const build = process.env.PORTICO_BUILD || 'build';
  await writeFile(config, `workers = 1\nplugins = { "team", "licenses", "support" }\n` +
    `plugin_dir = "${path.join(ROOT, build, 'plugins')}"\ntheme = "default"\n`);
  server = await startServer({ extraArgs: ['--config', config] });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('create case as bob -> agent replies -> bob sees it', async () => {
  const bobCtx = await newContext(browser);
  const bob = await bobCtx.newPage();
  const agentCtx = await newContext(browser);
  const agent = await agentCtx.newPage();
  const problems = watchPage(bob);
  try {
    await signIn(bob, 'bob@acme.example');
    await bob.click('nav a[href="/support"]');
    await bob.waitForURL(/\/support$/);
    await bob.waitForSelector('#sup-cases');
    await axeCheck(bob, 'support dashboard');
    await Promise.all([bob.waitForURL(/\/support\/new$/), bob.click('#sup-new')]);
    await axeCheck(bob, 'new case form');
    await bob.fill('#sup-product', 'Orchestrator');
    await bob.fill('#sup-version', '2023.10');
    await bob.selectOption('#sup-priority', 'P2');
    await bob.fill('#sup-subject', 'Browser journey: jobs stuck in pending');
    await bob.fill('#sup-description', 'Since this morning every job stays in Pending.');
    await bob.setInputFiles('#sup-files', { name: 'screenshot.txt', mimeType: 'text/plain',
      buffer: Buffer.from('pending jobs list') });
    await Promise.all([bob.waitForURL(/\/support\/cases\/CS-\d+/), bob.click('#sup-submit')]);
    await bob.waitForSelector('.sup-attachment');
    assert.match(await bob.locator('.sup-attachment').first().textContent(), /screenshot\.txt/);
    const number = (await bob.locator('#sup-number').textContent()).trim();
    assert.match(number, /^CS-\d+$/);
    assert.match(await bob.locator('#sup-flash').textContent(), /opened/);
    await axeCheck(bob, 'case page (customer)');
    // attach a file: streamed upload with the X-CSRF-Token header, then the page reloads
    await Promise.all([bob.waitForEvent('load'),
      bob.setInputFiles('#sup-file', { name: 'job-log.txt', mimeType: 'text/plain',
        buffer: Buffer.from('job 42 pending since 08:00\n') })]);
    await bob.waitForSelector('.sup-attachment a');
    assert.match(await bob.locator('.sup-conversation').textContent(), /job-log\.txt/);

    await signIn(agent, 'agent@portico.example');
    await agent.goto(server.url + '/support/queue?assignee=unassigned');
    await agent.waitForSelector(`#sup-queue tr[data-number="${number}"]`);
    await axeCheck(agent, 'case queue');
    await Promise.all([agent.waitForURL(new RegExp(`/support/cases/${number}$`)),
      agent.click(`#sup-queue tr[data-number="${number}"] a`)]);
    await axeCheck(agent, 'case page (agent)');
    await agent.click('#sup-canned summary');
    await agent.click('.sup-canned >> nth=0');
    assert.match(await agent.inputValue('#sup-body'), /logs/);
    await agent.fill('#sup-body', 'Please restart the Orchestrator service and tell us if it helps.');
    await Promise.all([agent.waitForLoadState('load'), agent.click('#sup-send')]);
    await agent.waitForSelector('#sup-flash');

    await bob.reload();
    const conv = await bob.locator('.sup-conversation').textContent();
    assert.match(conv, /Please restart the Orchestrator service/);
    assert.match(await bob.locator('#sup-status').textContent(), /In progress/);
    await axeCheck(bob, 'case page with reply');
    assert.deepEqual(problems, []);
  } finally {
    await bobCtx.close();
    await agentCtx.close();
  }
});
