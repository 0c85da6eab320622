// The search page and the widget in a real browser (Debian's chromium, driven by
// playwright-core; never a downloaded browser). Run by tests/integration/browser.sh,
// which starts artisearchd over a small corpus holding a hostile document.
//
//   ARTISEARCH_URL   the daemon, e.g. http://127.0.0.1:40123/
//   WIDGET_PORT      a free loopback port for the widget's host site; the daemon must allow
//                    http://127.0.0.1:WIDGET_PORT with --cors-origin (a real loopback server:
//                    Chromium keeps sites that are not local from calling loopback addresses)
//   OUT_DIR          where screenshots go
//
// Exit status: 0 passed, 1 failed, 77 chromium could not start (the caller says so).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

const base = process.env.ARTISEARCH_URL;
const widgetPort = Number(process.env.WIDGET_PORT || 0);
const outDir = process.env.OUT_DIR || 'tests/out';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!base) {
  console.error('search.test.mjs: ARTISEARCH_URL is not set');
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'artisearch-chromium-'));
let context;
try {
  // A persistent context on a fresh folder is how playwright takes a --user-data-dir.
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
    timeout: 30000,
  });
} catch (e) {
  rmSync(profile, { recursive: true, force: true });
  console.log(`SKIP: chromium (${executablePath}) cannot start: ${String(e.message).split('\n')[0]}`);
  process.exit(77);
}

let passed = 0;
let failed = 0;
const dialogs = [];

async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

// A script that ran would set one of these (the hostile documents try each).
async function pwned(page) {
  return page.evaluate(() => [window.__pwned, window.__pwned1, window.__pwned2, window.__pwned3,
    window.__pwned4, window.__pwned5].filter((v) => v !== undefined));
}

const page = context.pages()[0] || await context.newPage();
page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
page.setDefaultTimeout(10000);

const hitTitles = () => page.$$eval('#results-list .hit h2 a', (as) => as.map((a) => a.textContent));

await step('the page loads with its search box', async () => {
  await page.goto(base);
  await page.waitForSelector('#q');
  assert.equal(await page.getAttribute('form', 'role'), 'search');
  assert.equal(await page.title(), 'Recherche — Chambres de métiers et de l\'artisanat');
});

await step('typing shows results as you type, with highlighted snippets', async () => {
  await page.click('#q');
  await page.keyboard.type('apprentissage', { delay: 30 });
  await page.waitForSelector('#results-list[data-query="apprentissage"] .hit');
  const status = await page.textContent('#status');
  assert.match(status, /\d+ résultats?/);
  assert.ok((await page.$$('#results-list .hit')).length > 0);
  assert.ok((await page.$$('#results-list .snippet mark')).length > 0, 'a <mark> in a snippet');
  assert.match(page.url(), /[?&]q=apprentissage/);
});

await step('keyboard: Down walks the results, Up comes back to the box', async () => {
  await page.focus('#q');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-hit')), '0');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('data-hit')), '1');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'q');
});

await step('page 2 shows other results', async () => {
  const first = await hitTitles();
  await page.click('#pages button[data-page="2"][aria-label="Page 2"]');
  await page.waitForSelector('#pages button[aria-current="page"][data-page="2"]');
  await page.waitForSelector('#results-list[data-page="2"] .hit');
  const second = await hitTitles();
  assert.ok(second.length > 0);
  assert.notDeepEqual(second, first);
  assert.match(page.url(), /[?&]page=2/);
});

await step('a facet filters the results', async () => {
  const button = await page.waitForSelector('#facets button[data-facet="type"][data-value="guide"]');
  const count = Number(await button.$eval('.count', (c) => c.textContent));
  await button.click();
  await page.waitForSelector('#facets button[data-facet="type"][data-value="guide"][aria-pressed="true"]');
  await page.waitForFunction(() => /[?&]type=guide/.test(location.search));
  const status = await page.textContent('#status');
  assert.match(status, new RegExp(`^${count} résultats?`));
  const metas = await page.$$eval('#results-list .hit .meta', (ps) => ps.map((p) => p.textContent));
  assert.ok(metas.length > 0 && metas.every((m) => m.startsWith('Guides')), metas.join(' | '));
  await page.click('#facets button[data-facet="type"][aria-pressed="true"]');
  await page.waitForFunction(() => !/[?&]type=/.test(location.search));
});

await step('"did you mean" on a misspelt query, and following it', async () => {
  await page.fill('#q', '');
  await page.click('#q');
  await page.keyboard.type('aprentisage', { delay: 30 });
  await page.waitForSelector('#didyoumean:not([hidden])');
  const suggestion = await page.textContent('#suggestion');
  assert.match(suggestion, /apprentissage/);
  await page.click('#suggestion');
  await page.waitForFunction(() => document.getElementById('q').value.includes('apprentissage'));
  await page.waitForFunction(() => /apprentissage/.test(document.getElementById('results-list').getAttribute('data-query') || '') &&
    document.querySelector('#results-list .hit'));
});

await step('a hostile document is shown as text and runs no script', async () => {
  await page.fill('#q', '');
  await page.click('#q');
  await page.keyboard.type('zoulou', { delay: 30 });
  await page.waitForSelector('#results-list[data-query="zoulou"] .hit');
  const titles = await hitTitles();
  assert.ok(titles.some((t) => t.includes('<script>')), `a title shows <script> as text: ${titles}`);
  const snippets = await page.$$eval('#results-list .snippet', (ps) => ps.map((p) => p.textContent));
  assert.ok(snippets.some((s) => /<script>|onerror/.test(s)), `a snippet shows the payload as text: ${snippets}`);
  assert.equal(await page.$$eval('#results-list script, #results-list img, #results-list iframe', (n) => n.length), 0);
  const hrefs = await page.$$eval('#results-list a', (as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.every((h) => !/^\s*javascript:/i.test(h)), `no javascript: link: ${hrefs}`);
  await page.waitForTimeout(300);
  assert.deepEqual(await pwned(page), []);
  assert.deepEqual(dialogs, []);
  await page.screenshot({ path: join(outDir, 'browser-hostile.png'), fullPage: true });
});

await step('usable on a phone-sized screen', async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.fill('#q', 'apprentissage');
  await page.press('#q', 'Enter');
  await page.waitForSelector('#results-list[data-query="apprentissage"] .hit');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling (${overflow}px)`);
  await page.screenshot({ path: join(outDir, 'browser-phone.png') });
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.screenshot({ path: join(outDir, 'browser-search.png'), fullPage: true });
});

await step('the widget turns an input on another site into a dropdown of results', async () => {
  assert.ok(widgetPort > 0, 'WIDGET_PORT is set');
  // Another site (another origin) with one input and one script tag; the widget calls
  // the daemon cross-origin, which works only if the daemon answers with CORS headers.
  const site = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site CMA</title></head>
<body><h1>Site d'une CMA</h1><form><input type="search" data-artisearch placeholder="Rechercher"></form>
<script src="${base}widget.js"></script></body></html>`);
  });
  await new Promise((resolve, reject) => { site.once('error', reject); site.listen(widgetPort, '127.0.0.1', resolve); });
  try {
  await page.goto(`http://127.0.0.1:${widgetPort}/`);
  await page.click('input[data-artisearch]');
  await page.keyboard.type('zoulou', { delay: 30 });
  await page.waitForSelector('.artisearch-box[role="listbox"]:not([hidden]) .artisearch-opt');
  assert.equal(await page.getAttribute('input[data-artisearch]', 'role'), 'combobox');
  assert.equal(await page.getAttribute('input[data-artisearch]', 'aria-expanded'), 'true');
  const texts = await page.$$eval('.artisearch-opt .artisearch-title', (s) => s.map((x) => x.textContent));
  assert.ok(texts.some((t) => t.includes('<script>')), `hostile title as text: ${texts}`);
  await page.keyboard.press('ArrowDown');
  const active = await page.getAttribute('input[data-artisearch]', 'aria-activedescendant');
  assert.ok(active, 'ArrowDown selects an option');
  assert.equal(await page.getAttribute(`#${active}`, 'aria-selected'), 'true');
  await page.fill('input[data-artisearch]', '');
  await page.keyboard.type('apprentissage', { delay: 30 });
  await page.waitForSelector('.artisearch-opt mark');
  await page.waitForTimeout(300);
  assert.deepEqual(await pwned(page), []);
  assert.deepEqual(dialogs, []);
  await page.screenshot({ path: join(outDir, 'browser-widget.png') });
  } finally {
    site.close();
  }
});

await context.close();
rmSync(profile, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
