// The page: input handling, the Workers that validate, and the results. Every check runs in the
// WebAssembly core inside a Web Worker; this file only moves text around and draws.
import { Editor } from './editor.js';
import { TextDoc, codePointColumnToOffset, jsonTokenEnd, findCell } from './lines.js';
import {
  DiagnosticsList, el, fmt, formatBytes, plural, renderCohortSummary, renderCurrentsSummary, renderRequests,
} from './render.js';

const EDIT_LIMIT = 1 << 20;         // characters; larger input is shown read-only
const SHOW_PROGRESS_AT = 1 << 21;   // characters or bytes; smaller runs finish before a bar is worth showing
const MAX_DIAGNOSTICS = 1000;

const $ = (sel) => document.querySelector(sel);

class CancelledError extends Error {
  constructor() { super('cancelled'); this.name = 'CancelledError'; }
}

// One Worker that runs one job at a time. cancel() terminates it and starts a fresh one at once, so that a
// long run never has to cooperate to be stopped.
class Runner {
  constructor(name) {
    this.name = name;
    this.job = null;
    this.nextId = 1;
    this.start();
  }

  start() {
    this.worker = new Worker('worker.js', { name: this.name });
    this.ready = new Promise((resolve, reject) => { this.readyResolve = resolve; this.readyReject = reject; });
    this.ready.catch(() => {});
    this.worker.onmessage = (e) => this.onMessage(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(e.message || 'the validation worker failed to start'));
    };
  }

  onMessage(msg) {
    if (msg.type === 'ready') { this.readyResolve(); return; }
    if (msg.type === 'fatal') { this.readyReject(new Error(msg.message)); this.fail(new Error(msg.message)); return; }
    const job = this.job;
    if (!job || msg.id !== job.id) return;
    if (msg.type === 'progress') {
      if (job.onProgress) job.onProgress(msg.done, msg.total);
    } else if (msg.type === 'result') {
      this.job = null;
      job.resolve(msg);
    } else if (msg.type === 'error') {
      this.job = null;
      // A trap or abort leaves the module unusable: start a fresh Worker for the next run.
      if (/Aborted|RuntimeError|unreachable|out of memory/i.test(msg.message)) {
        this.worker.terminate();
        this.start();
      }
      job.reject(new Error(msg.message));
    }
  }

  fail(err) {
    const job = this.job;
    this.job = null;
    if (job) job.reject(err);
  }

  get busy() { return this.job !== null; }

  run(message, onProgress) {
    if (this.job) this.cancel();  // a new run replaces the one still going
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.job = { id, resolve, reject, onProgress };
      this.worker.postMessage({ ...message, id });
    });
  }

  cancel() {
    const job = this.job;
    if (!job) return false;
    this.job = null;
    this.worker.terminate();
    this.start();
    job.reject(new CancelledError());
    return true;
  }
}

const runners = { currents: new Runner('currents'), cohort: new Runner('cohort'), sql: new Runner('sql') };
runners.currents.ready.then(() => { document.body.dataset.ready = 'true'; }, (err) => showStatus('bad', `The validator could not start: ${err.message}`));

const emptyInput = () => ({ text: '', source: '', file: null, doc: null, large: false, size: 0, preparing: null });

const state = {
  mode: 'currents',
  inputs: { currents: emptyInput(), cohort: emptyInput() },
  results: { currents: null, cohort: null },  // {report, requestCount, preview, requests, input}
  runs: { currents: null, cohort: null },      // {token, done, total} while running
  status: { currents: null, cohort: null },     // [kind, text] shown for the mode
  tokens: { currents: 0, cohort: 0 },
  examples: [],
};

// ---- the editor -----------------------------------------------------------------------------------------

const editor = new Editor($('#editor'), {
  editLimit: EDIT_LIMIT,
  onInput: (text) => {
    const input = state.inputs[state.mode];
    input.text = text;
    input.size = text.length;
    input.file = null;
    input.source = text ? input.source || 'pasted' : '';
    updateInputInfo();
    scheduleValidate(250);
  },
  onLargePaste: (text) => setInput({ text, source: 'pasted' }),
});

async function setInput({ text = null, file = null, source }) {
  const mode = state.mode;
  const old = state.inputs[mode];
  if (old.preparing) old.preparing.abort();
  const input = emptyInput();
  input.source = source;
  state.inputs[mode] = input;
  state.results[mode] = null;
  input.size = file ? file.size : text.length;
  if (mode === state.mode) renderAll();  // the previous input's results go at once
  if (file && file.size <= EDIT_LIMIT) {
    text = await file.text();
    if (state.inputs[mode] !== input) return;  // replaced meanwhile
  }
  if (text !== null && text.length <= EDIT_LIMIT) {
    // A file is validated from its own bytes (a byte order mark, invalid UTF-8 and all) until it is edited.
    input.text = text;
    input.file = file;
    if (mode === state.mode) editor.setText(text);
    updateInputInfo();
    validate(mode);
    return;
  }
  // Large: validate at once (from the file's bytes when there is a file) while the view is prepared.
  input.large = true;
  input.file = file;
  input.text = text;
  if (mode === state.mode) editor.setDocument(TextDoc.fromText(''));
  updateInputInfo();
  validate(mode);
  const controller = new AbortController();
  input.preparing = controller;
  try {
    input.doc = text !== null ? await TextDoc.build(text, controller.signal) : await TextDoc.fromFile(file, controller.signal);
  } catch (err) {
    if (err.name === 'AbortError') return;
    throw err;
  } finally {
    if (input.preparing === controller) input.preparing = null;
  }
  if (state.inputs[mode] !== input) return;
  if (state.mode === mode) {
    editor.setDocument(input.doc);
    applyMarks();
  }
  updateInputInfo();
}

function clearInput() {
  const input = state.inputs[state.mode];
  if (input.preparing) input.preparing.abort();
  runners[state.mode].cancel();
  state.inputs[state.mode] = emptyInput();
  state.results[state.mode] = null;
  state.runs[state.mode] = null;
  state.status[state.mode] = null;
  editor.setText('');
  updateInputInfo();
  renderAll();
  editor.focus();
}

function updateInputInfo() {
  const input = state.inputs[state.mode];
  const info = $('#input-info');
  const note = $('#large-note');
  if (!input.size && !input.text) {
    info.textContent = 'No input yet';
    note.hidden = true;
    return;
  }
  const doc = input.large ? input.doc : editor.doc;
  const lines = doc ? doc.shownLineCount : null;
  // Files by their bytes; text by its UTF-8 length when small, by characters when large.
  const size = input.file || !input.large ? formatBytes(input.file ? input.file.size : utf8Length(input.text)) : `${fmt(input.size)} characters`;
  info.replaceChildren(
    el('strong', { text: input.source || 'pasted' }),
    ` \u00b7 ${size}${lines !== null ? ` \u00b7 ${plural(lines, 'line')}` : ''}`);
  if (input.large) {
    note.hidden = false;
    note.textContent = input.doc
      ? 'Large input: a read-only view (tabs show as \u2192). To change it, edit the file and open it again.'
      : 'Large input: preparing the view\u2026';
  } else {
    note.hidden = true;
  }
}

function utf8Length(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; } else n += 3;
  }
  return n;
}

// ---- validation ---------------------------------------------------------------------------------------------

// Pending runs per mode: a change in one mode's settings never starts a run of the other's input.
const validateTimers = { currents: 0, cohort: 0 };
function scheduleValidate(delay, mode = state.mode) {
  clearTimeout(validateTimers[mode]);
  validateTimers[mode] = setTimeout(() => validate(mode), delay);
}

function aliasColumns() {
  return $('#alias-columns').value.split(',').map((s) => s.trim()).filter(Boolean);
}

// The output mapping editor: one row per mapped column, "column -> user_ids | device_ids | alias:LABEL".
const TARGETS = ['user_ids', 'device_ids', 'alias'];
function addMapRow(column = '', target = 'user_ids') {
  const alias = target.startsWith('alias:');
  const row = el('li', { class: 'map-row' });
  const col = el('input', { type: 'text', class: 'map-column', placeholder: 'column, e.g. External_ID', spellcheck: 'false', 'aria-label': 'Column' });
  col.value = column;
  const kind = el('select', { class: 'map-target', 'aria-label': 'Send as' }, ...TARGETS.map((t) => el('option', { value: t, text: t === 'alias' ? 'alias:' : t })));
  kind.value = alias ? 'alias' : target;
  const label = el('input', { type: 'text', class: 'map-label', placeholder: 'label, e.g. email', spellcheck: 'false', 'aria-label': 'Alias label' });
  label.value = alias ? target.slice(6) : '';
  label.hidden = !alias;
  kind.addEventListener('change', () => { label.hidden = kind.value !== 'alias'; });
  const remove = el('button', { type: 'button', class: 'link-btn map-remove', text: 'Remove', 'aria-label': 'Remove this mapping' });
  remove.addEventListener('click', () => { row.remove(); scheduleValidate(0, 'cohort'); scheduleSql(); });
  row.append(col, ' \u2192 ', kind, label, remove);
  $('#map-rows').append(row);
  return row;
}

// The rows as --map takes them ("External_ID=user_ids"); rows without a column are not yet a mapping.
function columnMapping() {
  return [...document.querySelectorAll('#map-rows .map-row')].flatMap((row) => {
    const column = row.querySelector('.map-column').value;
    const kind = row.querySelector('.map-target').value;
    if (!column) return [];
    return [`${column}=${kind === 'alias' ? `alias:${row.querySelector('.map-label').value.trim()}` : kind}`];
  });
}

function setColumnMapping(list) {
  $('#map-rows').replaceChildren();
  for (const m of list) {
    const eq = m.search(/=(user_ids|device_ids|alias:.+)$/);
    if (eq > 0) addMapRow(m.slice(0, eq), m.slice(eq + 1));
  }
}

// A near miss ("External_ID" is not "user_ids") is fixed by mapping the column: one click sets the mapping.
function nearMissAction(d) {
  if (d.code !== 'near-miss-column' || !d.column_name || state.mode !== 'cohort') return null;
  const m = /is not "(user_ids|device_ids)"/.exec(d.message);
  if (!m) return null;
  return {
    label: `Map ${d.column_name} to ${m[1]}`,
    run: () => {
      if (!columnMapping().some((x) => x.startsWith(`${d.column_name}=`))) addMapRow(d.column_name, m[1]);
      scheduleValidate(0, 'cohort');
      scheduleSql();
    },
  };
}

function cohortSettings() {
  const maxIds = parseInt($('#max-ids').value, 10);
  return {
    cohort_id: $('#cohort-id').value.trim(),
    cohort_name: $('#cohort-name').value.trim(),
    operation: $('#op-remove').checked ? 'remove' : 'add',
    alias_columns: aliasColumns(),
    map: columnMapping(),
    partner: $('#partner').value.trim() || 'treasuredata',
    max_ids_per_request: Number.isFinite(maxIds) ? maxIds : 1000,
    created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    table_format: $('#table-format').value,
    trim: $('#trim').checked,
    max_diagnostics: MAX_DIAGNOSTICS,
  };
}

async function validate(mode = state.mode) {
  clearTimeout(validateTimers[mode]);
  const input = state.inputs[mode];
  if (!input.size) {
    runners[mode].cancel();
    state.results[mode] = null;
    state.status[mode] = null;
    renderAll();
    return;
  }
  const token = ++state.tokens[mode];
  const source = input.source || 'pasted';
  const payload = input.file ? { file: input.file } : { text: input.text };
  const message = mode === 'currents'
    ? { type: 'currents', input: payload, source, now: Math.floor(Date.now() / 1000), strict: $('#strict').checked, maxDiagnostics: MAX_DIAGNOSTICS, receiver: $('#receiver').value }
    : { type: 'cohort', input: payload, source, settings: cohortSettings() };
  const run = { token, done: 0, total: input.size, started: performance.now() };
  state.runs[mode] = run;
  state.status[mode] = ['busy', mode === 'currents' ? 'Validating\u2026' : 'Planning\u2026'];
  if (mode === state.mode) renderStatus();
  renderProgress();
  try {
    const result = await runners[mode].run(message, (done, total) => {
      run.done = done;
      run.total = total;
      if (mode === state.mode) renderProgress();
    });
    if (token !== state.tokens[mode]) return;
    state.runs[mode] = null;
    state.results[mode] = {
      report: JSON.parse(result.report), requestCount: result.requestCount || 0,
      preview: result.preview || [], requests: result.requests || null, input,
      ms: performance.now() - run.started,
    };
    state.status[mode] = null;
  } catch (err) {
    if (token !== state.tokens[mode]) return;  // replaced by a newer run
    state.runs[mode] = null;
    state.results[mode] = null;
    state.status[mode] = err instanceof CancelledError
      ? ['idle', 'Cancelled. Press Validate to run again.']
      : ['bad', `Could not validate: ${err.message}`];
  }
  if (mode === state.mode) renderAll();
  else renderProgress();
}

function cancel() {
  const mode = state.mode;
  if (!state.runs[mode]) return;
  runners[mode].cancel();
}

// ---- rendering ----------------------------------------------------------------------------------------------

const diagList = new DiagnosticsList({
  list: $('#diags'),
  empty: $('#diags-empty'),
  cap: $('#diags-cap'),
  chips: [...document.querySelectorAll('#diag-card .chip')],
  search: $('#diag-search'),
  onSelect: (d) => revealDiagnostic(d),
  actionOf: (d) => nearMissAction(d),
  describeLocation: (d) => {
    if ('pointer' in d) return d.line ? `${d.line}:${d.column}` : 'input';
    const parts = [];
    if (d.line) parts.push(`line ${fmt(d.line)}`);
    if (d.row) parts.push(`row ${fmt(d.row)}`);
    if (!d.line && !d.row) parts.push(d.column_name ? 'header' : 'settings');
    return parts.join(' \u00b7 ');
  },
});

function showStatus(kind, text) {
  const status = $('#status');
  status.className = `status ${kind}`;
  status.querySelector('.status-text').textContent = text;
}

function renderStatus() {
  const mode = state.mode;
  if (state.status[mode]) { showStatus(...state.status[mode]); return; }
  const result = state.results[mode];
  if (!result) {
    showStatus('idle', mode === 'currents'
      ? 'Paste a Currents payload, drop a file, or open one to validate it.'
      : 'Paste a query result (CSV, TSV, JSON or JSON Lines), drop a file, or open one to plan the cohort import.');
    return;
  }
  const s = result.report.summary;
  const counts = `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}`;
  const secs = result.ms >= 1000 ? ` (${(result.ms / 1000).toFixed(1)} s)` : '';
  if (result.report.kind === 'currents') {
    const events = plural(s.events, 'event');
    if (!result.report.ok) showStatus('bad', `${counts} in ${events}${secs}`);
    else if (s.warnings) showStatus('warn', `No errors in ${events}; ${plural(s.warnings, 'warning')}${secs}`);
    else showStatus('ok', `Valid: ${events}, no errors or warnings${secs}`);
  } else {
    const ids = s.user_ids + s.device_ids + s.aliases;
    if (!result.report.ok) showStatus('bad', `${counts}: do not send this plan${secs}`);
    else if (s.warnings) showStatus('warn', `${plural(ids, 'identifier')} in ${plural(s.requests, 'membership call')}; ${plural(s.warnings, 'warning')}${secs}`);
    else showStatus('ok', `Ready: ${plural(ids, 'identifier')} in ${plural(s.requests, 'membership call')}${secs}`);
  }
}

function renderProgress() {
  document.body.dataset.runs = Object.keys(state.runs).filter((m) => state.runs[m]).join(' ');
  const run = state.runs[state.mode];
  const row = $('#progress-row');
  const input = state.inputs[state.mode];
  const big = input.size >= SHOW_PROGRESS_AT;
  row.hidden = !run || !big;
  document.body.dataset.running = run ? 'true' : 'false';
  $('#validate').disabled = false;
  if (!run) return;
  const pct = run.total ? (100 * run.done) / run.total : 0;
  $('#progress').value = pct;
  if (big) showStatus('busy', `${state.mode === 'currents' ? 'Validating' : 'Planning'}\u2026 ${Math.floor(pct)}%`);
  const unit = input.file ? formatBytes : (n) => (n < 100_000 ? `${fmt(n)} characters` : `${(n / 1e6).toFixed(1)}M characters`);
  $('#progress-text').textContent = `${state.mode === 'currents' ? 'Validating' : 'Planning'}: ${unit(run.done)} of ${unit(run.total)} (${Math.floor(pct)}%)`;
}

function renderAll() {
  const mode = state.mode;
  const result = state.results[mode];
  renderStatus();
  renderProgress();
  if (mode !== 'currents' || !result) $('#td-sql-card').hidden = true;
  const summaryCard = $('#summary-card');
  const diagCard = $('#diag-card');
  const reqCard = $('#requests-card');
  $('#welcome').hidden = !!(result || state.runs[mode] || state.inputs[mode].size);
  if (!result) {
    summaryCard.hidden = true;
    diagCard.hidden = true;
    reqCard.hidden = true;
    editor.setMarks(new Map());
    editor.clearHighlight();
    return;
  }
  const report = result.report;
  summaryCard.hidden = false;
  diagCard.hidden = false;
  if (report.kind === 'currents') {
    renderCurrentsSummary($('#summary'), report);
    reqCard.hidden = true;
  } else {
    renderCohortSummary($('#summary'), report, result.requestCount);
    reqCard.hidden = false;
    renderRequestsCard(result);
  }
  diagList.set(report, { cli: listAllCommand(mode, result.input) });
  applyMarks();
  renderTdSql();
}

// The command line that lists every finding of this input ({N}: the total), for the note of a capped list.
// Pasted text has no file name: FILE stands for it.
const shellQuote = (w) => (/^[\w.\/@:=-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`);
function listAllCommand(mode, input) {
  const file = shellQuote(input.file && input.file.name ? input.file.name : 'FILE');
  if (mode === 'currents') {
    const strict = $('#strict').checked ? ' --strict' : '';
    const receiver = $('#receiver').value !== 'http' ? ` --receiver ${$('#receiver').value}` : '';
    return `tdbraze validate currents${strict}${receiver} --max-diagnostics {N} ${file}`;
  }
  const s = cohortSettings();
  const options = [`--cohort-id ${s.cohort_id ? shellQuote(s.cohort_id) : 'ID'}`,
    ...s.alias_columns.map((c) => `--alias-column ${shellQuote(c)}`),
    ...s.map.map((m) => `--map ${shellQuote(m)}`),
    ...(s.trim ? ['--trim'] : []), ...(s.table_format !== 'auto' ? [`--table-format ${s.table_format}`] : [])];
  return `tdbraze validate cohort ${file} ${options.join(' ')} --max-diagnostics {N}`;
}

function applyMarks() {
  const result = state.results[state.mode];
  const input = state.inputs[state.mode];
  if (!result || result.input !== input) return;
  const rank = { error: 3, warning: 2, info: 1 };
  const marks = new Map();
  for (const d of result.report.diagnostics) {
    if (!d.line) continue;
    const prev = marks.get(d.line - 1);
    if (!prev || rank[d.severity] > rank[prev]) marks.set(d.line - 1, d.severity);
  }
  editor.setMarks(marks);
}

function revealDiagnostic(d) {
  const input = state.inputs[state.mode];
  if (!d || !d.line) { editor.clearHighlight(); return; }
  const doc = input.large ? input.doc : editor.doc;
  if (!doc || d.line > doc.lineCount) return;
  const i = d.line - 1;
  let from = 0;
  let to = 0;
  if ('pointer' in d) {
    // Columns count code points; without surrogate pairs before it, that is the offset (no need to build
    // a line that may be megabytes long).
    const column = Math.max(1, d.column || 1);
    const prefix = doc.lineSlice(i, 0, column - 1);
    from = /[\ud800-\udbff]/.test(prefix) ? codePointColumnToOffset(doc.line(i), column) : prefix.length;
    to = from + jsonTokenEnd(doc.lineSlice(i, from, from + 400), 0);
  } else if (d.column_name && d.line > 1) {
    const cell = findCell(doc.lineSlice(0, 0, 1 << 16), doc.lineSlice(i, 0, 1 << 20), d.column_name);
    if (cell) [from, to] = cell;
  } else if (d.column_name) {
    const at = doc.lineSlice(i, 0, 1 << 16).indexOf(d.column_name);
    if (at >= 0) [from, to] = [at, at + d.column_name.length];
  }
  editor.reveal(i, from, to);
}

function renderRequestsCard(result) {
  const s = result.report.summary;
  const shown = result.preview.length;
  const note = $('#requests-note');
  // A plan with an error must not be sent (the CLI exits with status 1 for it, see docs/cohort.md): its
  // rows or cells with errors are left out, so sending it would send a wrong cohort. The preview stays, to
  // show what the errors leave out; Copy and Download are off, with the reason beside them.
  const sendable = result.report.ok && result.requestCount > 0 && !!result.requests;
  note.classList.toggle('bad', !sendable);
  if (result.requestCount === 0) {
    note.textContent = 'No requests: the settings have errors.';
  } else if (!result.report.ok) {
    note.textContent = `Do not send this plan: it has ${plural(s.errors, 'error')} (see Diagnostics; the rows and cells ` +
      'with errors are left out of it). Copy and Download are off until the errors are fixed; the preview below ' +
      'shows what would be sent.';
  } else {
    note.textContent = `${plural(result.requestCount, 'request')} (the naming call and ${plural(s.requests, 'membership call')})` +
      `${shown < result.requestCount ? `; the first ${fmt(shown)} shown, Copy and Download give all` : ''}. ` +
      'Bodies are exactly what would be sent; <partner_api_key> and <client_secret> are placeholders that only the sending step fills in.';
  }
  renderRequests($('#requests'), result.preview, { pretty: $('#pretty').checked });
  for (const b of [$('#copy-requests'), $('#download-requests')]) {
    b.disabled = !sendable;
    b.title = sendable ? '' : (result.requestCount === 0 ? 'Nothing is planned: the settings have errors' : 'Not sendable: the plan has errors');
  }
}

// ---- modes ------------------------------------------------------------------------------------------------

function setMode(mode) {
  if (mode === state.mode) return;
  state.mode = mode;
  document.body.dataset.mode = mode;
  $(`#mode-${mode}`).checked = true;
  $('#input-text').placeholder = mode === 'currents'
    ? 'Paste a Currents payload here, drop a file anywhere, or open one.'
    : 'Paste a query result here (CSV, TSV, JSON array or JSON Lines), drop a file anywhere, or open one.';
  $('#input-text').setAttribute('aria-label', mode === 'currents' ? 'Currents payload' : 'Cohort table');
  const input = state.inputs[mode];
  if (input.large) editor.setDocument(input.doc || TextDoc.fromText(''));
  else editor.setText(input.text);
  updateInputInfo();
  renderAll();
}

// ---- SQL check ------------------------------------------------------------------------------------------------

let sqlTimer = 0;
let sqlToken = 0;
function scheduleSql(delay = 200) {
  clearTimeout(sqlTimer);
  sqlTimer = setTimeout(checkSql, delay);
}

async function checkSql() {
  const query = $('#sql').value;
  const out = $('#sql-result');
  const token = ++sqlToken;
  if (!query.trim()) { out.replaceChildren(); return; }
  try {
    const result = await runners.sql.run({ type: 'sql', query, source: 'query', aliasColumns: aliasColumns(), map: columnMapping() });
    if (token !== sqlToken) return;
    renderSql(JSON.parse(result.report), query);
  } catch (err) {
    if (token !== sqlToken || err instanceof CancelledError) return;
    out.replaceChildren(el('p', { class: 'bad', text: `Could not check the query: ${err.message}` }));
  }
}

function renderSql(report, query) {
  const out = $('#sql-result');
  const cols = report.summary.columns.map((c) => el('li', { class: `col sent-${c.sent_as}` },
    el('code', { text: c.name }), el('span', { class: 'arrow', 'aria-hidden': 'true', text: '\u2192' }),
    el('span', { class: 'visually-hidden', text: ' sent as ' }), el('span', { class: 'as', text: c.sent_as })));
  const findings = report.diagnostics.map((d) => {
    const b = el('button', { type: 'button', class: 'diag-main' },
      el('span', { class: 'sev', text: d.severity }), ' ',
      d.line ? el('span', { class: 'loc', text: `${d.line}:${d.column}` }) : null, ' ',
      el('span', { class: 'msg', text: d.message }), ' ',
      el('code', { class: 'code', text: d.code }));
    const hint = el('p', { class: 'hint' }, el('span', { class: 'label', text: 'Hint' }), ' ', d.hint);
    b.addEventListener('click', () => selectInQuery(query, d));
    return el('li', { class: `diag sev-${d.severity} selected` }, b, hint);
  });
  out.replaceChildren(
    el('div', { class: 'sql-cols' },
      el('span', { class: 'label', text: 'Output columns' }),
      cols.length ? el('ul', { class: 'cols' }, ...cols) : el('span', { class: 'empty-note', text: 'none found' }),
      report.summary.complete ? null : el('span', { class: 'note', text: '(not all known)' })),
    findings.length
      ? el('ol', { class: 'diags sql-diags', 'aria-label': 'Query findings' }, ...findings)
      : el('p', { class: 'ok-note', text: 'The output columns meet the mapping contract.' }));
}

function selectInQuery(query, d) {
  const ta = $('#sql');
  if (!d.line) { ta.focus(); return; }
  const lines = query.split('\n');
  let offset = 0;
  for (let i = 0; i < d.line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  const line = lines[d.line - 1] || '';
  const from = offset + codePointColumnToOffset(line, d.column || 1);
  const word = /^[\w"`.*]+/.exec(line.slice(from - offset));
  ta.focus();
  ta.setSelectionRange(from, from + (word ? word[0].length : 1));
}

// ---- files, drops, pastes, examples ----------------------------------------------------------------------------

function openFile(file) {
  if (!file) return;
  setInput({ file, source: file.name });
}

$('#open-file').addEventListener('click', () => $('#file-input').click());
$('#file-input').addEventListener('change', (e) => {
  openFile(e.target.files[0]);
  e.target.value = '';
});

let dragDepth = 0;
window.addEventListener('dragenter', (e) => {
  if (!e.dataTransfer || ![...e.dataTransfer.types].includes('Files')) return;
  dragDepth++;
  $('#drop-overlay').hidden = false;
});
window.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (!dragDepth) $('#drop-overlay').hidden = true;
});
window.addEventListener('dragover', (e) => { e.preventDefault(); });
window.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  $('#drop-overlay').hidden = true;
  const file = e.dataTransfer && e.dataTransfer.files[0];
  if (file) openFile(file);
});

// A paste anywhere outside a form field replaces the input (the read-only view has no caret).
document.addEventListener('paste', (e) => {
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
  const text = e.clipboardData && e.clipboardData.getData('text/plain');
  if (!text) return;
  e.preventDefault();
  setInput({ text, source: 'pasted' });
});

async function loadExamples() {
  try {
    const res = await fetch('examples.json');
    state.examples = (await res.json()).examples;
  } catch {
    return;
  }
  const select = $('#examples');
  const groups = new Map();
  for (const ex of state.examples) {
    const label = `${ex.mode === 'currents' ? 'Currents' : 'Cohort'}: ${ex.valid ? 'valid' : 'with problems'}`;
    if (!groups.has(label)) groups.set(label, el('optgroup', { label }));
    groups.get(label).append(el('option', { value: ex.id, text: ex.title }));
  }
  select.append(...groups.values());
}

async function loadExample(id) {
  const ex = state.examples.find((e) => e.id === id);
  if (!ex) return;
  const res = await fetch(`examples/${ex.file}`);
  const blob = await res.blob();
  setMode(ex.mode);
  if (ex.mode === 'cohort') {
    const s = ex.settings || {};
    $('#cohort-id').value = s.cohort_id || '';
    $('#cohort-name').value = s.cohort_name || '';
    $('#alias-columns').value = (s.alias_columns || []).join(', ');
    setColumnMapping(s.map || []);
    $(s.operation === 'remove' ? '#op-remove' : '#op-add').checked = true;
    $('#table-format').value = s.table_format || 'auto';
    $('#trim').checked = !!s.trim;
    $('#sql').value = ex.sql || '';
    scheduleSql(0);
  }
  await setInput({ file: blob, source: ex.file });
}

for (const b of document.querySelectorAll('#welcome [data-example]')) b.addEventListener('click', () => loadExample(b.dataset.example));
$('#examples').addEventListener('change', async (e) => {
  const id = e.target.value;
  e.target.value = '';
  await loadExample(id);
});

// ---- wiring ---------------------------------------------------------------------------------------------------

for (const radio of document.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener('change', () => { if (radio.checked) setMode(radio.value); });
}
$('#validate').addEventListener('click', () => validate(state.mode));
$('#cancel').addEventListener('click', cancel);
$('#clear').addEventListener('click', clearInput);
$('#strict').addEventListener('change', () => scheduleValidate(0, 'currents'));
$('#receiver').addEventListener('change', () => scheduleValidate(0, 'currents'));
$('#cohort-form').addEventListener('input', () => scheduleValidate(300, 'cohort'));
$('#cohort-form').addEventListener('submit', (e) => { e.preventDefault(); validate('cohort'); });
$('#alias-columns').addEventListener('input', () => scheduleSql());
$('#map-rows').addEventListener('input', () => scheduleSql());
$('#map-rows').addEventListener('change', () => { scheduleValidate(0, 'cohort'); scheduleSql(); });
$('#map-add').addEventListener('click', () => { addMapRow().querySelector('.map-column').focus(); });
$('#sql').addEventListener('input', () => scheduleSql());
$('#pretty').addEventListener('change', () => { const r = state.results[state.mode]; if (r) renderRequestsCard(r); });

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No async clipboard (not a secure context): fall back to a selection copy.
    const ta = el('textarea', { class: 'visually-hidden' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
}

// ---- SQL for Treasure Data: the flattening views for the event types of the payload shown ----------------

let tdSqlToken = 0;
async function renderTdSql() {
  const card = $('#td-sql-card');
  const result = state.results.currents;
  const types = result ? Object.keys(result.report.summary.event_types) : [];
  card.hidden = state.mode !== 'currents' || types.length === 0;
  if (card.hidden || !card.open) return;  // generated when opened: most checks never need it
  const token = ++tdSqlToken;
  const answer = await runners.sql.run({
    type: 'currents-sql', dialect: $('#td-sql-dialect').value, sourceTable: $('#td-sql-table').value.trim() || 'currents',
    eventTypes: types, materialize: false,
  }).catch((err) => ({ error: err.message }));
  if (token !== tdSqlToken) return;
  $('#td-sql').textContent = answer.error ? `-- ${answer.error}` : answer.sql;
  $('#td-sql-copy').disabled = !!answer.error;
}
$('#td-sql-card').addEventListener('toggle', () => renderTdSql());
$('#td-sql-dialect').addEventListener('change', () => renderTdSql());
$('#td-sql-table').addEventListener('input', () => renderTdSql());
$('#td-sql-copy').addEventListener('click', async () => {
  await copyText($('#td-sql').textContent);
  $('#td-sql-copy').textContent = 'Copied';
  setTimeout(() => { $('#td-sql-copy').textContent = 'Copy SQL'; }, 1500);
});

$('#copy-requests').addEventListener('click', async () => {
  const result = state.results[state.mode];
  if (!result || !result.requests || !result.report.ok) return;
  const button = $('#copy-requests');
  await copyText(await result.requests.text());
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = 'Copy JSON Lines'; }, 1500);
});

$('#download-requests').addEventListener('click', () => {
  const result = state.results[state.mode];
  if (!result || !result.requests || !result.report.ok) return;
  const url = URL.createObjectURL(result.requests);
  const name = `${($('#cohort-id').value.trim() || 'cohort').replace(/[^\w.-]+/g, '_')}-requests.jsonl`;
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    validate();
  } else if (e.key === 'Escape' && state.runs[state.mode]) {
    cancel();
  }
});

loadExamples();
renderAll();

// Offline: a service worker keeps a copy of the site (network first, the copy when there is no network), so
// the page, its Worker and the module load without a connection once they have loaded once.
if ('serviceWorker' in navigator && window.isSecureContext) {
  navigator.serviceWorker.register('sw.js').catch(() => {});
}
