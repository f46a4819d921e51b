#!/usr/bin/env node
// tdbraze's WebAssembly build in Chromium, the way the web page runs it: the site's own worker.js (which
// loads tdbraze.js/.wasm and feeds a File to a CurrentsSession as its stream delivers it, posting progress after each)
// in a page served over HTTP, driven by playwright-core and Debian's chromium (tests/browser has both).
// Prints {"events","errors","warnings","seconds","load_seconds","page_seconds","bytes"} on stdout, where
// seconds is the feeding alone (job posted to report received), load_seconds the Worker's start (module
// fetched, compiled and instantiated) and page_seconds both; launching the browser, loading the page and
// handing it the file are outside all three, as a user has them behind them when they pick a file. The page starts
// its Currents Worker (named 'currents', with the second Worker it validates large files with) when it opens,
// and a user picks a file some time after: the job is posted --idle-ms (default 1000) after the Worker is ready.
// read_only_seconds: reading the same File's stream afterwards, without validating (the browser's share).
// Exit status 1 when the report has errors.
//
//   node chromium_validate.mjs --site build/wasm/site --now 1793491200 payload.jsonl
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    site: { type: 'string' },
    now: { type: 'string', default: '0' },
    strict: { type: 'boolean', default: false },
    'idle-ms': { type: 'string', default: '1000' },
    chromium: { type: 'string', default: process.env.TDBRAZE_CHROMIUM || '/usr/bin/chromium' },
  },
});
if (!opts.site || positionals.length !== 1 || positionals[0] === '-') {
  console.error('usage: node chromium_validate.mjs --site DIR [--now EPOCH_SECONDS] [--strict] FILE');
  process.exit(2);
}
const file = path.resolve(positionals[0]);
const site = path.resolve(opts.site);
for (const f of ['worker.js', 'tdbraze.js', 'tdbraze.wasm']) {
  if (!existsSync(path.join(site, f))) {
    console.error(`chromium_validate: ${site}/${f} not found (scripts/build.sh builds the site)`);
    process.exit(2);
  }
}

// playwright-core and the static server are the browser tests' (tests/browser), not a second copy.
const browserTests = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../tests/browser');
let chromium;
try {
  ({ chromium } = createRequire(path.join(browserTests, 'package.json'))('playwright-core'));
} catch {
  console.error(`chromium_validate: playwright-core is not installed; run npm ci in ${browserTests} (scripts/setup.sh does)`);
  process.exit(2);
}
const { serve } = await import(pathToFileURL(path.join(browserTests, 'server.mjs')).href);

const server = await serve(site);
const browser = await chromium.launch({
  executablePath: opts.chromium,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let exitCode = 0;
try {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // A page of the site's origin that is not the app (a 404), so that the app's own Worker does not load the
  // module at the same time as the measured one; the Worker script is the site's, under the same origin.
  await page.goto(new URL('bench-blank', server.url).href);
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-file';
    document.body.append(input);
  });
  // Chromium runs on this machine, so Playwright hands it the path and the page gets a disk-backed File,
  // as when a user picks one: nothing is copied into the page's memory up front.
  await page.setInputFiles('#bench-file', file);
  const result = await page.evaluate(async ({ now, strict, idleMs }) => {
    const input = document.querySelector('#bench-file').files[0];
    const t0 = performance.now();
    const worker = new Worker(new URL('worker.js', location.href), { name: 'currents' });
    const next = (want) => new Promise((resolve, reject) => {
      worker.onmessage = (e) => {
        const m = e.data;
        if (m.type === want) resolve(m);
        else if (m.type === 'fatal' || m.type === 'error') reject(new Error(m.message));
      };
      worker.onerror = (e) => reject(new Error(e.message));
    });
    await next('ready');
    const loaded = performance.now();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const t1 = performance.now();
    const done = next('result');
    worker.postMessage({ type: 'currents', id: 1, input: { file: input }, source: input.name, now, strict,
      maxDiagnostics: 1000 });
    const { report } = await done;
    const t2 = performance.now();
    worker.terminate();
    // Reading the File alone, through its stream as the Worker does, with no validation: the part of the
    // feeding time that is the browser's and not the module's.
    const t3 = performance.now();
    const reader = input.stream().getReader();
    while (!(await reader.read()).done);
    const t4 = performance.now();
    const summary = JSON.parse(report).summary;
    return { summary, load: (loaded - t0) / 1000, feed: (t2 - t1) / 1000, total: (loaded - t0 + t2 - t1) / 1000, bytes: input.size,
      read: (t4 - t3) / 1000 };
  }, { now: Number(opts.now), strict: opts.strict, idleMs: Number(opts['idle-ms']) });
  if (problems.length) throw new Error(problems.join('; '));
  if (result.bytes !== statSync(file).size) throw new Error(`the page saw ${result.bytes} bytes`);
  console.log(JSON.stringify({
    events: result.summary.events,
    errors: result.summary.errors,
    warnings: result.summary.warnings,
    seconds: Number(result.feed.toFixed(3)),
    load_seconds: Number(result.load.toFixed(3)),
    page_seconds: Number(result.total.toFixed(3)),
    read_only_seconds: Number(result.read.toFixed(3)),
    bytes: result.bytes,
    chromium: browser.version(),
  }));
  exitCode = result.summary.errors > 0 ? 1 : 0;
} catch (err) {
  console.error(`chromium_validate: ${err.stack || err}`);
  exitCode = 2;
} finally {
  await browser.close();
  await server.close();
}
process.exitCode = exitCode;
