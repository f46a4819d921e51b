// The page's Currents Worker validating a picked file in two parts on two Workers (web/worker.js): for every kind
// of input the report is byte for byte the one the module gives for the whole input in one piece, and the way
// the parts went is the expected one: joined; the second part validated again where it could not be taken; the
// whole file again where the reports cannot be joined; one Worker where there is no seam or the file is small.
//
// Usage: node currents_parts.test.mjs SITE_DIR
// Needs: npm ci in tests/browser (playwright-core) and /usr/bin/chromium (scripts/setup.sh installs both).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { loadTdbraze } from '../wasm/load_module.mjs';
import { serve } from './server.mjs';

const CHROMIUM = process.env.TDBRAZE_CHROMIUM || '/usr/bin/chromium';
const siteDir = path.resolve(process.argv[2] || '');
if (!existsSync(path.join(siteDir, 'worker.js')) || !existsSync(CHROMIUM)) {
  console.error('usage: node currents_parts.test.mjs SITE_DIR (with the wasm site built and /usr/bin/chromium installed)');
  process.exit(2);
}
setTimeout(() => { console.log('currents parts: timed out after 200 s'); process.exit(1); }, 200_000).unref();

const NOW = 1764000000;
const tdbraze = await loadTdbraze(siteDir);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tdbraze-parts-'));

let n = 0;
function event(type, properties, { id, time } = {}) {
  n += 1;
  return JSON.stringify({
    event_type: type, id: id ?? `0c9a4f52-7b1e-4f0a-9a57-${String(n).padStart(12, '0')}`, time: time ?? 1763990000,
    user: { user_id: '65a1f0c2e4b0a1b2c3d4e5f6', external_user_id: `customer-${n}` }, properties,
  });
}
const open = (p) => event('users.messages.email.Open', { campaign_name: 'Autumn', email_address: `u${n}@example.jp` }, p);
const batch = (events) => `{"events":[${events.join(',')}]}`;

// Lines of batches, some with findings: a string time, an unknown type, a duplicate id inside a batch (its
// message names a line), a value cut off at the end of its line (its hint names a line), CRLF when asked.
function jsonLines(lines, { crlf = false } = {}) {
  const out = [];
  for (let i = 0; i < lines; i++) {
    const events = [open(), open(), open()];
    if (i % 97 === 5) events.push(open({ time: '1763990000' }));
    if (i % 89 === 7) events.push(event('users.no.Such', {}));
    if (i % 83 === 11) events.push(open({ id: 'dup-1' }), open({ id: 'dup-1' }));
    out.push(i % 151 === 13 ? `{"events":[${open()},` : batch(events));
  }
  return `${out.join(crlf ? '\r\n' : '\n')}\n`;
}

// Bare events, one per line, whose ids repeat across the middle: a part after the middle cannot know the ids
// before it, so it is validated again by the first Worker.
function bareEvents(lines) {
  const out = [];
  for (let i = 0; i < lines; i++) out.push(open({ id: `bare-${i % (lines / 2)}` }));
  return `${out.join('\n')}\n`;
}

// 1,200 unknown event types, 600 on each side: more than the summary names, so the parts' reports cannot be
// joined and the whole file is validated again.
function manyUnknownTypes() {
  const out = [];
  for (let i = 0; i < 1200; i++) out.push(batch([event(`custom.type.${i}`, {})]));
  return `${out.join('\n')}\n`;
}

const inputs = [
  { name: 'JSON Lines with findings on both sides', text: jsonLines(4000), parts: 'joined' },
  { name: 'the same with CRLF', text: jsonLines(1500, { crlf: true }), parts: 'joined' },
  { name: 'bare events with ids repeated across the middle', text: bareEvents(2000), parts: 'feed' },
  { name: 'more unknown types than the summary names', text: manyUnknownTypes(), parts: 'again' },
  { name: 'one pretty-printed envelope', text: `{"events": [\n  ${Array.from({ length: 3000 }, () => open()).join(',\n  ')}\n]}\n`, parts: 'one' },
  { name: 'a small file', text: jsonLines(50), parts: 'one', partsFrom: 1 << 20 },
];

const server = await serve(siteDir);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
let failed = 0;
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // The blank page this runs in is a 404 of the site's origin, on purpose (the app would start Workers of its own).
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(m.text()); });
  await page.goto(new URL('parts-blank', server.url).href);
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'file';
    document.body.append(input);
    window.worker = new Worker('worker.js', { name: 'currents' });
    // Both Workers ready: the Worker itself is, and says so again once its second Worker is.
    window.ready = new Promise((resolve) => { window.worker.onmessage = (e) => { if (e.data.type === 'parts-ready') resolve(); }; });
  });
  let id = 0;
  for (const input of inputs) {
    const file = path.join(tmp, `${input.name.replace(/\W+/g, '-')}.jsonl`);
    writeFileSync(file, input.text);
    const expected = tdbraze.validateCurrents(input.text, 'parts.jsonl', NOW, false, 1000, 'http');
    await page.setInputFiles('#file', file);
    id += 1;
    const got = await page.evaluate(async ({ id, partsFrom }) => {
      await window.ready;
      const file = document.querySelector('#file').files[0];
      const progress = [];
      return new Promise((resolve) => {
        window.worker.onmessage = (e) => {
          const m = e.data;
          if (m.id !== id) return;
          if (m.type === 'progress') progress.push(m.done);
          else resolve({ ...m, progress, size: file.size });
        };
        window.worker.postMessage({ type: 'currents', id, input: { file }, source: 'parts.jsonl', now: 1764000000,
          strict: false, maxDiagnostics: 1000, receiver: 'http', partsFrom });
      });
    }, { id, partsFrom: input.partsFrom ?? 0 });
    try {
      assert.equal(got.type, 'result', got.message);
      assert.equal(got.parts, input.parts, 'how the parts went');
      assert.equal(got.report, expected, 'the report of the whole input in one piece');
      assert.ok(JSON.parse(got.report).summary.events > 0);
      assert.equal(got.progress.at(-1), got.size, 'progress ends at the whole file');
      console.log(`ok   ${input.name}: ${got.parts}, ${(input.text.length / 1e6).toFixed(1)} MB`);
    } catch (err) {
      failed += 1;
      console.log(`FAIL ${input.name}\n${err.stack || err}`);
    }
  }
  assert.deepEqual(problems, [], 'no page errors');
} catch (err) {
  failed += 1;
  console.log(`FAIL ${err.stack || err}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(failed ? `currents parts: ${failed} failed` : 'currents parts: all passed');
process.exit(failed ? 1 : 0);
