// tests/browser/helpers.mjs - shared harness for the browser tests.
//
// startServer(): runs `build/portico serve` (PORTICO_BUILD overrides the
// build folder) with a throw-away data dir, the demo data set and the repo's
// config, on free loopback ports; waits for /healthz; stop() ends it
// (SIGTERM, then SIGKILL after 10 s) and removes the data dir.
// launchBrowser(): Debian's /usr/bin/chromium through playwright-core (no
// browser download, ever), headless, fresh profile per launch.
// axeCheck(): runs axe-core (WCAG 2.1 A/AA rules) and fails on serious or
// critical violations, printing each with its nodes.
//
// Run: node --test --test-concurrency=1 tests/browser/test_*.mjs (from the
// repository root; Node 20 does not find test_*.mjs in a bare directory)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.PORTICO_CHROMIUM || '/usr/bin/chromium';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// GET url over HTTPS ignoring the self-signed certificate; resolves
// {status, headers, body}.
export function httpsGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function startServer({ extraArgs = [], timeoutMs = 30000 } = {}) {
  const build = process.env.PORTICO_BUILD || 'build';
  const bin = path.resolve(ROOT, build, 'portico');
  if (!existsSync(bin)) throw new Error(`${bin} not found: run \`make\` first`);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'portico-browser-'));
  const port = await freePort();
  let port2 = await freePort();
  while (port2 === port) port2 = await freePort();
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--http-listen', `127.0.0.1:${port2}`,
    '--data-dir', dataDir, '--demo', '--config', 'config/portico.lua', ...extraArgs];
  const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, sig) => {
    exited = { code, sig };
    resolve(exited);
  }));

  const url = `https://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 10000);
      await exitPromise;
      clearTimeout(t);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`portico exited (${JSON.stringify(exited)}) before /healthz answered:\n${log}`);
    }
    try {
      const r = await httpsGet(`${url}/healthz`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`/healthz did not answer within ${timeoutMs} ms:\n${log}`);
    }
    await sleep(150);
  }
  return { url, port, httpPort: port2, dataDir, stop, log: () => log };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-quic'];

// A fresh browser (its own temporary profile). Close it with browser.close().
export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// A context that accepts the portal's self-signed certificate.
export async function newContext(browser, opts = {}) {
  return browser.newContext({ ignoreHTTPSErrors: true, ...opts });
}

// Collects CSP violations, page errors and failed sub-resources (a
// stylesheet, script or icon answering >= 400) so a test can assert there
// are none. The page's own document may be an error page on purpose.
export function watchPage(page) {
  const problems = [];
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      problems.push(`${r.status()} for ${r.request().resourceType()} ${r.url()}`);
    }
  });
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (apply|execute|load)/i.test(t)) problems.push(`console: ${t}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

// Fails on serious/critical axe violations (WCAG 2.1 A and AA), listing them.
export async function axeCheck(page, label = page.url()) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const lines = [];
    for (const v of bad) {
      lines.push(`[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
      for (const n of v.nodes.slice(0, 5)) {
        lines.push(`    ${n.target.join(' ')}`);
        if (n.failureSummary) lines.push(`      ${n.failureSummary.replace(/\n/g, '\n      ')}`);
      }
    }
    console.error(`axe: ${bad.length} serious/critical violation(s) on ${label}:\n${lines.join('\n')}`);
  }
  assert.equal(bad.length, 0, `axe found serious/critical violations on ${label}: ${bad.map((v) => v.id).join(', ')}`);
  return results;
}
