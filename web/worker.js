// The validation Worker: loads the WebAssembly core and runs one job per message, feeding large input in
// slices (a file as its stream delivers it, a text ~1 MB at a time) and posting progress after each. The page
// cancels a job by terminating this Worker and starting a new one, so a job never has to check for cancellation.
//
// In:  {type: 'currents', id, input, source, now, strict, maxDiagnostics, receiver}
//      {type: 'cohort', id, input, source, settings}
//      {type: 'sql', id, query, source, aliasColumns}
//      {type: 'currents-sql', id, dialect, sourceTable, eventTypes, materialize}
//      where input is {text: string} or {file: File|Blob}
// Out: {type: 'ready'} once the module is loaded, {type: 'fatal', message} if it cannot be
//      {type: 'progress', id, done, total}
//      {type: 'result', id, report, ...} or {type: 'error', id, message}
'use strict';

importScripts('tdbraze.js');

const CHUNK = 1 << 20;
const PREVIEW_REQUESTS = 50;
const encoder = new TextEncoder();

const modulePromise = createTdbraze();
modulePromise.then(
  () => postMessage({ type: 'ready' }),
  (err) => postMessage({ type: 'fatal', message: `cannot load the WebAssembly module: ${err && err.message ? err.message : err}` }),
);

let queue = Promise.resolve();
self.onmessage = (event) => {
  const msg = event.data;
  queue = queue.then(() => handle(msg));
};

async function handle(msg) {
  try {
    const m = await modulePromise;
    if (msg.type === 'currents') await runCurrents(m, msg);
    else if (msg.type === 'cohort') await runCohort(m, msg);
    else if (msg.type === 'sql') runSql(m, msg);
    else if (msg.type === 'currents-sql') runCurrentsSql(m, msg);
    else throw new Error(`unknown job type ${msg.type}`);
  } catch (err) {
    postMessage({ type: 'error', id: msg.id, message: err && err.message ? err.message : String(err) });
  }
}

// The input in slices as UTF-8 bytes; progress counts bytes of a file or characters of a text. A text is cut
// into slices of about CHUNK bytes, never inside a surrogate pair; a file comes in the pieces its stream
// delivers (Chromium: 64 KiB to 2 MiB, cut anywhere, which the core allows).
async function* slices(input) {
  if (input.file) {
    // The browser fills the stream's pipe while the module validates the last piece, so reading and
    // validating overlap; reading 1 MiB file.slice()s one ahead still left a tenth of the time to reading
    // in Chromium.
    const file = input.file;
    const reader = file.stream().getReader();
    let done = 0;
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) break;
      done += value.length;
      yield { bytes: value, done, total: file.size };
    }
    return;
  }
  const text = input.text || '';
  for (let off = 0; off < text.length;) {
    let end = Math.min(text.length, off + CHUNK);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    yield { bytes: encoder.encode(text.slice(off, end)), done: end, total: text.length };
    off = end;
  }
}

async function runCurrents(m, msg) {
  const session = new m.CurrentsSession(msg.source, msg.now, !!msg.strict, msg.maxDiagnostics, msg.receiver || 'http');
  try {
    for await (const s of slices(msg.input)) {
      session.feed(s.bytes);
      postMessage({ type: 'progress', id: msg.id, done: s.done, total: s.total });
    }
    postMessage({ type: 'result', id: msg.id, report: session.finish() });
  } finally {
    session.delete();
  }
}

async function runCohort(m, msg) {
  const session = new m.CohortSession(msg.source, JSON.stringify(msg.settings));
  const lines = [];
  const take = () => {
    for (const line of session.takeRequests()) lines.push(line);
  };
  try {
    for await (const s of slices(msg.input)) {
      session.feed(s.bytes);
      take();
      postMessage({ type: 'progress', id: msg.id, done: s.done, total: s.total });
    }
    const report = session.finish();
    take();
    // All requests as one JSON Lines Blob (for copy and download); the first few as text for the preview.
    const blob = new Blob(lines.map((l) => `${l}\n`), { type: 'application/x-ndjson' });
    postMessage({
      type: 'result', id: msg.id, report, requestCount: lines.length,
      preview: lines.slice(0, PREVIEW_REQUESTS), requests: blob,
    });
  } finally {
    session.delete();
  }
}

function runCurrentsSql(m, msg) {
  const answer = JSON.parse(m.currentsSql(msg.dialect, msg.sourceTable, JSON.stringify(msg.eventTypes), !!msg.materialize));
  postMessage({ type: 'result', id: msg.id, ...answer });
}

function runSql(m, msg) {
  const report = m.checkSql(msg.query, msg.source, JSON.stringify({ alias_columns: msg.aliasColumns || [], map: msg.map || [] }));
  postMessage({ type: 'result', id: msg.id, report });
}
