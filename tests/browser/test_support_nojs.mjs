// tests/browser/test_support_nojs.mjs - support cases without JavaScript
// in Chromium (docs/support.md, "The forms take files without
// JavaScript"): bob (Acme Corp, Support users), in a context with
// JavaScript off, opens a case from /support/new with two files (a plain
// multipart submit), lands on the case page with both attachments listed
// and downloadable, then replies with a file through the reply form's own
// file field. With JavaScript on again, the dashboard pages its cases (50 a
// page, cursor links): after enough cases are opened through the API,
// Next shows the rest and Previous leads back. The dashboard passes axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { ROOT, startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;
let tmp;

const PAGE = 50; // dashboard cases a page (plugins/support/dashboard.c)

async function signIn(page, email) {
  await page.goto(server.url + '/signin');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', 'portico-demo');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signin')),
    page.click('main form button[type=submit]')]);
}

// The attachments listed in the conversation: [{name, href, text}].
async function attachments(page) {
  return page.locator('.sup-conversation .sup-attachment a').evaluateAll((as) =>
    as.map((a) => ({ name: a.textContent, href: a.getAttribute('href'), text: a.parentElement.textContent })));
}

// Clicks an attachment link and returns {filename, body} of the download.
async function download(page, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'),
    page.click(`.sup-attachment a:text-is("${name}")`)]);
  const file = await dl.path();
  return { filename: dl.suggestedFilename(), body: await readFile(file, 'utf8') };
}

async function caseNumbers(page) {
  return page.locator('#sup-cases tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.number));
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-support-nojs-'));
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

test('case with files and reply with a file, JavaScript off; dashboard paging', async () => {
  const noJsCtx = await newContext(browser, { javaScriptEnabled: false });
  const bob = await noJsCtx.newPage();
  const problems = watchPage(bob);
  let jsCtx;
  try {
    await signIn(bob, 'bob@acme.example');

    // Open a case: a plain multipart submit with two files.
    await bob.goto(server.url + '/support/new');
    assert.equal(await bob.getAttribute('#sup-new-form', 'enctype'), 'multipart/form-data');
    await bob.fill('#sup-product', 'Orchestrator');
    await bob.fill('#sup-version', '2024.4');
    await bob.selectOption('#sup-env', 'test');
    await bob.selectOption('#sup-priority', 'P3');
    await bob.fill('#sup-subject', 'No-JS journey: queue export truncated');
    await bob.fill('#sup-description', 'The queue export stops after 1000 rows. Logs attached.');
    await bob.setInputFiles('#sup-files', [
      { name: 'export-log.txt', mimeType: 'text/plain', buffer: Buffer.from('rows: 1000 of 1432\n') },
      { name: 'settings.json', mimeType: 'application/json', buffer: Buffer.from('{"limit": 1000}\n') },
    ]);
    await Promise.all([bob.waitForURL(/\/support\/cases\/CS-\d+\?created=1$/), bob.click('#sup-submit')]);
    const number = (await bob.locator('#sup-number').textContent()).trim();
    assert.match(number, /^CS-\d+$/);
    assert.match(await bob.locator('#sup-flash').textContent(), /opened/);
    assert.equal((await bob.locator('#sup-subject').textContent()).trim(), 'No-JS journey: queue export truncated');
    let files = await attachments(bob);
    assert.deepEqual(files.map((f) => f.name).sort(), ['export-log.txt', 'settings.json']);
    for (const f of files) assert.match(f.href, new RegExp(`^/support/cases/${number}/attachments/[^/]+$`));
    assert.match(files.find((f) => f.name === 'export-log.txt').text, /\(19 B\)/);
    const got = await download(bob, 'export-log.txt');
    assert.equal(got.filename, 'export-log.txt');
    assert.equal(got.body, 'rows: 1000 of 1432\n');

    // No script ran: the instant-upload box stays hidden, the reply form keeps its file field.
    assert.equal(await bob.locator('#sup-attach').isHidden(), true);
    assert.equal(await bob.locator('#sup-reply-files').isVisible(), true);

    // Reply with a file through the reply form.
    await bob.fill('#sup-body', 'Here is the full export for comparison.');
    await bob.setInputFiles('#sup-reply-files', { name: 'full-export.csv', mimeType: 'text/csv',
      buffer: Buffer.from('id,name\n1,first\n') });
    await Promise.all([bob.waitForURL(new RegExp(`/support/cases/${number}\\?saved=1`)), bob.click('#sup-send')]);
    assert.match(await bob.locator('#sup-flash').textContent(), /Saved/);
    assert.match(await bob.locator('.sup-conversation').textContent(), /Here is the full export for comparison\./);
    files = await attachments(bob);
    assert.deepEqual(files.map((f) => f.name).sort(), ['export-log.txt', 'full-export.csv', 'settings.json']);
    assert.equal((await download(bob, 'full-export.csv')).body, 'id,name\n1,first\n');
    assert.deepEqual(problems, []);

    // JavaScript on, same session: enough cases for a second dashboard page.
    jsCtx = await newContext(browser, { storageState: await noJsCtx.storageState() });
    const page = await jsCtx.newPage();
    const jsProblems = watchPage(page);
    await page.goto(server.url + '/support');
    await page.waitForSelector('#sup-cases');
    const made = await page.evaluate(async (perPage) => {
      const csrf = document.querySelector('input[name=_csrf]')?.value ||
        (await (await fetch('/support/new')).text()).match(/name="_csrf" value="([^"]+)"/)[1];
      const list = await (await fetch('/api/v1/cases?per_page=1')).json();
      const need = perPage + 5 - list.total;
      const out = [];
      for (let i = 0; i < need; i++) {
        const r = await fetch('/api/v1/cases', {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
          body: JSON.stringify({ subject: `Paging case ${i + 1}`, description: 'Made to fill the dashboard.',
            product: 'Studio', priority: 'P4' }),
        });
        if (r.status !== 201) return { error: `${r.status} ${await r.text()}` };
        out.push(i);
      }
      return { before: list.total, made: out.length };
    }, PAGE);
    assert.equal(made.error, undefined, made.error);
    const total = made.before + made.made;
    assert.ok(total > PAGE, `${total} cases`);

    await page.goto(server.url + '/support');
    const pager = page.locator('nav.sup-pager');
    assert.equal(await pager.getAttribute('aria-label'), 'Pagination');
    assert.equal((await page.locator('#sup-total').textContent()).trim(), `${total} cases`);
    assert.equal(await pager.locator('a[rel=prev]').count(), 0, 'no Previous link on the first page');
    const first = await caseNumbers(page);
    assert.equal(first.length, PAGE);
    assert.equal(first[0].startsWith('CS-'), true);
    await Promise.all([page.waitForURL(/[?&]after=/), pager.locator('a[rel=next]').click()]);
    const second = await caseNumbers(page);
    assert.equal(second.length, total - PAGE);
    assert.deepEqual(second.filter((n) => first.includes(n)), [], 'no case on both pages');
    assert.ok([...first, ...second].includes(number), `${number} is listed`);
    assert.equal(await page.locator('nav.sup-pager a[rel=next]').count(), 0, 'no Next on the last page');
    await axeCheck(page, 'support dashboard, page 2');
    await Promise.all([page.waitForURL(/[?&]before=/), page.locator('nav.sup-pager a[rel=prev]').click()]);
    assert.deepEqual(await caseNumbers(page), first);
    assert.deepEqual(jsProblems, []);
  } finally {
    if (jsCtx) await jsCtx.close();
    await noJsCtx.close();
  }
});
