// The input view: line numbers, diagnostic marks in the gutter, and the highlight of one diagnostic.
//
// Two modes share the gutter and the highlight:
//  - edit: a plain <textarea> (no syntax highlighting), for input up to editLimit characters;
//  - view: a read-only virtualised view for large input (50 MB and more): only the rows and the columns on
//    screen are in the DOM. Past a few million pixels the scroll range is scaled, so any line stays reachable.
import { TextDoc } from './lines.js';

const MAX_DOM_PX = 8_000_000;  // well under Chromium's and Firefox's limits for one element's size

export class Editor {
  constructor(root, { onInput, onLargePaste, editLimit }) {
    this.root = root;
    this.onInput = onInput;
    this.onLargePaste = onLargePaste;
    this.editLimit = editLimit;
    this.gutterBox = root.querySelector('.ed-gutter');
    this.gutter = root.querySelector('.ed-gutter-inner');
    this.main = root.querySelector('.ed-main');
    this.textarea = root.querySelector('.ed-textarea');
    this.view = root.querySelector('.ed-view');
    this.sizer = root.querySelector('.ed-sizer');
    this.sticky = root.querySelector('.ed-sticky');
    this.rows = root.querySelector('.ed-rows');
    this.hlLine = root.querySelector('.ed-hl-line');
    this.hlRange = root.querySelector('.ed-hl-range');
    this.mode = 'edit';
    this.doc = TextDoc.fromText('');
    this.highlight = null;  // {line: 0-based, from, to: UTF-16 offsets in the line}
    this.marks = new Map();  // 0-based line -> 'error' | 'warning' | 'info'
    this.maxMarkLine = -1;
    this.gutterPool = [];
    this.rowPool = [];
    this.frame = 0;
    this.measure();

    this.textarea.addEventListener('input', () => {
      if (this.pastedWhole) {
        // A paste that replaced everything shows the top of the new text, where a reader starts (and where
        // the first findings usually are), not its end where the caret was left.
        this.pastedWhole = false;
        this.textarea.setSelectionRange(0, 0);
        this.textarea.scrollTop = 0;
        this.textarea.scrollLeft = 0;
      }
      this.doc = TextDoc.fromText(this.textarea.value);
      this.highlight = null;
      this.marks = new Map();
      this.maxMarkLine = -1;
      this.updateGutterWidth();
      this.scheduleRender();
      this.onInput(this.textarea.value);
    });
    this.textarea.addEventListener('scroll', () => this.scheduleRender());
    this.textarea.addEventListener('paste', (e) => {
      const text = e.clipboardData && e.clipboardData.getData('text/plain');
      if (text && text.length - this.selectedLength() + this.textarea.value.length > this.editLimit) {
        e.preventDefault();
        this.onLargePaste(text);
        return;
      }
      // A paste into the middle of a text keeps the caret after it, as everywhere else.
      this.pastedWhole = !!text && this.selectedLength() === this.textarea.value.length;
    });
    this.view.addEventListener('scroll', () => this.scheduleRender());
    new ResizeObserver(() => { this.layoutView(); this.render(); }).observe(this.main);
    // Fonts can change the metrics after the first layout.
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(() => { this.measure(); this.layoutView(); this.render(); });
  }

  selectedLength() { return this.textarea.selectionEnd - this.textarea.selectionStart; }

  measure() {
    const cs = getComputedStyle(this.textarea);
    this.lh = parseFloat(cs.lineHeight) || 20;
    this.padTop = parseFloat(cs.paddingTop) || 0;
    this.padLeft = parseFloat(cs.paddingLeft) || 0;
    this.tabSize = parseInt(cs.tabSize, 10) || 4;
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    this.ctx = ctx;
    this.cw = ctx.measureText('0'.repeat(100)).width / 100 || 8;
    this.root.style.setProperty('--ed-lh', `${this.lh}px`);
  }

  // Editable text (small input).
  setText(text) {
    this.mode = 'edit';
    this.view.hidden = true;
    this.textarea.hidden = false;
    this.textarea.value = text;
    this.textarea.scrollTop = 0;
    this.textarea.scrollLeft = 0;
    this.doc = TextDoc.fromText(text);
    this.highlight = null;
    this.marks = new Map();
    this.maxMarkLine = -1;
    this.root.dataset.mode = 'edit';
    this.updateGutterWidth();
    this.render();
  }

  // Read-only view of a large document (its line index already built).
  setDocument(doc) {
    this.mode = 'view';
    this.textarea.value = '';
    this.textarea.hidden = true;
    this.view.hidden = false;
    this.doc = doc;
    this.highlight = null;
    this.marks = new Map();
    this.maxMarkLine = -1;
    this.root.dataset.mode = 'view';
    this.updateGutterWidth();
    this.layoutView();
    this.view.scrollTop = 0;
    this.view.scrollLeft = 0;
    this.render();
  }

  focus() { (this.mode === 'edit' ? this.textarea : this.view).focus(); }

  setMarks(marks) {
    this.marks = marks;
    this.maxMarkLine = Math.max(-1, ...marks.keys());
    // In the next frame, not now: drawing reads the scroll position, which would force a layout of the whole
    // page (a fresh list of findings included) in the task that delivers a result.
    this.scheduleRender();
  }

  clearHighlight() {
    this.highlight = null;
    delete this.root.dataset.highlightLine;
    this.render();
  }

  // Scrolls to a line (0-based) and marks [from, to) in it.
  reveal(line, from, to) {
    if (line < 0 || line >= this.doc.lineCount) return;
    this.highlight = { line, from, to: Math.max(to, from) };
    this.root.dataset.highlightLine = String(line + 1);
    const viewH = this.viewportHeight();
    const viewW = this.viewportWidth();
    const y = this.padTop + line * this.lh - viewH / 3;
    const x = this.padLeft + this.xOf(line, from);
    const xEnd = this.padLeft + this.xOf(line, to);
    if (this.mode === 'edit') {
      const ta = this.textarea;
      ta.scrollTop = Math.max(0, y);
      if (x < ta.scrollLeft + 2 * this.cw || xEnd > ta.scrollLeft + viewW - 2 * this.cw) ta.scrollLeft = Math.max(0, x - viewW / 3);
      const abs = this.doc.starts[line];
      if (document.activeElement !== ta) ta.setSelectionRange(abs + from, abs + Math.max(to, from));
    } else {
      const { contentW, contentH, domW, domH } = this.sizes;
      this.view.scrollTop = unmap(Math.max(0, y), domH, contentH, this.view.clientHeight);
      const sx = this.contentScrollX();
      if (x < sx + 2 * this.cw || xEnd > sx + viewW - 2 * this.cw)
        this.view.scrollLeft = unmap(Math.max(0, x - viewW / 3), domW, contentW, this.view.clientWidth);
    }
    this.render();
  }

  // Horizontal position of an offset in a line: measured text in the editable view (tabs and wide
  // characters as the textarea draws them), one cell per character in the large view.
  xOf(line, offset) {
    if (this.mode === 'view') return offset * this.cw;
    const text = this.doc.line(line).slice(0, offset);
    if (!text) return 0;
    let expanded = '';
    let col = 0;
    for (const ch of text) {
      if (ch === '\t') {
        const n = this.tabSize - (col % this.tabSize);
        expanded += ' '.repeat(n);
        col += n;
      } else {
        expanded += ch;
        col += 1;
      }
    }
    return this.ctx.measureText(expanded).width;
  }

  viewportHeight() { return this.mode === 'edit' ? this.textarea.clientHeight : this.view.clientHeight; }
  viewportWidth() { return this.mode === 'edit' ? this.textarea.clientWidth : this.view.clientWidth; }

  contentScrollY() {
    if (this.mode === 'edit') return this.textarea.scrollTop;
    const { contentH, domH } = this.sizes;
    return map(this.view.scrollTop, domH, contentH, this.view.clientHeight);
  }

  contentScrollX() {
    if (this.mode === 'edit') return this.textarea.scrollLeft;
    const { contentW, domW } = this.sizes;
    return map(this.view.scrollLeft, domW, contentW, this.view.clientWidth);
  }

  updateGutterWidth() {
    const digits = String(Math.max(1, this.doc.lineCount)).length;
    this.root.style.setProperty('--gutter-w', `${Math.ceil(Math.max(3, digits) * this.cw + 28)}px`);
  }

  layoutView() {
    if (this.mode !== 'view') return;
    const contentH = this.padTop * 2 + this.doc.lineCount * this.lh;
    const contentW = this.padLeft * 2 + this.doc.maxLineLength * this.cw + this.cw;
    const viewW = this.view.clientWidth;
    const viewH = this.view.clientHeight;
    const domH = Math.max(Math.min(contentH, MAX_DOM_PX), viewH);
    const domW = Math.max(Math.min(contentW, MAX_DOM_PX), viewW);
    this.sizes = { contentW: Math.max(contentW, viewW), contentH: Math.max(contentH, viewH), domW, domH };
    this.sizer.style.width = `${domW}px`;
    this.sizer.style.height = `${domH}px`;
    this.sticky.style.width = `${viewW}px`;
    this.sticky.style.height = `${viewH}px`;
  }

  scheduleRender() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render() {
    const scrollY = this.contentScrollY();
    const viewH = this.viewportHeight();
    // Numbers for the lines the input info counts (see TextDoc.shownLineCount): the empty row after a final
    // newline gets none, unless a finding or the caret's highlight is on it.
    const count = Math.max(1, this.doc.shownLineCount, this.maxMarkLine + 1, this.highlight ? this.highlight.line + 1 : 0);
    const first = Math.max(0, Math.floor((scrollY - this.padTop) / this.lh));
    const last = Math.min(count - 1, Math.ceil((scrollY + viewH - this.padTop) / this.lh));
    this.renderGutter(first, last, scrollY);
    if (this.mode === 'view') this.renderRows(first, last, scrollY);
    this.renderHighlight(scrollY);
  }

  renderGutter(first, last, scrollY) {
    const pool = this.gutterPool;
    let used = 0;
    for (let i = first; i <= last; i++, used++) {
      let el = pool[used];
      if (!el) {
        el = document.createElement('div');
        el.className = 'ln';
        pool.push(el);
        this.gutter.appendChild(el);
      }
      el.hidden = false;
      el.textContent = String(i + 1);
      el.style.transform = `translateY(${this.padTop + i * this.lh - scrollY}px)`;
      const sev = this.marks.get(i);
      let cls = sev ? `ln mark-${sev}` : 'ln';
      if (this.highlight && this.highlight.line === i) cls += ' current';
      el.className = cls;
    }
    for (let k = used; k < pool.length; k++) pool[k].hidden = true;
  }

  renderRows(first, last, scrollY) {
    const scrollX = this.contentScrollX();
    const viewW = this.view.clientWidth;
    const startChar = Math.max(0, Math.floor((scrollX - this.padLeft) / this.cw));
    const cols = Math.ceil(viewW / this.cw) + 2;
    const left = this.padLeft + startChar * this.cw - scrollX;
    const pool = this.rowPool;
    let used = 0;
    for (let i = first; i <= last; i++, used++) {
      let el = pool[used];
      if (!el) {
        el = document.createElement('div');
        pool.push(el);
        this.rows.appendChild(el);
      }
      el.hidden = false;
      el.className = this.highlight && this.highlight.line === i ? 'row current' : 'row';
      el.style.transform = `translate(${left}px, ${this.padTop + i * this.lh - scrollY}px)`;
      const text = this.doc.lineSlice(i, startChar, startChar + cols);
      const hl = this.highlight && this.highlight.line === i ? this.highlight : null;
      fillRow(el, text, startChar, hl);
    }
    for (let k = used; k < pool.length; k++) pool[k].hidden = true;
  }

  renderHighlight(scrollY) {
    const hl = this.highlight;
    if (!hl) {
      this.hlLine.hidden = true;
      this.hlRange.hidden = true;
      return;
    }
    const top = this.padTop + hl.line * this.lh - scrollY;
    this.hlLine.hidden = false;
    this.hlLine.style.transform = `translateY(${top}px)`;
    if (this.mode !== 'edit' || hl.to <= hl.from) {
      this.hlRange.hidden = true;  // the large view marks the range inside its row
      return;
    }
    const x0 = this.padLeft + this.xOf(hl.line, hl.from) - this.textarea.scrollLeft;
    const x1 = this.padLeft + this.xOf(hl.line, hl.to) - this.textarea.scrollLeft;
    this.hlRange.hidden = false;
    this.hlRange.style.transform = `translate(${x0}px, ${top}px)`;
    this.hlRange.style.width = `${Math.max(x1 - x0, this.cw)}px`;
  }
}

// One row of the large view: the visible slice of the line, tabs shown as one arrow cell, and the
// highlighted range (if on screen) in a <mark>.
function fillRow(el, text, startChar, hl) {
  const hasTab = text.indexOf('\t') >= 0;
  let from = -1;
  let to = -1;
  if (hl && hl.to > hl.from) {
    from = Math.max(0, hl.from - startChar);
    to = Math.min(text.length, hl.to - startChar);
  }
  if (!hasTab && !(hl && to > from)) {
    if (el.childElementCount || el.textContent !== text) el.textContent = text;
    return;
  }
  el.textContent = '';
  const appendText = (s) => {
    let start = 0;
    for (let i = s.indexOf('\t'); i >= 0; i = s.indexOf('\t', i + 1)) {
      if (i > start) el.appendChild(document.createTextNode(s.slice(start, i)));
      const tab = document.createElement('span');
      tab.className = 'tab';
      tab.textContent = '\u2192';
      el.appendChild(tab);
      start = i + 1;
    }
    if (start < s.length) el.appendChild(document.createTextNode(s.slice(start)));
  };
  if (hl && to > from) {
    appendText(text.slice(0, from));
    const mark = document.createElement('mark');
    appendMarked(mark, text.slice(from, to));
    el.appendChild(mark);
    appendText(text.slice(to));
  } else {
    appendText(text);
  }
}

function appendMarked(mark, s) {
  mark.textContent = s.replace(/\t/g, '\u2192');
}

// Scroll position in the DOM <-> in the content, for content taller or wider than MAX_DOM_PX.
function map(scroll, dom, content, viewport) {
  if (dom >= content || dom <= viewport) return scroll;
  return (scroll * (content - viewport)) / (dom - viewport);
}

function unmap(pos, dom, content, viewport) {
  if (dom >= content || dom <= viewport) return pos;
  return (pos * (dom - viewport)) / (content - viewport);
}
