#include "table_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#include "utf8.hpp"
#include "word_bytes.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace tdbraze::cohort {
namespace {

constexpr std::size_t kMaxRowBytes = 64 * 1024 * 1024;
// A header wider than this is not a query result. Also bounds the cells kept per record: a row of millions
// of empty fields (say a line of tabs) is counted, not stored, so it costs no memory beyond its bytes.
constexpr std::size_t kMaxColumns = 65536;
// The longest record read_plain_row() takes.
constexpr std::size_t kPlainRowBytes = 4096;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Delimiter of a delimited header line: the more frequent of tab and comma outside quotes, or a semicolon
// when it is the only one of the three there (spreadsheets in locales with a decimal comma write that).
char guess_delimiter(std::string_view line) {
    std::size_t tabs = 0, commas = 0, semicolons = 0;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (!quoted && c == '\t') ++tabs;
        else if (!quoted && c == ',') ++commas;
        else if (!quoted && c == ';') ++semicolons;
    }
    if (tabs == 0 && commas == 0 && semicolons > 0) return ';';
    return tabs > commas ? '\t' : ',';
}

// The header line at the start of `text`, or nothing while it may still go on past `text`.
std::optional<std::string_view> first_line(std::string_view text, bool eof) {
    const std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos && !eof) return std::nullopt;
    return text.substr(0, nl);
}

// The first of `a` or `b` in d[p, n), or n. Eight bytes at a time (the classic "has a zero byte" test on
// the bytes XORed with each target): an unquoted field is scanned at every row of every column, and byte
// by byte this loop was a fifth of reading a table. Little-endian (x86, ARM, WebAssembly): the lowest flagged
// byte is the first match, and the test flags no byte below a true match.
std::size_t find_either(const char* d, std::size_t p, std::size_t n, char a, char b) {
    using namespace word_bytes;
    for (; p + 8 <= n; p += 8) {
        const std::uint64_t w = load(d + p);
        const std::uint64_t hit =
            bytes_equal(w, static_cast<unsigned char>(a)) | bytes_equal(w, static_cast<unsigned char>(b));
        if (hit != 0) return p + static_cast<std::size_t>(__builtin_ctzll(hit) >> 3);
    }
    while (p < n && d[p] != a && d[p] != b) ++p;
    return p;
}

// Of the 16 bytes at `d`: which are `a`, `b` or `c` (bit i for d[i]), and whether any is above 0x7F.
struct ByteMarks {
    std::uint32_t found = 0;
    bool high = false;
};
inline ByteMarks mark_bytes16(const char* d, char a, char b, char c) {
#if defined(__SSE2__)
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(d));
    const __m128i hits =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)), _mm_cmpeq_epi8(v, _mm_set1_epi8(b))),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
    return {static_cast<std::uint32_t>(_mm_movemask_epi8(hits)), _mm_movemask_epi8(v) != 0};
#elif defined(__wasm_simd128__)
    const v128_t v = wasm_v128_load(d);
    const v128_t hits =
        wasm_v128_or(wasm_v128_or(wasm_i8x16_eq(v, wasm_i8x16_splat(a)), wasm_i8x16_eq(v, wasm_i8x16_splat(b))),
                     wasm_i8x16_eq(v, wasm_i8x16_splat(c)));
    return {static_cast<std::uint32_t>(wasm_i8x16_bitmask(hits)), wasm_i8x16_bitmask(v) != 0};
#else
    ByteMarks marks;
    for (unsigned i = 0; i < 16; ++i) {
        if (d[i] == a || d[i] == b || d[i] == c) marks.found |= 1u << i;
        if (static_cast<unsigned char>(d[i]) >= 0x80) marks.high = true;
    }
    return marks;
#endif
}

}  // namespace

bool is_empty_cell(std::string_view text) {
    // Sizes first: this runs for every identifier cell, and each comparison of views was a call to memcmp.
    if (text.size() == 2 && text[0] == '\\' && text[1] == 'N') return true;
    if (text.size() == 4 && (std::memcmp(text.data(), "NULL", 4) == 0 || std::memcmp(text.data(), "null", 4) == 0))
        return true;
    return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t'; });
}

TableReader::TableReader(TableFormat format, TableSink& sink) : format_(format), sink_(sink) {
    if (format_ == TableFormat::Tsv) delimiter_ = '\t';
}

void TableReader::feed(std::string_view chunk) {
    if (done_) {
        discarded_ += chunk.size();
        return;
    }
    buf_.append(chunk.data(), chunk.size());
    run();
    compact();
}

void TableReader::finish() {
    eof_ = true;
    run();
}

void TableReader::run() {
    if (done_) return;
    if (!bom_checked_) {
        if (buf_.size() < 3 && !eof_) return;
        bom_checked_ = true;
        if (buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) {
            pos_ = 3;  // a byte order mark is an encoding marker, not part of the first column's name
            cursor_.offset = 3;
        }
    }
    if (format_ == TableFormat::Auto && !detect_format()) return;
    if (format_ == TableFormat::Csv && !header_read_ && !choose_csv_delimiter()) return;
    if (format_ == TableFormat::Csv || format_ == TableFormat::Tsv) {
        while (!done_ && read_delimited_row()) {}
    } else {
        while (!done_ && read_json_row()) {}
    }
}

bool TableReader::detect_format() {
    std::size_t p = pos_;
    while (p < buf_.size() && is_space(buf_[p])) ++p;
    if (p >= buf_.size()) {
        if (eof_) done_ = true;  // nothing but whitespace: an empty table
        return false;
    }
    if (buf_[p] == '[') {
        format_ = TableFormat::JsonArray;
        return true;
    }
    if (buf_[p] == '{') {
        format_ = TableFormat::JsonLines;
        return true;
    }
    const std::optional<std::string_view> header = first_line(std::string_view(buf_).substr(pos_), eof_);
    if (!header) return false;
    delimiter_ = guess_delimiter(*header);
    delimiter_chosen_ = true;
    format_ = delimiter_ == '\t' ? TableFormat::Tsv : TableFormat::Csv;
    return true;
}

// CSV given as the format: a header of fields separated by semicolons, and by no comma, is still read as the
// table it is rather than as one column with a strange name.
bool TableReader::choose_csv_delimiter() {
    if (delimiter_chosen_) return true;
    const std::optional<std::string_view> header = first_line(std::string_view(buf_).substr(pos_), eof_);
    if (!header) return false;
    if (guess_delimiter(*header) == ';') delimiter_ = ';';
    delimiter_chosen_ = true;
    return true;
}

// Reads one record (the header or a data row) at pos_. False when it needs more input or the input ended.
bool TableReader::read_delimited_row() {
    const std::size_t n = buf_.size();
    const char* d = buf_.data();
    std::size_t p = pos_;
    if (p >= n) {
        if (eof_) done_ = true;
        return false;
    }
    // A blank line is not a record (files often end with one).
    if (d[p] == '\n' || (d[p] == '\r' && p + 1 < n && d[p + 1] == '\n')) {
        pos_ = p + (d[p] == '\n' ? 1 : 2);
        advance(cursor_, buf_, pos_);
        return true;
    }
    if (header_read_ && read_plain_row()) return true;
    cells_.clear();
    std::size_t fields = 0;  // in the record; only the first `keep` are stored in cells_
    const std::size_t keep = header_read_ ? columns_.size() + 1 : kMaxColumns + 1;
    std::size_t escaped_fields = 0;
    const std::uint64_t line = cursor_.line;
    std::uint64_t field_line = line;
    std::string problem;  // a malformed record is read to its end, then reported
    for (;;) {
        const std::size_t field_start = p;
        Cell cell;
        cell.kind = CellKind::Text;
        cell.line = field_line;
        if (p < n && d[p] == '"') {
            ++p;
            bool doubled = false;
            std::size_t close = 0;
            for (;;) {
                const void* q = std::memchr(d + p, '"', n - p);
                if (q == nullptr) {
                    if (!eof_) return false;
                    problem = "a quoted field is not closed before the end of the input";
                    close = n;
                    p = n;
                    break;
                }
                const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(q) - d);
                if (at + 1 >= n && !eof_) return false;  // a quote at the end of the chunk may be half of ""
                if (at + 1 < n && d[at + 1] == '"') {
                    doubled = true;
                    p = at + 2;
                    continue;
                }
                close = at;
                p = at + 1;
                break;
            }
            for (std::size_t i = field_start; i < close; ++i)
                if (d[i] == '\n') ++field_line;
            std::string_view content(d + field_start + 1, close > field_start ? close - field_start - 1 : 0);
            if (doubled && fields < keep) {
                if (unquoted_.size() <= escaped_fields) unquoted_.emplace_back();
                std::string& s = unquoted_[escaped_fields++];
                s.clear();
                for (std::size_t i = 0; i < content.size(); ++i) {
                    s += content[i];
                    if (content[i] == '"') ++i;  // "" stands for one quote
                }
                content = s;
            }
            cell.text = content;
            if (p < n && d[p] != delimiter_ && d[p] != '\n' && d[p] != '\r' && problem.empty()) {
                problem = std::string("unexpected '") + d[p] + "' after the closing quote of a field";
                while (p < n && d[p] != delimiter_ && d[p] != '\n') ++p;  // resynchronise at the next field
                if (p >= n && !eof_) return false;  // the rest of the field is in the next chunk
            }
        } else {
            p = find_either(d, p, n, delimiter_, '\n');
            if (p >= n && !eof_) return false;
            std::size_t end = p;
            if (end > field_start && d[end - 1] == '\r' && (p >= n || d[p] == '\n')) --end;
            cell.text = std::string_view(d + field_start, end - field_start);
        }
        if (++fields <= keep) cells_.push_back(cell);
        if (p < n && d[p] == delimiter_) {
            ++p;
            continue;
        }
        if (p < n && d[p] == '\r') {
            if (p + 1 >= n && !eof_) return false;
            if (p + 1 < n && d[p + 1] == '\n') ++p;
        }
        if (p < n) ++p;  // the '\n'
        break;
    }

    const std::size_t bad = utf8::find_invalid(std::string_view(d + pos_, p - pos_));
    pos_ = p;
    advance(cursor_, buf_, pos_);
    return deliver_record(line, fields, bad, problem);
}

// A record of plain fields: no quote, all of it in the buffer with at least 16 bytes from its start, and the
// header read. Nearly every row of a query result is one, and splitting it from 16-byte masks of its
// delimiters and line break, rather than field by field, with the line count and the UTF-8 check known from
// the same masks, takes a third of the time the general reader takes over a row (perf, 1M rows). False, with nothing
// consumed, for any other record: the general reader above then reads it, so both give the same cells and findings.
bool TableReader::read_plain_row() {
    const std::size_t n = buf_.size();
    const char* d = buf_.data();
    const std::size_t start = pos_;
    const std::size_t keep = columns_.size() + 1;
    const std::uint64_t line = cursor_.line;
    cells_.clear();
    std::size_t fields = 0, field_start = start;
    bool high = false;
    // A longer row is left to the general reader, which must scan it again whenever it is cut off by the end
    // of the input so far: this scan would double that.
    const std::size_t stop = std::min(n, start + kPlainRowBytes);
    for (std::size_t block = start; block + 16 <= stop; block += 16) {
        ByteMarks marks = mark_bytes16(d + block, delimiter_, '\n', '"');
        high = high || marks.high;
        for (; marks.found != 0; marks.found &= marks.found - 1) {
            const std::size_t at = block + static_cast<std::size_t>(__builtin_ctz(marks.found));
            if (d[at] == '"') return false;
            std::size_t end = at;
            // As the general reader: one '\r' before the line break ends the line, any other is text.
            if (d[at] == '\n' && end > field_start && d[end - 1] == '\r') --end;
            if (++fields <= keep)
                cells_.push_back(Cell{std::string_view(d + field_start, end - field_start), CellKind::Text, line});
            field_start = at + 1;
            if (d[at] != '\n') continue;
            // No byte above 0x7F: ASCII, so valid UTF-8. One line break, at the end: the next line starts here.
            const std::size_t bad =
                high ? utf8::find_invalid(std::string_view(d + start, field_start - start)) : std::string_view::npos;
            pos_ = field_start;
            ++cursor_.line;
            cursor_.column = 0;
            cursor_.offset = pos_;
            deliver_record(line, fields, bad, {});
            return true;
        }
    }
    return false;
}

// The record just read, its cells in cells_: the header's names, or a row for the sink, or why it is not one.
bool TableReader::deliver_record(std::uint64_t line, std::size_t fields, std::size_t bad, const std::string& problem) {
    if (!header_read_) {
        header_read_ = true;
        if (bad != std::string_view::npos) {
            sink_.on_row_error("invalid-utf8", "the header is not valid UTF-8",
                               "export the result as UTF-8 (Treasure Data's default)", 0, line);
            done_ = true;
            return false;
        }
        if (fields > kMaxColumns) {
            sink_.on_row_error("row-too-large",
                               "the header has more than " + std::to_string(kMaxColumns) + " columns; reading stopped",
                               "this is not a query result, or its delimiter is not a comma or a tab", 0, line);
            done_ = true;
            return false;
        }
        columns_.clear();
        for (const Cell& c : cells_) columns_.emplace_back(c.text);
        sink_.on_columns(columns_, 0, line);
        return true;
    }
    ++row_;
    if (bad != std::string_view::npos) {
        sink_.on_row_error(
            "invalid-utf8",
            "row " + std::to_string(row_) + " is not valid UTF-8 (byte " + std::to_string(bad + 1) + " of the row)",
            "export the result as UTF-8; the row is not sent", row_, line);
        return true;
    }
    if (!problem.empty()) {
        sink_.on_row_error("table-syntax", problem, "fix the quoting of this row; it is not sent", row_, line);
        return true;
    }
    if (fields != columns_.size()) {
        sink_.on_row_error("row-width",
                           "row " + std::to_string(row_) + " has " + std::to_string(fields) +
                               " fields but the header has " + std::to_string(columns_.size()),
                           "a delimiter inside an unquoted value, or a missing field; the row is not sent", row_, line);
        return true;
    }
    sink_.on_row(RowView{row_, line, cells_});
    return true;
}

bool TableReader::read_json_row() {
    const std::size_t n = buf_.size();
    if (skipping_line_) {  // the end of a broken line that arrived in a later chunk
        const std::size_t nl = buf_.find('\n', pos_);
        pos_ = nl == std::string::npos ? n : nl + 1;
        advance(cursor_, buf_, pos_);
        if (nl == std::string::npos) {
            if (eof_) done_ = true;
            return false;
        }
        skipping_line_ = false;
    }
    std::size_t p = pos_;
    while (p < n && is_space(buf_[p])) ++p;
    TextPosition row_start = cursor_;
    advance(row_start, buf_, std::min(p, n));
    const std::uint64_t row_line = row_start.line;
    auto syntax = [&](std::size_t at, const std::string& message) {
        TextPosition where = cursor_;
        advance(where, buf_, std::min(at, n));
        sink_.on_row_error(
            "table-syntax",
            message + " (line " + std::to_string(where.line) + ", column " + std::to_string(where.column + 1) + ")",
            format_ == TableFormat::JsonLines ? "fix this line; the lines after it are still read"
                                              : "fix the JSON; nothing after this point is read",
            row_ + 1, where.line);
        if (format_ == TableFormat::JsonLines) {
            // A cut-off line is only noticed on the next one: go on from the start of the line with the error,
            // so the row there is read. Otherwise skip the broken line.
            std::size_t resume;
            if (where.line > row_line) {
                resume = std::min(at, n);
                while (resume > 0 && buf_[resume - 1] != '\n') --resume;
            } else {
                const std::size_t nl = buf_.find('\n', at);
                resume = nl == std::string::npos ? n : nl + 1;
                skipping_line_ = nl == std::string::npos;  // the rest of the line is still to come
            }
            pos_ = resume;
            ++row_;
            advance(cursor_, buf_, pos_);
        } else {
            done_ = true;
        }
    };
    if (format_ == TableFormat::JsonArray) {
        if (!array_started_) {
            if (p >= n) return false;
            if (buf_[p] != '[') {
                syntax(p, "expected '[' to start a JSON array of rows");
                return false;
            }
            array_started_ = true;
            pos_ = p + 1;
            return true;
        }
        if (array_ended_) {
            if (p < n) syntax(p, "unexpected data after the end of the array");
            else if (eof_) done_ = true;
            return false;
        }
        if (p >= n) {
            if (eof_) syntax(p, "unexpected end of input: the array of rows is not closed");
            return false;
        }
        if (buf_[p] == ']') {
            array_ended_ = true;
            pos_ = p + 1;
            return true;
        }
        if (!first_element_) {
            if (buf_[p] != ',') {
                syntax(p, "expected ',' or ']' after a row");
                return false;
            }
            ++p;
            while (p < n && is_space(buf_[p])) ++p;
            if (p >= n) {
                if (eof_) syntax(p, "unexpected end of input: expected a row");
                return false;
            }
        }
    } else if (p >= n) {
        if (eof_) done_ = true;
        return false;
    }
    const json::ParseResult r = json::parse_value(buf_, p, eof_, tape_);
    if (r.status == json::ParseStatus::Incomplete) return false;
    if (r.status == json::ParseStatus::Error) {
        syntax(r.end, r.message);
        return !done_;
    }
    advance(cursor_, buf_, p);
    const std::uint64_t line = cursor_.line;
    pos_ = r.end;
    first_element_ = false;
    ++row_;
    handle_json_row(line);
    advance(cursor_, buf_, pos_);
    return true;
}

void TableReader::handle_json_row(std::uint64_t line) {
    const json::Node& root = tape_.root();
    if (root.kind != json::Kind::Object) {
        sink_.on_row_error(
            "row-not-object",
            "row " + std::to_string(row_) + " is " + kind_phrase(root.kind) + ", not an object of column: value",
            "each row is an object such as {\"user_ids\": \"u-1\"}; the row is not sent", row_, line);
        return;
    }
    cells_.assign(columns_.size(), Cell{});
    for (std::uint32_t c = root.first_child; c != 0; c = tape_.nodes[c].next) {
        const json::Node& v = tape_.nodes[c];
        std::string key = tape_.key(v);
        auto it = column_index_.find(key);
        std::size_t index;
        if (it == column_index_.end()) {
            index = columns_.size();
            column_index_.emplace(key, index);
            columns_.push_back(std::move(key));
            cells_.resize(columns_.size());
            decoded_.resize(columns_.size());
            sink_.on_columns(columns_, index, line);
        } else {
            index = it->second;
        }
        if (decoded_.size() < columns_.size()) decoded_.resize(columns_.size());
        Cell& cell = cells_[index];
        if (cell.kind != CellKind::Absent) {
            sink_.on_row_error("duplicate-column",
                               "row " + std::to_string(row_) + " has member \"" + columns_[index] +
                                   "\" twice; the first value is used",
                               "JSON readers disagree on which value wins; remove one", row_, line);
            continue;
        }
        cell.line = line;
        switch (v.kind) {
            case json::Kind::Null: cell.kind = CellKind::Null; break;
            case json::Kind::String:
                cell.kind = CellKind::Text;
                if (v.escaped && json::find_lone_surrogate(tape_.raw_string(v)) != std::string_view::npos) {
                    cell.kind = CellKind::LoneSurrogate;  // decoded, it would be another value (with U+FFFD)
                    cell.text = tape_.raw_string(v);
                } else if (v.escaped) {
                    decoded_[index] = tape_.string_value(v);
                    cell.text = decoded_[index];
                } else {
                    cell.text = tape_.raw_string(v);
                }
                break;
            case json::Kind::Integer:
            case json::Kind::Number:
                cell.kind = CellKind::Number;
                cell.text = tape_.raw_value(v);
                break;
            case json::Kind::Boolean:
                cell.kind = CellKind::Boolean;
                cell.text = tape_.raw_value(v);
                break;
            case json::Kind::Array:
            case json::Kind::Object:
                cell.kind = CellKind::Nested;
                cell.text = tape_.raw_value(v);
                break;
        }
    }
    sink_.on_row(RowView{row_, line, cells_});
}

void TableReader::compact() {
    if (done_) {
        discarded_ += buf_.size();
        buf_.clear();
        pos_ = 0;
        cursor_.offset = 0;
        return;
    }
    if (buf_.size() - pos_ > kMaxRowBytes) {
        sink_.on_row_error("row-too-large",
                           "a row is larger than " + std::to_string(kMaxRowBytes) + " bytes; reading stopped",
                           "a quote is probably not closed, or this is not a table", row_ + 1, cursor_.line);
        done_ = true;
        compact();
        return;
    }
    if (pos_ == 0 || pos_ < buf_.size() / 2) return;
    advance(cursor_, buf_, pos_);
    buf_.erase(0, pos_);
    discarded_ += pos_;
    cursor_.offset = 0;
    pos_ = 0;
}

}  // namespace tdbraze::cohort
