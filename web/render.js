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

function countSeverity(diags, sev) {
  return diags.filter((d) => d.severity === sev && d.code !== 'diagnostics-omitted').length;
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

// The diagnostics list: severity filter with counts, a text filter, selection with the hint on expand.
export class DiagnosticsList {
  constructor({ list, empty, chips, search, onSelect, describeLocation }) {
    this.list = list;
    this.empty = empty;
    this.chips = chips;
    this.search = search;
    this.onSelect = onSelect;
    this.describeLocation = describeLocation;
    this.diags = [];
    this.enabled = { error: true, warning: true, info: true };
    this.selected = -1;
    for (const chip of chips) {
      chip.addEventListener('click', () => {
        const sev = chip.dataset.sev;
        this.enabled[sev] = !this.enabled[sev];
        chip.setAttribute('aria-pressed', String(this.enabled[sev]));
        this.render();
      });
    }
    search.addEventListener('input', () => this.render());
    list.addEventListener('keydown', (e) => this.onKey(e));
  }

  set(diags, kind) {
    this.kind = kind;
    this.diags = diags;
    this.selected = -1;
    for (const chip of this.chips) chip.querySelector('.n').textContent = fmt(countSeverity(diags, chip.dataset.sev));
    this.render();
  }

  render() {
    const q = this.search.value.trim().toLowerCase();
    const items = [];
    this.diags.forEach((d, index) => {
      if (!this.enabled[d.severity] && d.code !== 'diagnostics-omitted') return;
      if (q && !`${d.code} ${d.message} ${d.hint} ${d.column_name || ''} ${d.pointer || ''}`.toLowerCase().includes(q)) return;
      items.push(this.item(d, index));
    });
    this.list.replaceChildren(...items);
    this.list.closest('.card').classList.toggle('no-diags', this.diags.length === 0);
    this.updateTabStop();
    this.empty.hidden = items.length > 0;
    this.empty.textContent = this.diags.length === 0 ? 'No diagnostics: nothing to fix.' : 'No diagnostics match the filter.';
  }

  item(d, index) {
    const id = `diag-more-${index}`;
    const selected = index === this.selected;
    const loc = this.describeLocation(d);
    const main = el('button', {
      type: 'button', class: 'diag-main', 'aria-expanded': String(selected), 'aria-controls': id,
      'aria-current': selected ? 'true' : null,
    },
    // Spaces between the parts: ignored by the grid layout, read by screen readers.
    el('span', { class: 'sev', text: d.severity }), ' ',
    loc ? el('span', { class: 'loc', text: loc }) : null, ' ',
    el('span', { class: 'msg', text: d.message }), ' ',
    el('code', { class: 'code', text: d.code }));
    main.addEventListener('click', () => {
      if (this.selected === index) {
        const open = main.getAttribute('aria-expanded') !== 'true';
        main.setAttribute('aria-expanded', String(open));
        more.hidden = !open;
        return;
      }
      this.select(index);
    });
    const more = el('div', { class: 'diag-more', id },
      d.hint ? el('p', { class: 'hint' }, el('span', { class: 'label', text: 'Hint' }), ' ', d.hint) : null,
      d.pointer ? el('p', { class: 'ptr' }, el('span', { class: 'label', text: 'Pointer' }), ' ', el('code', { text: d.pointer })) : null,
      d.column_name ? el('p', { class: 'ptr' }, el('span', { class: 'label', text: 'Column' }), ' ', el('code', { text: d.column_name })) : null);
    more.hidden = !selected;
    return el('li', { class: `diag sev-${d.severity}${selected ? ' selected' : ''}`, dataset: { index: String(index) } }, main, more);
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
      const on = Number(li.dataset.index) === index;
      li.classList.toggle('selected', on);
      const main = li.querySelector('.diag-main');
      main.setAttribute('aria-expanded', String(on));
      if (on) main.setAttribute('aria-current', 'true');
      else main.removeAttribute('aria-current');
      li.querySelector('.diag-more').hidden = !on;
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
