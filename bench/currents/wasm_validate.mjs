#!/usr/bin/env node
// tdbraze's WebAssembly build (the one the in-browser validator runs) in Node, fed the way the page's
// Worker feeds it: 1 MiB slices of the file into a CurrentsSession, then finish() for the JSON report.
// Prints {"events":N,"errors":N,"warnings":N,"seconds":S} on stdout; exit status 1 when the report has errors.
//
//   node wasm_validate.mjs --site build/wasm/site --now 1793491200 payload.jsonl
import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    site: { type: 'string' },
    now: { type: 'string', default: '0' },
    strict: { type: 'boolean', default: false },
  },
});
if (!opts.site || positionals.length !== 1) {
  console.error('usage: node wasm_validate.mjs --site DIR [--now EPOCH_SECONDS] [--strict] FILE|-');
  process.exit(2);
}
const input = positionals[0];

const t0 = performance.now();
// The module is built with -sMODULARIZE and for Node too; Node 20 cannot fetch the .wasm next to it, so the
// bytes are handed over.
const createTdbraze = createRequire(import.meta.url)(path.resolve(opts.site, 'tdbraze.js'));
const tdbraze = await createTdbraze({ wasmBinary: readFileSync(path.resolve(opts.site, 'tdbraze.wasm')) });
const t1 = performance.now();

// The receiver's rules as the page's default (web/worker.js): a Currents HTTP connector, what the payload is.
const session = new tdbraze.CurrentsSession(input, Number(opts.now), opts.strict, 1000, 'http');
const stream = input === '-' ? process.stdin : createReadStream(input, { highWaterMark: 1 << 20 });
let bytes = 0;
// Buffers go in as they are: embind copies a Uint8Array's bytes into the std::string, with no UTF-8
// decoding and re-encoding on the way (and no risk of cutting a character in two at a slice boundary).
for await (const chunk of stream) {
  bytes += chunk.length;
  session.feed(chunk);
}
const report = JSON.parse(session.finish());
session.delete();
const t2 = performance.now();

console.log(JSON.stringify({
  events: report.summary.events,
  errors: report.summary.errors,
  warnings: report.summary.warnings,
  seconds: Number(((t2 - t1) / 1000).toFixed(3)),
  load_seconds: Number(((t1 - t0) / 1000).toFixed(3)),
  bytes,
}));
process.exitCode = report.summary.errors > 0 ? 1 : 0;
