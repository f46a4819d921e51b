// The input text and where its lines start. Lines end at "\n" (a "\r" before it is not shown), like the
// core counts them. Offsets are UTF-16 code units of the JS string; diagnostics count columns in Unicode
// code points, which codePointColumnToOffset converts.

// A large input is held as a list of pieces of about 1 MiB (decoded from the file slice by slice), never as
// one string, so that reading 50 MB never blocks the page for long. Small inputs are one piece.
export class TextDoc {
  constructor(pieces, pieceStarts, length, starts, maxLineLength) {
    this.pieces = pieces;
    this.pieceStarts = pieceStarts;  // offset of each piece in the whole text
    this.length = length;
    this.starts = starts;            // Uint32Array (Float64Array past 4 GiB): one entry per line
    this.maxLineLength = maxLineLength;
  }

  // Every line start, the empty text after a final "\n" included (the editor's rows).
  get lineCount() { return this.starts.length; }

  // Lines as a person counts them, the way `wc -l`, other editors' status bars and the CLI do: a final "\n"
  // ends the last line rather than starting an empty one. "" has 0 lines, "a" and "a\n" 1, "a\n\n" 2. The
  // input info and the gutter both use this count, so that they agree.
  get shownLineCount() {
    const n = this.starts.length;
    if (this.length === 0) return 0;
    return n > 1 && this.starts[n - 1] === this.length ? n - 1 : n;
  }

  // [start, end) of line i (0-based) without its line end.
  bounds(i) {
    const start = this.starts[i];
    let end = i + 1 < this.starts.length ? this.starts[i + 1] - 1 : this.length;
    if (end > start && this.charCodeAt(end - 1) === 13) end -= 1;
    return [start, end];
  }

  line(i) {
    const [start, end] = this.bounds(i);
    return this.text(start, end);
  }

  lineLength(i) {
    const [start, end] = this.bounds(i);
    return end - start;
  }

  // Part of line i: characters [from, to) of it (clamped), without building the whole line.
  lineSlice(i, from, to) {
    const [start, end] = this.bounds(i);
    return this.text(Math.min(end, start + from), Math.min(end, start + to));
  }

  charCodeAt(pos) {
    const k = this.pieceAt(pos);
    return this.pieces[k].charCodeAt(pos - this.pieceStarts[k]);
  }

  pieceAt(pos) {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pieceStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  text(from, to) {
    if (to <= from) return '';
    let k = this.pieceAt(from);
    let out = '';
    for (let pos = from; pos < to; k++) {
      const base = this.pieceStarts[k];
      const piece = this.pieces[k];
      const end = Math.min(to, base + piece.length);
      out += piece.slice(pos - base, end - base);
      pos = end;
    }
    return out;
  }

  // Synchronous: for text that fits the editable view.
  static fromText(text) {
    const b = new LineIndexBuilder();
    b.add(text);
    return b.done();
  }

  // A large string, indexed slice by slice with pauses for the event loop.
  static async build(text, signal) {
    const b = new LineIndexBuilder();
    for (let off = 0; off < text.length; off += PIECE) {
      b.add(text.slice(off, off + PIECE));
      await pause(signal);
    }
    return b.done();
  }

  // A file, read and decoded (UTF-8) slice by slice with pauses for the event loop.
  static async fromFile(file, signal) {
    const b = new LineIndexBuilder();
    const decoder = new TextDecoder('utf-8');
    for (let off = 0; off < file.size; off += PIECE) {
      const bytes = await file.slice(off, off + PIECE).arrayBuffer();
      const last = off + PIECE >= file.size;
      b.add(decoder.decode(bytes, { stream: !last }));
      await pause(signal);
    }
    return b.done();
  }
}

const PIECE = 1 << 20;

class LineIndexBuilder {
  constructor() {
    this.pieces = [];
    this.pieceStarts = [];
    this.length = 0;
    this.starts = new Uint32Array(1024);
    this.count = 1;  // starts[0] = 0
    this.maxLen = 0;
  }

  add(piece) {
    if (!piece) return;
    const base = this.length;
    this.pieces.push(piece);
    this.pieceStarts.push(base);
    this.length += piece.length;
    for (let nl = piece.indexOf('\n'); nl >= 0; nl = piece.indexOf('\n', nl + 1)) {
      const next = base + nl + 1;
      this.maxLen = Math.max(this.maxLen, next - 1 - this.starts[this.count - 1]);
      if (this.count === this.starts.length) {
        const grown = this.length > 0xffffffff ? new Float64Array(this.starts.length * 2) : new Uint32Array(this.starts.length * 2);
        grown.set(this.starts);
        this.starts = grown;
      }
      this.starts[this.count++] = next;
    }
  }

  done() {
    this.maxLen = Math.max(this.maxLen, this.length - this.starts[this.count - 1]);
    if (this.pieces.length === 0) { this.pieces.push(''); this.pieceStarts.push(0); }
    return new TextDoc(this.pieces, this.pieceStarts, this.length, this.starts.slice(0, this.count), this.maxLen);
  }
}

async function pause(signal) {
  await yieldToEventLoop();
  if (signal && signal.aborted) throw new DOMException('aborted', 'AbortError');
}

function yieldToEventLoop() {
  // A message round trip is not clamped like setTimeout(0) is after a few nested calls.
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
    ch.port2.postMessage(0);
  });
}

// Column (1-based, Unicode code points) to an offset in the line's UTF-16 code units.
export function codePointColumnToOffset(line, column) {
  let offset = 0;
  for (let c = 1; c < column && offset < line.length; c++) {
    const code = line.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff && offset + 1 < line.length ? 2 : 1;
  }
  return offset;
}

// The end of the JSON token that starts at `offset` (a string, number or literal; one character for
// punctuation), so that a diagnostic can mark the whole value it is about. At most `limit` characters.
export function jsonTokenEnd(line, offset, limit = 400) {
  const max = Math.min(line.length, offset + limit);
  const c = line[offset];
  if (c === undefined) return offset;
  if (c === '"') {
    for (let i = offset + 1; i < max; i++) {
      if (line[i] === '\\') { i++; continue; }
      if (line[i] === '"') return i + 1;
    }
    return max;
  }
  if (/[-0-9a-zA-Z.+]/.test(c)) {
    let i = offset;
    while (i < max && /[-0-9a-zA-Z.+_]/.test(line[i])) i++;
    return i;
  }
  return offset + 1;
}

// Where a named column's cell is on one line of a CSV/TSV table or a JSON row: [from, to) offsets, or null.
export function findCell(headerLine, line, columnName) {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const key = JSON.stringify(columnName);
    const at = line.indexOf(key);
    if (at < 0) return null;
    let v = at + key.length;
    while (v < line.length && /[\s:]/.test(line[v])) v++;
    const end = line[v] === '{' || line[v] === '[' ? v + 1 : jsonTokenEnd(line, v);
    return [at, Math.max(end, at + key.length)];
  }
  const header = headerLine.replace(/^\ufeff/, '');
  const delimiter = count(header, '\t') > count(header, ',') ? '\t' : ',';
  const names = splitRecord(header, delimiter).map((f) => unquote(header.slice(f[0], f[1])));
  const index = names.indexOf(columnName);
  if (index < 0) return null;
  const fields = splitRecord(line, delimiter);
  return index < fields.length ? fields[index] : null;
}

function count(s, ch) {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

function unquote(field) {
  return field.length >= 2 && field[0] === '"' && field.endsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field;
}

// Field ranges of one record line (quotes respected; a value that spans lines ends the record here).
function splitRecord(line, delimiter) {
  const out = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"') {
        if (line[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === delimiter || i === line.length) {
      out.push([start, i]);
      start = i + 1;
    }
  }
  return out;
}
