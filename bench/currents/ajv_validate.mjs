#!/usr/bin/env node
// The obvious peer of `tdbraze validate currents`: JSON.parse each request body, then validate it with a
// compiled ajv schema (bench/currents/make_schema.py). Reads JSON Lines of envelopes line by line, so that
// memory does not grow with the file, or one envelope spread over many lines (then the whole document has to
// be in memory: JSON.parse cannot stream). Prints {"events":N,"errors":N,"seconds":S,...} on stdout; exit
// status 1 when a body is invalid, as tdbraze does.
//
//   node ajv_validate.mjs --schema currents.schema.json payload.jsonl
//   cat a.jsonl b.jsonl | node ajv_validate.mjs --schema currents.schema.json -
import { createReadStream, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Ajv from 'ajv';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    schema: { type: 'string' },
    'all-errors': { type: 'boolean', default: false },
    'show-errors': { type: 'string', default: '0' },
    // The floor under any validator written in JavaScript: reading and JSON.parse alone, no schema.
    'parse-only': { type: 'boolean', default: false },
  },
});
if ((!opts.schema && !opts['parse-only']) || positionals.length !== 1) {
  console.error('usage: node ajv_validate.mjs (--schema SCHEMA.json | --parse-only) [--all-errors] [--show-errors N] FILE|-');
  process.exit(2);
}
const input = positionals[0];
const showErrors = Number(opts['show-errors']);

const t0 = performance.now();
// Defaults but for the discriminator keyword, which make_schema.py uses to dispatch on event_type.
const ajv = new Ajv({ discriminator: true, allErrors: opts['all-errors'] });
const validate = opts['parse-only'] ? () => true : ajv.compile(JSON.parse(readFileSync(opts.schema, 'utf8')));
const t1 = performance.now();

const stats = { events: 0, errors: 0, envelopes: 0, invalid_envelopes: 0, syntax_errors: 0, bytes: 0 };
let shown = 0;

function check(text, where) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    stats.syntax_errors++;
    stats.errors++;
    if (shown++ < showErrors) console.error(`${where}: ${e.message}`);
    return;
  }
  stats.envelopes++;
  if (body !== null && Array.isArray(body.events)) stats.events += body.events.length;
  if (!validate(body)) {
    stats.invalid_envelopes++;
    stats.errors += validate.errors.length;
    if (shown++ < showErrors) console.error(`${where}: ${ajv.errorsText(validate.errors)}`);
  }
}

const stream = input === '-' ? process.stdin : createReadStream(input, { highWaterMark: 1 << 20 });
let rest = null;          // the unfinished last line of the chunks read so far
let line = 0;
let whole = null;         // chunks of a multi-line document, once the input turned out to be one
for await (const chunk of stream) {
  stats.bytes += chunk.length;
  if (whole) {
    whole.push(chunk);
    continue;
  }
  const buf = rest ? Buffer.concat([rest, chunk]) : chunk;
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
    line++;
    if (line === 1 && !isCompleteJson(buf, start, nl)) {
      whole = [buf];  // a pretty-printed envelope: keep everything, parse once at the end
      break;
    }
    if (nl > start) check(buf.toString('utf8', start, nl), `line ${line}`);
    start = nl + 1;
  }
  if (!whole) rest = start < buf.length ? buf.subarray(start) : null;
}
if (whole) check(Buffer.concat(whole).toString('utf8'), input);
else if (rest && rest.length > 0) check(rest.toString('utf8'), `line ${line + 1}`);

const t2 = performance.now();
console.log(JSON.stringify({
  events: stats.events,
  errors: stats.errors,
  seconds: Number(((t2 - t1) / 1000).toFixed(3)),
  compile_seconds: Number(((t1 - t0) / 1000).toFixed(3)),
  envelopes: stats.envelopes,
  invalid_envelopes: stats.invalid_envelopes,
  syntax_errors: stats.syntax_errors,
  bytes: stats.bytes,
  mode: whole ? 'document' : 'json-lines',
}));
process.exitCode = stats.errors > 0 ? 1 : 0;

// Whether the first line holds a whole JSON value: JSON Lines, or a one-line document. Blank and
// whitespace-only lines say nothing, so they count as complete.
function isCompleteJson(buf, start, end) {
  const text = buf.toString('utf8', start, end).trim();
  if (text === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
