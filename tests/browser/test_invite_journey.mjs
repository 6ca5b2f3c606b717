// tests/browser/test_invite_journey.mjs - the invitation journey in
// Chromium with a real SMTP server (tests/tools/smtp_sink.py): a Customer
// Admin invites a new address from the Team page; the test reads the mail
// from the sink's folder and opens its link; the invitee chooses a name and
// a password and signs in. The portal admin then switches to Globex in the
// header and invites the same person there; the invitee, already signed in,
// joins with one click and switches between the two accounts in the header.
// Every page passes axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { ROOT, startServer, launchBrowser, newContext, axeCheck, watchPage } from './helpers.mjs';

let server;
let browser;
let sink;
let tmp;

const PASSWORD = 'a-long-enough-secret-1';

async function startSink(dir) {
  const child = spawn('/usr/bin/python3', [path.join(ROOT, 'tests/tools/smtp_sink.py'), '--dir', dir],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const rl = readline.createInterface({ input: child.stdout });
  const line = await new Promise((resolve, reject) => {
    rl.once('line', resolve);
    child.once('exit', (c) => reject(new Error(`smtp sink exited ${c}`)));
  });
  assert.match(line, /^READY \d+/);
  return { child, port: Number(line.split(' ')[1]), dir };
}

// The invitation link in the newest mail to `to` (waits for it).
async function inviteLink(to, count = 1) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const files = (await readdir(sink.dir)).filter((f) => f.endsWith('.eml')).sort();
    const mails = [];
    for (const f of files) {
      const raw = await readFile(path.join(sink.dir, f), 'utf8');
      if (new RegExp(`^To: <?${to.replace('.', '\\.')}>?`, 'mi').test(raw)) mails.push(raw);
    }
    if (mails.length >= count) {
      // quoted-printable: join soft line breaks and decode =XX
      const text = mails[mails.length - 1].replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
      const m = text.match(/https:\/\/[^\s"<]+(\/invite\/[A-Za-z0-9_-]{43})/);
      assert.ok(m, text);
      return m[1];
    }
    if (Date.now() > deadline) throw new Error(`no invitation mail to ${to}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function signIn(page, email, password) {
  await page.goto(server.url + '/signin');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/signin')),
    page.click('main form button[type=submit]')]);
}

async function switchAccount(page, name) {
  await page.click('.pt-menu__button');
  await page.selectOption('#pt-account-switch', { label: name });
  await Promise.all([page.waitForLoadState('load'), page.click('.pt-switcher button[type=submit]')]);
  await page.waitForFunction((n) => document.querySelector('.pt-menu__account')?.textContent === n, name);
}

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'portico-invite-'));
  sink = await startSink(path.join(tmp, 'mail'));
  const config = path.join(tmp, 'portico.lua');
  const base = await readFile(path.join(ROOT, 'config/portico.lua'), 'utf8');
  await writeFile(config, base.replace(/plugins = \{\s*"hello",\s*\}/, 'plugins = { "hello", "team" }') +
    `\nmail = { smtp_url = "smtp://127.0.0.1:${sink.port}", starttls = "off", poll_ms = 100, ` +
    `from = "Portico <portico@portico.example>" }\n`);
  server = await startServer({ extraArgs: ['--config', config] });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
  if (sink) sink.child.kill('SIGTERM');
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('invite -> mail -> accept -> sign in -> switch account', async () => {
  const adminCtx = await newContext(browser);
  const admin = await adminCtx.newPage();
  const inviteeCtx = await newContext(browser);
  const invitee = await inviteeCtx.newPage();
  const problems = watchPage(admin);
  try {
    // The Customer Admin invites a new address with a group.
    await signIn(admin, 'alice@acme.example', 'portico-demo');
    await admin.click('nav a[href="/team"]');
    await admin.waitForURL(/\/team$/);
    await axeCheck(admin, 'team users');
    await admin.fill('#invite-emails', 'nina@example.com');
    await admin.locator('fieldset label', { hasText: 'Support users' }).locator('input').check();
    await Promise.all([admin.waitForLoadState('load'), admin.click('#invite button[type=submit]')]);
    await admin.waitForSelector('#invite-report');
    assert.match(await admin.locator('#invite-report').textContent(), /nina@example\.com[\s\S]*Invited/);
    assert.match(await admin.locator('#users tr[data-email="nina@example.com"]').textContent(), /Pending/);
    await axeCheck(admin, 'team users with report');

    // The invitee opens the link from the mail: the address is fixed.
    const link = await inviteLink('nina@example.com');
    await invitee.goto(server.url + link);
    assert.equal(await invitee.inputValue('#f-email'), 'nina@example.com');
    assert.equal(await invitee.getAttribute('#f-email', 'readonly'), '');
    await axeCheck(invitee, 'invitation page');
    await invitee.fill('#f-name', 'Nina Novak');
    await invitee.fill('#f-password', PASSWORD);
    await invitee.fill('#f-password2', 'not the same password');
    await invitee.click('main form button[type=submit]');
    await invitee.waitForSelector('#f-password2-error');
    await axeCheck(invitee, 'invitation page with error');
    await invitee.fill('#f-password', PASSWORD);
    await invitee.fill('#f-password2', PASSWORD);
    await Promise.all([invitee.waitForURL(/\/signin/), invitee.click('main form button[type=submit]')]);
    await signIn(invitee, 'nina@example.com', PASSWORD);
    assert.match(await invitee.locator('.pt-menu__name').textContent(), /Nina Novak/);

    // The Customer Admin sees her Active now.
    await admin.goto(server.url + '/team');
    assert.match(await admin.locator('#users tr[data-email="nina@example.com"]').textContent(), /Active/);

    // The portal admin switches to Globex in the header and invites her there too.
    await adminCtx.clearCookies();
    await signIn(admin, 'admin@portico.example', 'portico-demo');
    await switchAccount(admin, 'Globex');
    await admin.goto(server.url + '/team');
    await admin.fill('#invite-emails', 'nina@example.com');
    await Promise.all([admin.waitForLoadState('load'), admin.click('#invite button[type=submit]')]);
    await admin.waitForSelector('#invite-report');

    // Signed in already, she joins with one click and switches accounts.
    const second = await inviteLink('nina@example.com', 2);
    await invitee.goto(server.url + second);
    await axeCheck(invitee, 'invitation for a signed-in user');
    await Promise.all([invitee.waitForURL(/joined=1/), invitee.click('main form button[type=submit]')]);
    assert.equal(await invitee.locator('.pt-menu__account').textContent(), 'Globex');
    await switchAccount(invitee, 'Acme Corp');
    await axeCheck(invitee, 'home after switching');
    assert.deepEqual(problems, []);
  } finally {
    await adminCtx.close();
    await inviteeCtx.close();
  }
});
