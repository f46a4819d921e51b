// Rendering of reports: the summary, the diagnostics list and the request preview. Only DOM building
// here; no validation logic (that is all in the WebAssembly core).

const nf = new Intl.NumberFormat('en-US');
export const fmt = (n) => nf.format(n);

export function plural(n, one, many = `${one}s`) {
  return `${fmt(n)} ${n === 1 ? one : many}`;
}

export function formatBytes(n) {
  if (n < 1024) return plural(n, 'byte');
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

function stat(value, label, cls = '') {
  return el('div', { class: `stat ${cls}` }, el('span', { class: 'stat-n', text: fmt(value) }), el('span', { class: 'stat-l', text: label }));
}

// Horizontal bars (plain HTML and CSS): [label, value] pairs, longest first.
function bars(entries, { limit = Infinity, label = 'Chart' } = {}) {
  const max = Math.max(1, ...entries.map((e) => e[1]));
  const list = el('ul', { class: 'bars', 'aria-label': label });
  entries.forEach(([name, value, cls], i) => {
    const bar = el('span', { class: `bar ${cls || ''}` });
    bar.style.width = `${value === 0 ? 0 : Math.max(0.8, (100 * value) / max)}%`;
    const li = el('li', { class: i >= limit ? 'extra' : '' },
      el('span', { class: 'bar-label', title: name, text: name }),
      el('span', { class: 'bar-track', 'aria-hidden': 'true' }, bar),
      el('span', { class: 'bar-value', text: fmt(value) }));
    if (i >= limit) li.hidden = true;
    list.append(li);
  });
  const wrap = el('div', {}, list);
  if (entries.length > limit) {
    const more = el('button', { type: 'button', class: 'link-btn', 'aria-expanded': 'false', text: `Show all ${fmt(entries.length)} types` });
    more.addEventListener('click', () => {
      const open = more.getAttribute('aria-expanded') !== 'true';
      list.querySelectorAll('li.extra').forEach((li) => { li.hidden = !open; });
      more.setAttribute('aria-expanded', String(open));
      more.textContent = open ? 'Show fewer' : `Show all ${fmt(entries.length)} types`;
    });
    wrap.append(more);
  }
  return wrap;
}

export function renderCurrentsSummary(container, report) {
  const s = report.summary;
  const types = Object.entries(s.event_types).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  container.replaceChildren(
    el('div', { class: 'stats' },
      stat(s.events, s.events === 1 ? 'event' : 'events'),
      stat(types.length, types.length === 1 ? 'event type' : 'event types'),
      stat(s.errors, s.errors === 1 ? 'error' : 'errors', s.errors ? 'bad' : ''),
      stat(s.warnings, s.warnings === 1 ? 'warning' : 'warnings', s.warnings ? 'warn' : '')),
    el('h4', { text: 'Events by type' }),
    types.length ? bars(types, { limit: 10, label: 'Events by type' }) : el('p', { class: 'empty-note', text: 'No events.' }));
}

export function renderCohortSummary(container, report, requestCount) {
  const s = report.summary;
  const ids = [['user_ids', s.user_ids, 'c1'], ['device_ids', s.device_ids, 'c2'], ['aliases', s.aliases, 'c3']];
  container.replaceChildren(
    el('div', { class: 'stats' },
      stat(s.rows, s.rows === 1 ? 'row' : 'rows'),
      stat(requestCount, requestCount === 1 ? 'request' : 'requests'),
      stat(s.duplicates, s.duplicates === 1 ? 'duplicate' : 'duplicates'),
      stat(s.skipped, s.skipped === 1 ? 'skipped cell' : 'skipped cells')),
    el('h4', { text: 'Identifiers sent, by type' }),
    bars(ids, { label: 'Identifiers by type' }),
    el('p', { class: 'note', text: requestCount > 0
      ? `${plural(requestCount, 'request')} in all: the naming call, then ${plural(s.requests, 'membership call')}.`
      : 'Nothing is planned: fix the settings errors first.' }));
}

// ---- the diagnostics list ------------------------------------------------------------------------------------

const RANK = { error: 0, warning: 1, info: 2 };
// Rows are drawn in slices: FIRST_SLICE at once (a screenful, so the list never looks empty), then at most
// SLICE_ROWS per animation frame, for at most SLICE_MS of script. Each frame then also lays out and paints only
// the rows it added (about 0.2 ms each in Chromium on a busy 2-core machine), so no task nears 50 ms; 1,000
// rows at once took one task of 120 to 240 ms.
const FIRST_SLICE = 40;
const SLICE_ROWS = 60;
const SLICE_MS = 6;
const PLACES_SHOWN = 3;   // places listed in a group's row; the rest when it is expanded
const MEMBERS_SHOWN = 200; // places listed in an expanded group (all are counted)

// Findings that repeat are one group: the same severity and code at the same field of every event (the JSON
// pointer with its array indexes as '*': /events/12/time -> /events/*/time) or in the same column of a
// table. 5,000 events with a time in milliseconds are then one row with a count and the first places, not
// 1,000 rows that hide everything else. A finding whose hint names a fix of its own (a "did you mean") is
// grouped only with findings that suggest the same fix, so that no suggestion is hidden inside a group.
export function groupKey(d) {
  const where = 'pointer' in d ? String(d.pointer).replace(/\/\d+(?=\/|$)/g, '/*') : `column ${d.column_name || ''}`;
  const fix = /did you mean/i.test(d.hint || '') ? d.hint : '';
  return `${d.severity}\n${d.code}\n${where}\n${fix}`;
}

// Groups in the order a user fixes them: errors first, then warnings, then info; within a severity by where
// the group first occurs. Errors first because the error that stopped a check (a syntax error after 19
// warnings about the events before it) is the one thing to fix, and the status counts it first: it must
// not sit last in a list sorted by line. The gutter still shows every finding where it is.
export function groupDiagnostics(diags) {
  const groups = new Map();
  diags.forEach((d, index) => {
    const key = groupKey(d);
    let g = groups.get(key);
    if (!g) { g = { key, severity: d.severity, members: [] }; groups.set(key, g); }
    g.members.push(index);
  });
  return [...groups.values()].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.members[0] - b.members[0]);
}

// The "did you mean" part of a hint, shown in the row itself: the fix should not wait for a click.
export function suggestionOf(hint) {
  const m = /did you mean\s+("[^"]*"|\S+?)\??(?=[\s,;.]|$)/i.exec(hint || '');
  return m ? m[1].replace(/^"|"$/g, '') : null;
}

// The diagnostics list: severity filter with the report's true counts, a text filter, a note when the list is
// capped, groups of repeated findings, and selection that reveals a finding in the editor. Rows are drawn in
// slices (see FIRST_SLICE) so that a report of 1,000 findings never blocks the page.
export class DiagnosticsList {
  constructor({ list, empty, cap, chips, search, onSelect, describeLocation, actionOf }) {
    this.list = list;
    // A finding's one-click fix, {label, run}, or null: e.g. a near miss's mapping (a setting, not an edit).
    this.actionOf = actionOf || (() => null);
    this.empty = empty;
    this.cap = cap;
    this.chips = chips;
    this.search = search;
    this.onSelect = onSelect;
    this.describeLocation = describeLocation;
    this.diags = [];
    this.enabled = { error: true, warning: true, info: true };
    this.selected = -1;  // index in this.diags
    this.pending = 0;    // the animation frame drawing the next slice
    for (const chip of chips) {
      chip.addEventListener('click', () => {
        const sev = chip.dataset.sev;
        this.enabled[sev] = !this.enabled[sev];
        chip.setAttribute('aria-pressed', String(this.enabled[sev]));
        this.render();
      });
    }
    search.addEventListener('input', () => this.render());
    // On the card, not the list: render() replaces the list element.
    list.parentElement.addEventListener('keydown', (e) => this.onKey(e));
  }

  // report: {summary, diagnostics}; cli: the command that lists every finding (for the capped note).
  set(report, { cli }) {
    const all = report.diagnostics;
    this.diags = all.filter((d) => d.code !== 'diagnostics-omitted');
    this.selected = -1;
    // The chips count what the status counts: the summary's totals, not only the listed findings.
    const s = report.summary;
    const totals = { error: s.errors, warning: s.warnings, info: s.infos };
    for (const chip of this.chips) chip.querySelector('.n').textContent = fmt(totals[chip.dataset.sev] || 0);
    const total = s.errors + s.warnings + s.infos;
    this.capped = this.diags.length < total;
    this.cap.hidden = !this.capped;
    if (this.capped) {
      this.cap.replaceChildren(
        el('strong', { text: `The first ${fmt(this.diags.length)} of ${fmt(total)} findings are listed` }),
        ' (the counts above are of all of them). To list every one, run the command line: ',
        el('code', { text: cli.replace('{N}', String(total)) }));
    }
    this.render();
  }

  render() {
    cancelAnimationFrame(this.pending);
    const q = this.search.value.trim().toLowerCase();
    const shown = [];
    this.diags.forEach((d, index) => {
      if (!this.enabled[d.severity]) return;
      if (q && !`${d.code} ${d.message} ${d.hint} ${d.column_name || ''} ${d.pointer || ''}`.toLowerCase().includes(q)) return;
      shown.push(index);
    });
    this.groups = groupDiagnostics(shown.map((i) => this.diags[i])).map((g) => ({ ...g, members: g.members.map((k) => shown[k]) }));
    // A fresh empty list in place of the old one, which is hidden and emptied in slices: removing 1,000
    // rows at once takes 20 to 30 ms of the task that draws the result.
    const fresh = this.list.cloneNode(false);
    delete fresh.dataset.rendering;
    const old = this.list;
    old.before(fresh);
    old.hidden = true;
    old.removeAttribute('id');
    discardInSlices(old);
    this.list = fresh;
    this.list.closest('.card').classList.toggle('no-diags', this.diags.length === 0);
    this.empty.hidden = this.groups.length > 0;
    this.empty.textContent = this.diags.length === 0 ? 'No diagnostics: nothing to fix.' : 'No diagnostics match the filter.';
    this.drawn = 0;
    this.drawSlice(FIRST_SLICE, Infinity);
    this.updateTabStop();
  }

  // Appends the next rows: at most `count`, for at most `budget` ms; schedules the rest for the next frame.
  drawSlice(count, budget) {
    const t0 = performance.now();
    const rows = [];
    const end = Math.min(this.groups.length, this.drawn + count);
    while (this.drawn < end && performance.now() - t0 < budget) rows.push(this.item(this.groups[this.drawn++]));
    this.list.append(...rows);
    if (this.drawn < this.groups.length) {
      this.list.dataset.rendering = 'true';
      this.pending = requestAnimationFrame(() => this.drawSlice(SLICE_ROWS, SLICE_MS));
    } else {
      delete this.list.dataset.rendering;
    }
  }

  item(group) {
    const first = this.diags[group.members[0]];
    const n = group.members.length;
    const selectedHere = group.members.includes(this.selected);
    const id = `diag-more-${group.members[0]}`;
    const loc = this.describeLocation(first);
    const suggestion = suggestionOf(first.hint);
    const main = el('button', {
      type: 'button', class: 'diag-main', tabindex: '-1', 'aria-expanded': String(selectedHere), 'aria-controls': id,
      'aria-current': selectedHere ? 'true' : null,
    },
    // Spaces between the parts: ignored by the grid layout, read by screen readers.
    el('span', { class: 'sev', text: first.severity }), ' ',
    loc ? el('span', { class: 'loc', text: loc }) : null, ' ',
    n > 1 ? el('span', { class: 'count', title: this.capped ? 'at least: the list is capped' : null, text: `\u00d7${fmt(n)}${this.capped ? '+' : ''}` }) : null, ' ',
    el('span', { class: 'msg', text: first.message }), ' ',
    // The fix is visible without a click: the suggestion when the hint has one, else the hint itself.
    suggestion
      ? el('span', { class: 'fix' }, el('span', { class: 'label', text: 'Did you mean' }), ' ', el('code', { text: suggestion }))
      : (first.hint ? el('span', { class: 'fix hint-line', text: first.hint }) : null), ' ',
    n > 1 ? el('span', { class: 'places', text: this.placesText(group) }) : null, ' ',
    el('code', { class: 'code', text: first.code }));
    const more = el('div', { class: 'diag-more', id });
    more.hidden = !selectedHere;
    const fill = () => {
      if (more.childElementCount) return;
      more.append(...[
        first.hint ? el('p', { class: 'hint' }, el('span', { class: 'label', text: 'Hint' }), ' ', first.hint) : null,
        first.pointer ? el('p', { class: 'ptr' }, el('span', { class: 'label', text: 'Pointer' }), ' ', el('code', { text: n > 1 ? groupKey(first).split('\n')[2] : first.pointer })) : null,
        first.column_name ? el('p', { class: 'ptr' }, el('span', { class: 'label', text: 'Column' }), ' ', el('code', { text: first.column_name })) : null,
        n > 1 ? this.memberList(group) : null].filter(Boolean));
    };
    if (selectedHere) fill();
    main.addEventListener('click', () => {
      if (group.members.includes(this.selected)) {
        const open = main.getAttribute('aria-expanded') !== 'true';
        main.setAttribute('aria-expanded', String(open));
        fill();
        more.hidden = !open;
        return;
      }
      this.select(group.members[0]);
    });
    const action = this.actionOf(first);
    const actionButton = action ? el('button', { type: 'button', class: 'diag-action', text: action.label }) : null;
    if (actionButton) actionButton.addEventListener('click', () => action.run());
    const li = el('li', { class: `diag sev-${first.severity}${selectedHere ? ' selected' : ''}${n > 1 ? ' group' : ''}`, dataset: { index: String(group.members[0]), count: String(n) } }, main, actionButton, more);
    li.fill = fill;
    li.group = group;
    return li;
  }

  placesText(group) {
    const locs = group.members.slice(0, PLACES_SHOWN).map((i) => this.describeLocation(this.diags[i]) || 'input');
    const rest = group.members.length - locs.length;
    return `at ${locs.join(', ')}${rest > 0 ? ` and ${fmt(rest)} more` : ''}`;
  }

  // Every place of a group (the first MEMBERS_SHOWN), each a button that reveals it in the editor.
  memberList(group) {
    const items = group.members.slice(0, MEMBERS_SHOWN).map((i) => {
      const d = this.diags[i];
      const b = el('button', { type: 'button', class: 'place', dataset: { index: String(i) }, 'aria-current': i === this.selected ? 'true' : null },
        el('span', { class: 'loc', text: this.describeLocation(d) || 'input' }), ' ', el('span', { class: 'msg', text: d.message }));
      b.addEventListener('click', () => this.select(i));
      return el('li', {}, b);
    });
    const rest = group.members.length - items.length;
    return el('div', { class: 'members' },
      el('span', { class: 'label', text: `All ${fmt(group.members.length)} places` }),
      el('ol', { class: 'places-list' }, ...items),
      rest > 0 ? el('p', { class: 'note', text: `and ${fmt(rest)} more (filter by text to narrow the list)` }) : null);
  }

  // One Tab stop for the whole list (the selected finding, else the first); arrows move within it.
  updateTabStop(focused = null) {
    const buttons = [...this.list.querySelectorAll('.diag-main')];
    const stop = focused || buttons.find((b) => b.getAttribute('aria-current') === 'true') || buttons[0];
    for (const b of buttons) b.tabIndex = b === stop ? 0 : -1;
  }

  select(index, { focus = false } = {}) {
    this.selected = index;
    for (const li of this.list.children) {
      const on = li.group.members.includes(index);
      li.classList.toggle('selected', on);
      const main = li.querySelector('.diag-main');
      main.setAttribute('aria-expanded', String(on));
      if (on) { main.setAttribute('aria-current', 'true'); li.fill(); } else main.removeAttribute('aria-current');
      li.querySelector('.diag-more').hidden = !on;
      for (const p of li.querySelectorAll('.place')) {
        if (Number(p.dataset.index) === index) p.setAttribute('aria-current', 'true');
        else p.removeAttribute('aria-current');
      }
      if (on && focus) main.focus();
    }
    this.updateTabStop();
    this.onSelect(this.diags[index]);
  }

  onKey(e) {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
    const buttons = [...this.list.querySelectorAll('.diag-main')];
    const at = buttons.indexOf(document.activeElement);
    if (at < 0) return;
    e.preventDefault();
    let next = at;
    if (e.key === 'ArrowDown') next = Math.min(buttons.length - 1, at + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (e.key === 'Home') next = 0;
    else next = buttons.length - 1;
    this.updateTabStop(buttons[next]);
    buttons[next].focus();
  }
}

// Empties a list that is no longer shown a few hundred rows per frame, then removes it.
function discardInSlices(list) {
  requestAnimationFrame(() => {
    for (let n = 0; n < 250 && list.lastChild; n++) list.lastChild.remove();
    if (list.lastChild) discardInSlices(list);
    else list.remove();
  });
}

// The request preview: one <details> per request, the record's exact text (or pretty-printed).
export function renderRequests(list, lines, { pretty }) {
  const items = lines.map((line, i) => {
    let record = null;
    if (line.length < (1 << 20)) {
      try { record = JSON.parse(line); } catch { record = null; }
    }
    const title = record ? describeRequest(record) : 'request';
    const pre = el('pre', { class: 'body', tabindex: '0', 'aria-label': `Request ${i + 1}` });
    const fill = () => { pre.textContent = pretty && record ? JSON.stringify(record, null, 2) : line; };
    const details = el('details', { class: 'request' },
      el('summary', {}, el('span', { class: 'req-n', text: `#${i + 1}` }), ' ',
        el('span', { class: 'req-method', text: record ? record.method : '' }), ' ',
        el('span', { class: 'req-path', text: record ? record.path : '' }), ' ',
        el('span', { class: 'req-what', text: title })),
      pre);
    // Bodies can be megabytes: fill the text in only when opened.
    if (i < 2) { details.open = true; fill(); } else details.addEventListener('toggle', () => { if (details.open && !pre.textContent) fill(); });
    return el('li', {}, details);
  });
  list.replaceChildren(...items);
}

function describeRequest(record) {
  const body = record.body || {};
  if (!body.cohort_changes) return `naming call: "${body.name}"`;
  const change = body.cohort_changes[0] || {};
  const parts = [];
  if (change.user_ids) parts.push(plural(change.user_ids.length, 'user id'));
  if (change.device_ids) parts.push(plural(change.device_ids.length, 'device id'));
  if (change.aliases) parts.push(plural(change.aliases.length, 'alias', 'aliases'));
  return `${parts.join(', ') || 'no identifiers'}, ${change.should_remove ? 'remove' : 'add'}`;
}
