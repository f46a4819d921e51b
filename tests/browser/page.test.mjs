// The web page in a real browser (Debian's chromium, driven by playwright-core): paste, diagnostics and the
// editor highlight, cohort mode with the request preview, a 50 MB payload with progress, responsiveness and
// cancel, offline use, a narrow window, no console errors and no connection outside the site.
//
// Usage: node page.test.mjs SITE_DIR FIXTURES_DIR SCREENSHOT_DIR [--docs-screenshot PATH]
// Needs: npm ci in tests/browser (playwright-core) and /usr/bin/chromium (scripts/setup.sh installs both).
// Playwright never downloads a browser here: it is pointed at Debian's chromium.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTdbraze } from '../wasm/load_module.mjs';
import { serve } from './server.mjs';

const CHROMIUM = process.env.TDBRAZE_CHROMIUM || '/usr/bin/chromium';
const args = process.argv.slice(2);
const docsIndex = args.indexOf('--docs-screenshot');
const docsScreenshot = docsIndex >= 0 ? args.splice(docsIndex, 2)[1] : null;
const [siteDir, fixtures, shotDir] = args.map((a) => path.resolve(a));
if (!siteDir || !fixtures || !shotDir) {
  console.error('usage: node page.test.mjs SITE_DIR FIXTURES_DIR SCREENSHOT_DIR [--docs-screenshot PATH]');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`browser test: ${CHROMIUM} not found; install Debian's chromium (scripts/setup.sh does)`);
  process.exit(1);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.error(`browser test: playwright-core is not installed; run npm ci in ${path.dirname(fileURLToPath(import.meta.url))} (scripts/setup.sh does)`);
  process.exit(1);
}
if (!existsSync(path.join(siteDir, 'index.html'))) {
  console.error(`browser test: ${siteDir}/index.html not found; build the wasm preset first`);
  process.exit(1);
}

mkdirSync(shotDir, { recursive: true });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tdbraze-browser-'));
const tdbraze = await loadTdbraze(siteDir);
const started = Date.now();
// The whole test stays well under ctest's limit; a hang fails it rather than blocking the suite.
setTimeout(() => { console.log('browser page: timed out after 240 s'); process.exit(1); }, 240_000).unref();
let passed = 0;
let failed = 0;

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name} (${Date.now() - t0} ms)\n${err.stack || err}`);
    await shot(`FAILED-${name.replace(/\W+/g, '-')}`).catch(() => {});
  }
}

const server = await serve(siteDir);
const origin = new URL(server.url).origin;
const profile = mkdtempSync(path.join(tmp, 'profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
  viewport: { width: 1440, height: 900 },
  acceptDownloads: true,
  colorScheme: 'light',
});
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
const page = context.pages()[0] || await context.newPage();

const problems = [];  // console errors and warnings, page errors, failed or outside requests
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`); });
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
context.on('weberror', (e) => problems.push(`web error: ${e.error().message}`));
const outside = [];
context.on('request', (r) => {
  const url = r.url();
  if (!url.startsWith(`${origin}/`) && !url.startsWith('blob:') && !url.startsWith('data:')) outside.push(url);
});
let expectFailedRequests = false;
context.on('requestfailed', (r) => { if (!expectFailedRequests) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`); });

const shot = (name) => page.screenshot({ path: path.join(shotDir, `${name}.png`) });
const text = (sel) => page.locator(sel).innerText();
// No run going and the diagnostics list drawn to its end (it is drawn in slices).
const waitIdle = () => page.waitForFunction(() => !document.body.dataset.runs && !document.querySelector('#diags').dataset.rendering, null, { timeout: 30_000 });
const now = () => Math.floor(Date.now() / 1000);

async function diagnosticsShown() {
  return page.$$eval('#diags > li', (lis) => lis.map((li) => ({
    severity: li.querySelector('.sev').textContent,
    loc: li.querySelector('.loc')?.textContent || '',
    message: li.querySelector('.msg').textContent,
    code: li.querySelector('.code').textContent,
    count: Number(li.dataset.count),
    fix: li.querySelector('.diag-main .fix')?.textContent || '',
  })));
}

// The rows the list should show for a report (the spec of web/render.js groupDiagnostics, written out again):
// findings grouped by severity, code and place (the JSON pointer with array indexes as *, or the column), and
// by the suggested fix when the hint has a "did you mean"; errors first, then warnings, then info, each in
// the order of its first finding.
function expectedRows(diags) {
  const rank = { error: 0, warning: 1, info: 2 };
  const groups = new Map();
  for (const d of diags.filter((x) => x.code !== 'diagnostics-omitted')) {
    const where = 'pointer' in d ? d.pointer.replace(/\/\d+(?=\/|$)/g, '/*') : d.column_name;
    const key = [d.severity, d.code, where, /did you mean/i.test(d.hint) ? d.hint : ''].join('|');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(d);
  }
  return [...groups.values()].sort((a, b) => rank[a[0].severity] - rank[b[0].severity]);
}
const rowOf = (g) => [g[0].severity, g[0].code, g[0].message, `${g[0].line}:${g[0].column}`, g.length];

async function chipCounts() {
  return page.$$eval('#diag-card .chip', (chips) => Object.fromEntries(chips.map((c) => [c.dataset.sev, Number(c.querySelector('.n').textContent.replace(/,/g, ''))])));
}

function plural(n, word) { return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`; }

// ---------------------------------------------------------------------------------------------------------

await step('the page loads and its Worker starts', async () => {
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/);
  assert.match(await text('#status'), /Paste a Currents payload/);
  await shot('01-start');
});

const problemsJson = readFileSync(path.join(fixtures, 'currents/problems.json'), 'utf8');
let expectedProblems;

await step('paste a payload: the right counts, messages and chart', async () => {
  await page.evaluate((t) => navigator.clipboard.writeText(t), problemsJson);
  await page.click('#input-text');
  await page.keyboard.press('Control+V');
  await page.waitForSelector('#diag-card:not([hidden])');
  await waitIdle();
  expectedProblems = JSON.parse(tdbraze.validateCurrents(problemsJson, 'pasted', now(), false, 1000, 'http'));
  const s = expectedProblems.summary;
  assert.equal(await page.inputValue('#input-text'), problemsJson);
  assert.match(await text('#input-info'), /pasted/);
  assert.equal(await text('#status .status-text'), `${s.errors} errors, ${s.warnings} warnings in ${s.events} events`);
  assert.match(await page.getAttribute('#status', 'class'), /\bbad\b/);
  const shown = await diagnosticsShown();
  assert.deepEqual(shown.map((d) => [d.severity, d.code, d.message, d.loc, d.count]), expectedRows(expectedProblems.diagnostics).map(rowOf));
  assert.equal(shown[0].severity, 'error', 'errors first');
  assert.deepEqual(await chipCounts(), { error: s.errors, warning: s.warnings, info: s.infos });
  // Lines: the input info and the gutter agree; a final newline ends the last line, it starts no new one.
  assert.ok(problemsJson.endsWith('}\n'));
  const lineCount = problemsJson.split('\n').length - 1;
  assert.match(await text('#input-info'), new RegExp(`· ${lineCount} lines$`));
  assert.equal(await page.$eval('.ed-gutter', (g) => Math.max(...[...g.querySelectorAll('.ln:not([hidden])')].map((e) => Number(e.textContent)))), lineCount);
  // The pasted text is shown from its top, not from its end where the caret was.
  assert.equal(await page.$eval('#input-text', (ta) => ta.selectionStart), 0);
  assert.equal(await page.$eval('#input-text', (ta) => ta.scrollTop), 0);
  const bars = await page.$$eval('#summary .bars li', (lis) => lis.map((li) => [li.querySelector('.bar-label').textContent, Number(li.querySelector('.bar-value').textContent)]));
  assert.deepEqual(Object.fromEntries(bars), s.event_types);
  // The gutter marks the lines that have findings.
  const marked = await page.$$eval('.ed-gutter .ln.mark-error', (els) => els.map((e) => Number(e.textContent)));
  for (const d of expectedProblems.diagnostics.filter((x) => x.severity === 'error')) assert.ok(marked.includes(d.line), `line ${d.line} marked`);
  await shot('02-currents-pasted');
});

await step('select a diagnostic: its line and value are highlighted, the hint shows', async () => {
  const rows = expectedRows(expectedProblems.diagnostics);
  const index = rows.findIndex((g) => g[0].code === 'unknown-event-type');
  const d = rows[index][0];
  const item = page.locator('#diags > li').nth(index);
  // Before any click, the row itself shows the fix: the "did you mean" of the hint.
  assert.ok(await item.locator('.diag-main .fix').isVisible(), 'the suggestion shows in the row');
  assert.equal(await item.locator('.diag-main .fix code').textContent(), 'users.messages.email.Open');
  assert.ok(d.hint.includes('"users.messages.email.Open"'));
  await item.locator('.diag-main').click();
  assert.equal(await item.locator('.diag-main').getAttribute('aria-expanded'), 'true');
  assert.ok(await item.locator('.hint').isVisible(), 'the hint shows on expand');
  assert.ok((await item.locator('.hint').textContent()).endsWith(d.hint));
  assert.equal(await page.getAttribute('#editor', 'data-highlight-line'), String(d.line));
  assert.equal(await text('.ed-gutter .ln.current'), String(d.line));
  // The marked range starts at the diagnostic's column and covers the value (the event type string).
  const sel = await page.$eval('#input-text', (ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd));
  assert.equal(sel, '"users.message.email.Open"');
  const lineStart = problemsJson.split('\n').slice(0, d.line - 1).join('\n').length + 1;
  assert.equal(await page.$eval('#input-text', (ta) => ta.selectionStart), lineStart + d.column - 1);
  const [band, range, box] = await Promise.all(['.ed-hl-line', '.ed-hl-range', '#editor'].map((s) => page.locator(s).boundingBox()));
  assert.ok(band && range && band.y >= box.y && band.y + band.height <= box.y + box.height, 'highlighted line visible in the editor');
  assert.ok(Math.abs(range.y - band.y) < 1, 'range on the highlighted line');
  // Its x is where the column is drawn: the text before it, measured in the editor's font.
  const expectX = await page.evaluate(({ line, column }) => {
    const ta = document.querySelector('#input-text');
    const cs = getComputedStyle(ta);
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${cs.fontSize} ${cs.fontFamily}`;
    const prefix = ta.value.split('\n')[line - 1].slice(0, column - 1);
    return ta.getBoundingClientRect().x + parseFloat(cs.paddingLeft) + ctx.measureText(prefix).width - ta.scrollLeft;
  }, d);
  assert.ok(Math.abs(range.x - expectX) < 2, `range x ${range.x} ~ ${expectX}`);
  await shot('03-diagnostic-selected');

  // Keyboard: arrows move between diagnostics, Enter selects.
  await item.locator('.diag-main').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const next = rows[index + 1][0];
  assert.equal(await page.getAttribute('#editor', 'data-highlight-line'), String(next.line));

  // Severity filter: hide the warnings, then show them again.
  await page.click('#diag-card .chip[data-sev="warning"]');
  assert.equal(await page.locator('#diags > li').count(), rows.filter((g) => g[0].severity !== 'warning').length);
  assert.equal(await page.getAttribute('#diag-card .chip[data-sev="warning"]', 'aria-pressed'), 'false');
  await page.click('#diag-card .chip[data-sev="warning"]');
  assert.equal(await page.locator('#diags > li').count(), rows.length);
});

// Currents events for the steps below: valid unless changed.
function event(n, change = {}) {
  return {
    event_type: 'users.messages.email.Open', id: `5b7e2c4a-1f3d-4e8a-9b6c-${String(n).padStart(12, '0')}`, time: now() - 3600,
    user: { user_id: '65a1f0c2e4b0a1b2c3d4e5f6', external_user_id: `customer-${n}`, timezone: 'Asia/Tokyo' },
    properties: { campaign_name: 'Autumn welcome', email_address: `user${n}@example.jp` }, ...change,
  };
}
async function pasteText(t) {
  await page.click('#clear');
  await page.evaluate((x) => navigator.clipboard.writeText(x), t);
  await page.click('#input-text');
  await page.keyboard.press('Control+V');
  await page.waitForSelector('#diag-card:not([hidden])');
  await waitIdle();
}

await step('SQL for Treasure Data: the views for the payload\'s event types, as sql currents prints them', async () => {
  assert.equal(await page.isHidden('#td-sql-card'), false);
  await page.click('#td-sql-card summary');
  const types = JSON.stringify(Object.keys(expectedProblems.summary.event_types));
  const trino = JSON.parse(tdbraze.currentsSql('trino', 'currents', types, false));
  await page.waitForFunction((want) => document.querySelector('#td-sql').textContent === want, trino.sql);
  assert.match(trino.sql, /CREATE OR REPLACE VIEW users_messages_email_open/);
  await page.selectOption('#td-sql-dialect', 'sqlite');
  await page.fill('#td-sql-table', 'braze.currents_raw');
  const sqlite = JSON.parse(tdbraze.currentsSql('sqlite', 'braze.currents_raw', types, false));
  await page.waitForFunction((want) => document.querySelector('#td-sql').textContent === want, sqlite.sql);
  await shot('03b-td-sql');
  await page.click('#td-sql-card summary');
});

await step('the receiver choice: Treasure Data Postback adds its time window and external-id checks', async () => {
  await page.selectOption('#receiver', 'td-postback');
  const expected = JSON.parse(tdbraze.validateCurrents(problemsJson, 'pasted', now(), false, 1000, 'td-postback'));
  const s = expected.summary;
  assert.ok(s.warnings > expectedProblems.summary.warnings, 'more findings for Treasure Data');
  await page.waitForFunction((want) => document.querySelector('#status .status-text').textContent === want,
    `${s.errors} errors, ${s.warnings} warnings in ${s.events} events`);
  assert.ok((await diagnosticsShown()).some((d) => d.code === 'td-no-external-user-id'));
  await page.selectOption('#receiver', 'http');
  await page.waitForFunction((want) => document.querySelector('#status .status-text').textContent === want,
    `${expectedProblems.summary.errors} errors, ${expectedProblems.summary.warnings} warnings in ${expectedProblems.summary.events} events`);
});

await step('an error that stopped the check is listed first, before the warnings about the events before it', async () => {
  // 19 events with a time in milliseconds (a warning each), then a body cut off: a syntax error on line 20.
  const lines = [];
  for (let i = 0; i < 19; i++) lines.push(JSON.stringify({ events: [event(i, { time: (now() - 3600) * 1000 })] }));
  lines.push('{"events": [{"event_type": "users.messages.email.Open", "id": ');
  const t = lines.join('\n');
  await pasteText(t);
  const expected = JSON.parse(tdbraze.validateCurrents(t, 'pasted', now(), false, 1000, 'http'));
  assert.equal(expected.summary.errors, 1);
  assert.equal(expected.diagnostics[expected.diagnostics.length - 1].severity, 'error', 'the report lists it last');
  const shown = await diagnosticsShown();
  assert.equal(shown[0].severity, 'error');
  assert.equal(shown[0].code, 'json-syntax');
  assert.deepEqual(shown.map((d) => [d.severity, d.code, d.message, d.loc, d.count]), expectedRows(expected.diagnostics).map(rowOf));
  assert.match(await text('#status .status-text'), /^1 error, 19 warnings in/);
  // The 19 warnings are one group: a count and the first places in the row.
  assert.equal(shown[1].count, 19);
  assert.match(await page.locator('#diags > li').nth(1).locator('.places').textContent(), /^at 1:\d+, 2:\d+, 3:\d+ and 16 more$/);
  await shot('03b-error-first');
});

await step('repeated findings are one row with a count, its places listed on expand', async () => {
  // 300 events with a time in milliseconds, then 90 samples sharing one id.
  const events = [];
  for (let i = 0; i < 300; i++) events.push(event(i, { time: (now() - 3600) * 1000 + i }));
  for (let i = 0; i < 90; i++) events.push(event(7, { user: { user_id: '65a1f0c2e4b0a1b2c3d4e5f6', external_user_id: `sample-${i}` } }));
  const t = JSON.stringify({ events }, null, 2);
  await pasteText(t);
  const expected = JSON.parse(tdbraze.validateCurrents(t, 'pasted', now(), false, 1000, 'http'));
  const shown = await diagnosticsShown();
  assert.deepEqual(shown.map((d) => [d.severity, d.code, d.message, d.loc, d.count]), expectedRows(expected.diagnostics).map(rowOf));
  const ms = shown.find((d) => d.code === 'time-in-milliseconds');
  const dup = shown.find((d) => d.code === 'duplicate-id');
  assert.equal(ms.count, 300);
  assert.equal(dup.count, 90, 'each of the 90 samples repeats the id of event 7');
  assert.ok(shown.length <= 4, `a few rows, not ${expected.diagnostics.length}`);
  // Expand the duplicate ids: every place is listed; selecting the 50th reveals its line.
  const row = page.locator('#diags > li', { has: page.locator('.code', { hasText: 'duplicate-id' }) });
  await row.locator('.diag-main').click();
  const places = row.locator('.places-list .place');
  assert.equal(await places.count(), 90);
  const fiftieth = expected.diagnostics.filter((d) => d.code === 'duplicate-id')[49];
  await places.nth(49).click();
  assert.equal(await page.getAttribute('#editor', 'data-highlight-line'), String(fiftieth.line));
  assert.equal(await places.nth(49).getAttribute('aria-current'), 'true');
  await shot('03c-grouped');
});

await step('more than 1,000 findings: the true counts, a note that the list is capped, no long task while drawing', async () => {
  // 1,500 events with an unknown field each, named differently: 1,500 warnings that do not group, of which
  // the report lists 1,000: the largest list the page draws.
  const lines = [];
  for (let b = 0; b < 15; b++) {
    const events = [];
    for (let i = b * 100; i < (b + 1) * 100; i++) events.push(event(i, { properties: { campaign_name: 'x', email_address: `u${i}@example.jp`, [`extra_${i}`]: i } }));
    lines.push(JSON.stringify({ events }));
  }
  const t = `${lines.join('\n')}\n`;
  await pasteText(t);
  const expected = JSON.parse(tdbraze.validateCurrents(t, 'pasted', now(), false, 1000, 'http'));
  const s = expected.summary;
  assert.equal(s.warnings, 1500);
  assert.deepEqual(await chipCounts(), { error: s.errors, warning: s.warnings, info: s.infos });
  assert.match(await text('#status .status-text'), /^No errors in 1,500 events; 1,500 warnings/);
  assert.ok(await page.isVisible('#diags-cap'), 'the capped note shows');
  assert.match(await text('#diags-cap'), /^The first 1,000 of 1,500 findings are listed/);
  assert.match(await text('#diags-cap code'), /^tdbraze validate currents --max-diagnostics 1500 FILE$/);
  const box = await page.locator('#diags-cap').boundingBox();
  const listBox = await page.locator('#diags').boundingBox();
  assert.ok(box.y < listBox.y, 'the note is above the list');
  const shown = await diagnosticsShown();
  assert.equal(shown.length, 1000);
  assert.ok(!shown.some((d) => d.code === 'diagnostics-omitted'), 'no omitted-row at the bottom');

  // Drawing the result again: every main-thread task stays under 50 ms (Long Tasks API). Up to three tries:
  // other work on a shared 2-core machine can stretch one task now and then, but a page that draws 1,000
  // rows in one go (120 to 240 ms) fails all three.
  const tries = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.evaluate(() => {
      window.__longTasks = [];
      window.__longObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration)); });
      window.__longObserver.observe({ type: 'longtask' });
    });
    const t0 = Date.now();
    await page.click('#validate');
    await page.waitForFunction(() => document.body.dataset.runs === '');
    await waitIdle();
    const drawMs = Date.now() - t0;
    await page.waitForTimeout(100);  // let the observer deliver
    const longTasks = await page.evaluate(() => { window.__longObserver.disconnect(); return window.__longTasks; });
    tries.push({ drawMs, longTasks });
    if (longTasks.every((ms) => ms < 50)) break;
  }
  console.log(`     1,000 findings, validated and drawn: ${tries.map((t) => `${t.drawMs} ms, long tasks [${t.longTasks.join(', ')}]`).join('; ')}`);
  const best = tries[tries.length - 1].longTasks;
  assert.ok(best.every((ms) => ms < 50), `no main-thread task of 50 ms or more (${tries.map((t) => `[${t.longTasks.join(', ')}]`).join(' ')} ms)`);
  assert.equal(await page.locator('#diags > li').count(), 1000);
  // Filtering redraws the same way.
  await page.fill('#diag-search', 'extra_14');
  await waitIdle();
  assert.equal(await page.locator('#diags > li').count(), 1 + 10);  // extra_14 and extra_140..149 (extra_1400.. are not listed)
  await page.fill('#diag-search', '');
  await waitIdle();
  await shot('03d-capped');
});

const emails = readFileSync(path.join(fixtures, 'cohort/braze-emails.csv'), 'utf8');

await step('cohort mode: settings, request preview, copy and download, the query check', async () => {
  await page.click('label[for="mode-cohort"]');
  assert.equal(await page.getAttribute('body', 'data-mode'), 'cohort');
  await page.fill('#cohort-id', 'spring-sale');
  await page.fill('#cohort-name', 'Spring sale');
  await page.fill('#input-text', emails);
  await page.waitForFunction(() => document.querySelector('#status').classList.contains('bad'));
  await waitIdle();
  assert.ok((await diagnosticsShown()).some((d) => d.code === 'no-identifier-column'), 'without an alias column nothing is sent');

  await page.fill('#alias-columns', 'email');
  await page.waitForFunction(() => document.querySelectorAll('#requests pre.body').length === 2);
  await waitIdle();
  const preview = await page.$$eval('#requests pre.body', (pres) => pres.map((p) => p.textContent));
  const createdAt = JSON.parse(preview[0]).body.created_at;
  assert.match(createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'created_at without milliseconds');
  const settings = { cohort_id: 'spring-sale', cohort_name: 'Spring sale', operation: 'add', alias_columns: ['email'], created_at: createdAt };
  const expected = tdbraze.planCohort(emails, 'pasted', JSON.stringify(settings));
  assert.deepEqual(preview, expected.requests, 'the exact request records');
  assert.ok(preview[1].includes('{"alias_name":"tdcohort1@example.com","alias_label":"email"}'));
  assert.ok(preview.every((p) => p.includes('"partner_api_key":"<partner_api_key>"') && p.includes('"client_secret":"<client_secret>"')));
  const report = JSON.parse(expected.report);
  assert.match(await text('#status .status-text'), /^Ready: 4 identifiers in 1 membership call/);
  const stats = await page.$$eval('#summary .stat', (els) => els.map((e) => [e.querySelector('.stat-l').textContent, Number(e.querySelector('.stat-n').textContent)]));
  assert.deepEqual(stats, [['rows', report.summary.rows], ['requests', 2], ['duplicates', 0], ['skipped cells', 0]]);
  const bars = await page.$$eval('#summary .bars li', (lis) => lis.map((li) => [li.querySelector('.bar-label').textContent, Number(li.querySelector('.bar-value').textContent)]));
  assert.deepEqual(bars, [['user_ids', 0], ['device_ids', 0], ['aliases', 4]]);

  await page.click('#copy-requests');
  await page.waitForFunction(() => document.querySelector('#copy-requests').textContent === 'Copied');
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(clipboard, `${expected.requests.join('\n')}\n`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-requests')]);
  assert.equal(download.suggestedFilename(), 'spring-sale-requests.jsonl');
  assert.equal(readFileSync(await download.path(), 'utf8'), `${expected.requests.join('\n')}\n`);

  const query = 'SELECT external_id, email\nFROM example_cohort_table';
  await page.fill('#sql', query);
  await page.waitForSelector('#sql-result .sql-cols');
  const sql = JSON.parse(tdbraze.checkSql(query, 'query', '["email"]'));
  const cols = await page.$$eval('#sql-result .col', (els) => els.map((e) => [e.querySelector('code').textContent, e.querySelector('.as').textContent]));
  assert.deepEqual(cols, sql.summary.columns.map((c) => [c.name, c.sent_as]));
  const findings = await page.$$eval('#sql-result .diag .code', (els) => els.map((e) => e.textContent));
  assert.deepEqual(findings, sql.diagnostics.map((d) => d.code));
  assert.ok(findings.includes('near-miss-column'));
  await page.click('#sql-result .diag .diag-main');
  assert.equal(await page.$eval('#sql', (ta) => ta.value.slice(ta.selectionStart, ta.selectionEnd)), 'external_id');
  await page.click('#requests-heading');
  await shot('04-cohort');
});

await step('a cohort plan marked "do not send": Copy and Download are off, with the reason', async () => {
  // A row with too few fields is an error: the row is left out, the rest is planned, and the plan must not
  // be sent (the CLI exits with status 1).
  const csv = 'user_ids,email\nu1,a@example.com\nu2\n';
  await page.fill('#input-text', csv);
  await page.waitForFunction(() => /do not send/.test(document.querySelector('#status').textContent));
  await waitIdle();
  const expected = tdbraze.planCohort(csv, 'pasted', JSON.stringify({ cohort_id: 'spring-sale', cohort_name: 'Spring sale', alias_columns: ['email'], created_at: '2025-11-24T09:30:00Z' }));
  assert.equal(JSON.parse(expected.report).ok, false);
  assert.ok(expected.requests.length > 0, 'requests are planned all the same');
  assert.equal(await page.isDisabled('#copy-requests'), true);
  assert.equal(await page.isDisabled('#download-requests'), true);
  assert.equal(await page.getAttribute('#copy-requests', 'title'), 'Not sendable: the plan has errors');
  assert.match(await text('#requests-note'), /^Do not send this plan: it has 1 error/);
  assert.match(await page.getAttribute('#requests-note', 'class'), /\bbad\b/);
  assert.equal(await page.locator('#requests pre.body').count() > 0, true, 'the preview stays');
  await shot('04b-cohort-not-sendable');
  // Fixed, the plan is sendable again.
  await page.fill('#input-text', 'user_ids,email\nu1,a@example.com\nu2,b@example.com\n');
  await page.waitForFunction(() => /^Ready/.test(document.querySelector('#status .status-text').textContent));
  await waitIdle();
  assert.equal(await page.isDisabled('#copy-requests'), false);
  assert.equal(await page.isDisabled('#download-requests'), false);
  assert.doesNotMatch(await page.getAttribute('#requests-note', 'class'), /\bbad\b/);
});

await step('the output mapping: a near miss offers one click that maps the column, and the plan is the mapped one', async () => {
  const csv = 'External_ID,email,Mail\nTD-1,a@example.com,x@example.com\nTD-2,b@example.com,\n';
  await page.fill('#input-text', csv);
  await page.waitForSelector('#diags .diag-action');
  await waitIdle();
  assert.equal(await text('#diags .diag-action'), 'Map External_ID to user_ids');
  assert.ok((await diagnosticsShown()).some((d) => d.code === 'near-miss-column'));
  await page.click('#diags .diag-action');
  // The fix is a setting, not an edit of the data: a mapping row appears and the table is unchanged.
  await page.waitForFunction(() => !document.querySelector('#diags .diag-action'));
  await waitIdle();
  assert.equal(await page.$eval('#map-rows .map-column', (i) => i.value), 'External_ID');
  assert.equal(await page.$eval('#map-rows .map-target', (s) => s.value), 'user_ids');
  assert.equal(await page.$eval('#input-text', (t) => t.value), csv);
  const preview = await page.$$eval('#requests pre.body', (pres) => pres.map((p) => p.textContent));
  const createdAt = JSON.parse(preview[0]).body.created_at;
  const expected = tdbraze.planCohort(csv, 'pasted', JSON.stringify({ cohort_id: 'spring-sale', cohort_name: 'Spring sale', alias_columns: ['email'], map: ['External_ID=user_ids'], created_at: createdAt }));
  assert.deepEqual(preview, expected.requests, 'the mapped plan, as the module makes it');
  assert.ok(preview[1].includes('"user_ids":["TD-1","TD-2"]'));
  assert.deepEqual(JSON.parse(expected.report).mapping, [{ column: 'External_ID', target: 'user_ids' }]);
  // The editor by hand: Mail sent as aliases labelled mail_address, then removed again.
  await page.click('#map-add');
  const rows = page.locator('#map-rows .map-row');
  await rows.nth(1).locator('.map-column').fill('Mail');
  await rows.nth(1).locator('.map-target').selectOption('alias');
  assert.equal(await rows.nth(1).locator('.map-label').isVisible(), true);
  await rows.nth(1).locator('.map-label').fill('mail_address');
  await page.waitForFunction(() => [...document.querySelectorAll('#requests pre.body')].some((p) => p.textContent.includes('mail_address')));
  await waitIdle();
  await shot('04c-cohort-mapping');
  await rows.nth(1).locator('.map-remove').click();
  await rows.nth(0).locator('.map-remove').click();
  await page.waitForFunction(() => document.querySelectorAll('#map-rows .map-row').length === 0);
  await page.waitForSelector('#diags .diag-action');
});

// A 50 MB payload: JSON Lines of Currents bodies (100 events each), with a few broken events.
const bigPath = path.join(tmp, 'big-payload.jsonl');
let bigBytes;
await step('generate a 50 MB payload', async () => {
  const out = createWriteStream(bigPath);
  let size = 0;
  let n = 0;
  for (let batch = 0; size < 50 * 1024 * 1024; batch++) {
    const events = [];
    for (let k = 0; k < 100; k++, n++) {
      const e = {
        event_type: 'users.messages.email.Open', id: `4f3c2a10-7d8e-4b21-9c55-${String(n).padStart(12, '0')}`, time: 1732456800 + (n % 86400),
        user: { user_id: '65a1f0c2e4b0a1b2c3d4e5f6', external_user_id: `customer-${n}`, timezone: 'Asia/Tokyo' },
        properties: { campaign_name: 'Autumn welcome', email_address: `user${n}@example.jp`, machine_open: 'true' },
      };
      if (batch % 250 === 17 && k === 42) e.time = String(e.time);  // an error now and then
      events.push(e);
    }
    const line = `${JSON.stringify({ events })}\n`;
    size += line.length;
    if (!out.write(line)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  bigBytes = readFileSync(bigPath);
  assert.ok(bigBytes.length >= 50 * 1024 * 1024);
});

let bigExpected;
let responsiveness = {};
await step('50 MB payload: progress, the page keeps answering, the right report', async () => {
  await page.click('label[for="mode-currents"]');
  bigExpected = JSON.parse(tdbraze.validateCurrents(bigBytes, 'big-payload.jsonl', now(), false, 1000, 'http'));
  // Probes: animation frames keep coming, typed input is handled at once, progress is shown.
  await page.evaluate(() => {
    const p = { gaps: [], last: performance.now(), on: true, input: [], progress: [], longTasks: [] };
    window.__probe = p;
    new PerformanceObserver((list) => { for (const e of list.getEntries()) p.longTasks.push(Math.round(e.duration)); }).observe({ type: 'longtask' });
    const tick = (t) => { p.gaps.push(t - p.last); p.last = t; if (p.on) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    document.addEventListener('input', (e) => { if (e.target.id === 'cohort-name') p.input.push(performance.now() - e.timeStamp); }, true);
    new MutationObserver(() => {
      if (!document.querySelector('#progress-row').hidden) p.progress.push(document.querySelector('#progress').value);
    }).observe(document.querySelector('#progress-text'), { childList: true, characterData: true, subtree: true });
  });
  const t0 = Date.now();
  await page.setInputFiles('#file-input', bigPath);
  await page.waitForSelector('#progress-row:not([hidden])', { timeout: 10_000 });
  // While it runs: switch to the cohort settings and type; the Currents run goes on in its own Worker.
  await page.click('label[for="mode-cohort"]');
  await page.click('#cohort-name');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Spring sale 50 MB');
  const stillRunningWhileTyping = await page.evaluate(() => (document.body.dataset.runs || '').includes('currents'));
  await page.click('label[for="mode-currents"]');
  await page.waitForFunction(() => !(document.body.dataset.runs || '').includes('currents'), null, { timeout: 60_000 });
  await page.waitForSelector('#large-note:not([hidden])');
  await page.waitForFunction(() => /read-only/.test(document.querySelector('#large-note').textContent), null, { timeout: 30_000 });
  const elapsed = Date.now() - t0;
  const probe = await page.evaluate(() => { window.__probe.on = false; return window.__probe; });
  const gaps = probe.gaps.slice(1);
  responsiveness = {
    elapsedMs: elapsed,
    frames: gaps.length,
    maxFrameGapMs: Math.round(Math.max(...gaps)),
    maxInputLatencyMs: Math.round(Math.max(...probe.input)),
    keysTyped: probe.input.length,
    stillRunningWhileTyping,
    progressUpdates: probe.progress.length,
    longTasksMs: probe.longTasks,
  };
  console.log(`     50 MB: ${JSON.stringify(responsiveness)}`);
  assert.ok(probe.progress.length >= 2, 'progress shown and updated');
  // The main thread never blocks for long (the work is in the Worker; the file is read and indexed in
  // slices). The frame and input bounds are loose because a busy 2-core machine delays frames too.
  assert.ok(Math.max(0, ...probe.longTasks) < 200, `no long main-thread task (${probe.longTasks.join(', ')} ms)`);
  assert.ok(responsiveness.maxFrameGapMs < 500, `animation frames kept coming (max gap ${responsiveness.maxFrameGapMs} ms)`);
  assert.ok(responsiveness.maxInputLatencyMs < 250, `typing answered at once (max ${responsiveness.maxInputLatencyMs} ms)`);
  assert.equal(await page.inputValue('#cohort-name'), 'Spring sale 50 MB');

  const s = bigExpected.summary;
  assert.match(await text('#status .status-text'),
    new RegExp(`^${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')} in ${plural(s.events, 'event')}( \\(\\d+\\.\\d s\\))?$`));
  const shown = await diagnosticsShown();
  assert.deepEqual(shown.map((d) => [d.severity, d.code, d.message, d.loc, d.count]), expectedRows(bigExpected.diagnostics).map(rowOf));
  assert.match(await text('#input-info'), /big-payload\.jsonl · 50 MB · [\d,]+ lines/);

  // The last diagnostic is far down a long line: the read-only view scrolls there and marks the value. The
  // string times are one group: expand it and select its last place.
  const d = bigExpected.diagnostics[bigExpected.diagnostics.length - 1];
  const group = page.locator('#diags > li', { has: page.locator('.code', { hasText: d.code }) });
  await group.locator('.diag-main').click();
  await group.locator('.places-list .place').last().click();
  assert.equal(await page.getAttribute('#editor', 'data-highlight-line'), String(d.line));
  assert.equal(await text('.ed-gutter .ln.current'), String(d.line));
  const mark = page.locator('.ed-rows .row.current mark');
  assert.equal(await mark.innerText(), bigBytes.toString('latin1').split('\n')[d.line - 1].slice(d.column - 1, d.column - 1 + (await mark.innerText()).length));
  assert.match(await mark.innerText(), /^"\d+"$/, 'the string time is marked');
  const [markBox, editorBox] = await Promise.all([mark.boundingBox(), page.locator('.ed-view').boundingBox()]);
  assert.ok(markBox.x >= editorBox.x && markBox.x + markBox.width <= editorBox.x + editorBox.width && markBox.y >= editorBox.y && markBox.y < editorBox.y + editorBox.height, 'mark on screen');
  await shot('05-large-done');
});

await step('cancel a running validation, then run again', async () => {
  // Cancel as soon as the first progress arrives (from inside the page, so that the run is surely going).
  await page.evaluate(() => {
    const obs = new MutationObserver(() => {
      if (!document.querySelector('#progress-row').hidden) { obs.disconnect(); window.__cancelledAt = document.querySelector('#progress').value; document.querySelector('#cancel').click(); }
    });
    obs.observe(document.querySelector('#progress-text'), { childList: true, characterData: true, subtree: true });
  });
  await page.click('#validate');
  await page.waitForFunction(() => /Cancelled/.test(document.querySelector('#status').textContent), null, { timeout: 30_000 });
  const at = await page.evaluate(() => window.__cancelledAt);
  assert.ok(at < 100, `cancelled at ${at}%`);
  assert.equal(await page.isHidden('#progress-row'), true);
  assert.equal(await page.isHidden('#diag-card'), true, 'no stale results after a cancel');
  await shot('06-cancelled');
  // A fresh Worker takes over: the same input validates again, with the same report.
  await page.click('#validate');
  await shot('07-rerun-running');
  await page.waitForSelector('#diag-card:not([hidden])', { timeout: 60_000 });
  await waitIdle();
  const shown = await diagnosticsShown();
  assert.equal(shown.length, expectedRows(bigExpected.diagnostics).length);
  assert.match(await text('#status .status-text'), new RegExp(`in ${bigExpected.summary.events.toLocaleString('en-US')} events`));
});

await step('a large paste (over the 1 MiB edit limit) goes to the read-only view', async () => {
  const lines = bigBytes.toString('latin1').split('\n');
  const pasted = `${lines.slice(0, 120).join('\n')}\n`;
  assert.ok(pasted.length > 3 * 1024 * 1024);
  await page.click('#clear');
  await page.evaluate((t) => navigator.clipboard.writeText(t), pasted);
  await page.click('#input-text');
  await page.keyboard.press('Control+V');
  await page.waitForFunction(() => /read-only/.test(document.querySelector('#large-note').textContent) && !document.querySelector('#large-note').hidden);
  await page.waitForSelector('#diag-card:not([hidden])', { timeout: 30_000 });
  await waitIdle();
  assert.equal(await page.isHidden('#input-text'), true, 'no textarea for large input');
  const expected = JSON.parse(tdbraze.validateCurrents(pasted, 'pasted', now(), false, 1000, 'http'));
  const shown = await diagnosticsShown();
  assert.deepEqual(shown.map((d) => [d.code, d.loc, d.count]), expectedRows(expected.diagnostics).map((g) => [g[0].code, `${g[0].line}:${g[0].column}`, g.length]));
  assert.match(await text('#input-info'), /^pasted · [\d,]+ characters · 120 lines$/);
  await shot('08-large-paste');
});

await step('drop a file on the page', async () => {
  await page.click('label[for="mode-cohort"]');
  await page.fill('#alias-columns', '');
  await page.waitForTimeout(400);
  await waitIdle();
  const csv = readFileSync(path.join(fixtures, 'cohort/braze-user-ids.csv'), 'utf8');
  await page.evaluate(({ name, content }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], name, { type: 'text/csv' }));
    const target = document.querySelector('#editor');
    for (const type of ['dragenter', 'dragover']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    if (document.querySelector('#drop-overlay').hidden) throw new Error('no drop overlay while dragging');
    target.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, { name: 'dropped-users.csv', content: csv });
  await page.waitForFunction(() => /dropped-users\.csv/.test(document.querySelector('#input-info').textContent));
  await page.waitForSelector('#requests pre.body');
  await waitIdle();
  assert.equal(await page.isHidden('#drop-overlay'), true);
  assert.equal(await page.inputValue('#input-text'), csv);
  assert.match(await text('#status .status-text'), /^Ready: 4 identifiers in 1 membership call/);
  await shot('09-dropped');
  await page.click('label[for="mode-currents"]');
});

await step('a narrow window', async () => {
  await page.click('#clear');
  await page.setViewportSize({ width: 400, height: 860 });
  await page.selectOption('#examples', 'currents-td-doc');
  await page.waitForSelector('#diag-card:not([hidden])');
  await waitIdle();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px too wide)`);
  await shot('10-narrow');
  await page.setViewportSize({ width: 1440, height: 900 });
});

await step('offline: with the server gone, a reload still validates', async () => {
  const ready = await page.evaluate(async () => { const r = await navigator.serviceWorker.ready; return r.active.state; });
  assert.equal(ready, 'activated');
  // Every file the site needs is stored by now (the service worker keeps a copy at install).
  await server.close();
  expectFailedRequests = true;
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await page.selectOption('#examples', 'currents-valid');
  await page.waitForSelector('#summary-card:not([hidden])');
  await waitIdle();
  assert.match(await text('#status .status-text'), /^Valid: 3 events/);
  await page.selectOption('#examples', 'cohort-user-ids');
  await page.waitForSelector('#requests pre.body');
  await waitIdle();
  assert.match(await text('#status .status-text'), /^Ready: 4 identifiers/);
  await shot('11-offline');
});

await step('dark colour scheme', async () => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.click('label[for="mode-currents"]');
  await shot('12-dark');
  await page.emulateMedia({ colorScheme: 'light' });
});

await step('no console errors, no connection outside the site', async () => {
  assert.deepEqual(problems, []);
  assert.deepEqual(outside, []);
});

await context.close();
await server.close().catch(() => {});
rmSync(tmp, { recursive: true, force: true });
if (docsScreenshot) copyFileSync(path.join(shotDir, '03-diagnostic-selected.png'), docsScreenshot);
console.log(`screenshots in ${shotDir}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`browser page: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
