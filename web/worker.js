// The validation Worker: loads the WebAssembly core and runs one job per message, feeding large input in
// slices (a file as its stream delivers it, a text ~1 MB at a time) and posting progress after each. The page
// cancels a job by terminating this Worker and starting a new one, so a job never has to check for cancellation.
//
// The page's Currents Worker (named 'currents') validates a large file in two parts at once: it starts a second
// Worker of this script (named 'currents-part', ended with it) that validates the part after a seam (where a
// line of JSON Lines begins, found by the core's SeamSearch) while this one validates the part before it; the
// core then joins the two reports into the one a single session gives, or says to validate the part here after
// all (CurrentsSession.joinLast). Both warm their code up before they say they are ready: the browser compiles
// a module's hot functions optimized only once they have run a while, and a user's first file should not pay.
//
// In:  {type: 'currents', id, input, source, now, strict, maxDiagnostics, receiver, partsFrom}
//      {type: 'cohort', id, input, source, settings}
//      {type: 'sql', id, query, source, aliasColumns}
//      {type: 'currents-sql', id, dialect, sourceTable, eventTypes, materialize}
//      {type: 'currents-part', id, file, offset, source, now, strict, maxDiagnostics, receiver} (to 'currents-part')
//      where input is {text: string} or {file: File|Blob}; partsFrom: the size from which a file is validated in
//      two parts (default PARTS_FROM)
// Out: {type: 'ready'} once the module is loaded, {type: 'fatal', message} if it cannot be
//      {type: 'parts-ready'} once the second Worker is ready too (the Currents Worker)
//      {type: 'progress', id, done, total}
//      {type: 'result', id, report, ...} or {type: 'error', id, message}; a Currents result says how its parts
//      went: parts 'one' (validated here alone), 'joined', 'feed' (the second part validated here again) or
//      'again' (the whole file validated here again)
//      {type: 'part-progress', id, done}, {type: 'part-done', id, opening, report} (from 'currents-part')
'use strict';

importScripts('tdbraze.js');

const CHUNK = 1 << 20;
const PREVIEW_REQUESTS = 50;
const PART_WORKER = 'currents-part';
// Below this a file takes a few tens of milliseconds in one Worker: a second one would not pay for itself.
const PARTS_FROM = 8 << 20;
const SEAM_PIECE = 1 << 20;
const encoder = new TextEncoder();

const warms = self.name === 'currents' || self.name === PART_WORKER;
const helper = self.name === 'currents' ? startPartWorker() : null;

const modulePromise = createTdbraze().then((m) => {
  if (warms) warmUp(m);
  return m;
});
// Ready without waiting for the second Worker: a file that comes before it is ready is validated here alone.
modulePromise.then(
  () => postMessage({ type: 'ready' }),
  (err) => postMessage({ type: 'fatal', message: `cannot load the WebAssembly module: ${err && err.message ? err.message : err}` }),
);

// The second Worker, for the part after the seam. It is only used once it said it is ready; until then, or if it
// cannot start, a file is validated here alone.
function startPartWorker() {
  let worker;
  try {
    worker = new Worker('worker.js', { name: PART_WORKER });
  } catch {
    return null;
  }
  const part = { worker, usable: false, jobs: new Map() };
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === 'ready') {
      part.usable = true;
      postMessage({ type: 'parts-ready' });
    } else if (part.jobs.has(m.id)) part.jobs.get(m.id)(m);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    part.usable = false;
    for (const job of part.jobs.values()) job({ type: 'error', message: e.message || 'the part Worker failed' });
  };
  return part;
}

// About 3 MB of JSON Lines of the commonest kinds of events, validated in the slices a file comes in.
function warmUp(m) {
  const lines = [];
  for (let b = 0; b < 100; b++) {
    const events = [];
    for (let k = 0; k < 100; k++) {
      const n = b * 100 + k;
      const user = { user_id: '65a1f0c2e4b0a1b2c3d4e5f6', external_user_id: `customer-${n}`, timezone: 'Asia/Tokyo' };
      const common = { id: `7d0c6a52-4b1e-4f0a-9a57-${String(n).padStart(12, '0')}`, time: 1732456800 + n, user };
      if (k % 3 === 0) {
        events.push({ event_type: 'users.messages.email.Open', ...common,
          properties: { campaign_name: 'Autumn welcome', email_address: `user${n}@example.jp`, machine_open: 'true' } });
      } else if (k % 3 === 1) {
        events.push({ event_type: 'users.behaviors.CustomEvent', ...common, properties: { name: 'viewed_item', properties: { sku: `A-${n}`, price: 12.5 } } });
      } else {
        events.push({ event_type: 'users.behaviors.Purchase', ...common,
          properties: { product_id: `A-${n}`, price: 12.5, currency: 'JPY', quantity: 1 } });
      }
    }
    lines.push(JSON.stringify({ events }));
  }
  const bytes = encoder.encode(`${lines.join('\n')}\n`);
  const session = new m.CurrentsSession('warm-up', 1732456800, false, 10, 'http');
  try {
    for (let at = 0; at < bytes.length; at += 1 << 16) session.feed(bytes.subarray(at, at + (1 << 16)));
    session.finish();
  } finally {
    session.delete();
  }
}

let queue = Promise.resolve();
self.onmessage = (event) => {
  const msg = event.data;
  queue = queue.then(() => handle(msg));
};

async function handle(msg) {
  try {
    const m = await modulePromise;
    if (msg.type === 'currents') await runCurrents(m, msg);
    else if (msg.type === 'currents-part') await runCurrentsPart(m, msg);
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

function newCurrentsSession(m, msg, offset) {
  const args = [msg.source, msg.now, !!msg.strict, msg.maxDiagnostics, msg.receiver || 'http'];
  return offset === undefined ? new m.CurrentsSession(...args) : new m.CurrentsSession(...args, offset);
}

async function feedAll(session, input, onProgress) {
  for await (const s of slices(input)) {
    session.feed(s.bytes);
    onProgress(s.done, s.total);
  }
}

async function runCurrents(m, msg) {
  const file = msg.input.file;
  const partsFrom = msg.partsFrom ?? PARTS_FROM;
  const seam = file && helper && helper.usable && file.size >= partsFrom ? await findSeam(m, file) : -1;
  if (seam >= 0) {
    await runCurrentsInParts(m, msg, file, seam);
    return;
  }
  const session = newCurrentsSession(m, msg);
  try {
    await feedAll(session, msg.input, (done, total) => postMessage({ type: 'progress', id: msg.id, done, total }));
    postMessage({ type: 'result', id: msg.id, report: session.finish(), parts: 'one' });
  } finally {
    session.delete();
  }
}

// The first seam after the middle of the file, or -1 (none: a pretty-printed envelope, say).
async function findSeam(m, file) {
  const from = Math.floor(file.size / 2);
  const search = new m.SeamSearch(from);
  try {
    let found = -1;
    for (let at = from; at < file.size && !search.done(); at += SEAM_PIECE)
      found = search.feed(new Uint8Array(await file.slice(at, at + SEAM_PIECE).arrayBuffer()));
    return found;
  } finally {
    search.delete();
  }
}

async function runCurrentsInParts(m, msg, file, seam) {
  let mine = 0;
  let theirs = 0;
  const progress = () => postMessage({ type: 'progress', id: msg.id, done: mine + theirs, total: file.size });
  const part = new Promise((resolve) => {
    helper.jobs.set(msg.id, (r) => {
      if (r.type === 'part-progress') {
        theirs = r.done;
        progress();
        return;
      }
      helper.jobs.delete(msg.id);
      resolve(r);
    });
  });
  helper.worker.postMessage({ type: 'currents-part', id: msg.id, file, offset: seam, source: msg.source, now: msg.now,
    strict: msg.strict, maxDiagnostics: msg.maxDiagnostics, receiver: msg.receiver });
  let session = newCurrentsSession(m, msg);
  try {
    await feedAll(session, { file: file.slice(0, seam) }, (done) => { mine = done; progress(); });
    const r = await part;
    const joined = r.type === 'part-done' ? session.joinLast(seam, r.opening, r.report) : { outcome: 'feed' };
    let report = joined.report;
    if (joined.outcome === 'feed') {
      theirs = 0;
      await feedAll(session, { file: file.slice(seam) }, (done) => { theirs = done; progress(); });
      report = session.finish();
    } else if (joined.outcome === 'again') {
      session.delete();
      session = newCurrentsSession(m, msg);
      await feedAll(session, { file }, (done) => { mine = done; theirs = 0; progress(); });
      report = session.finish();
    }
    postMessage({ type: 'result', id: msg.id, report, parts: joined.outcome });
  } finally {
    session.delete();
  }
}

// In the 'currents-part' Worker: the part of the file from `offset` on, for the Worker that started it.
async function runCurrentsPart(m, msg) {
  const session = newCurrentsSession(m, msg, msg.offset);
  try {
    await feedAll(session, { file: msg.file.slice(msg.offset) }, (done) => postMessage({ type: 'part-progress', id: msg.id, done }));
    const opening = session.opening();
    postMessage({ type: 'part-done', id: msg.id, opening, report: session.finish() });
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
