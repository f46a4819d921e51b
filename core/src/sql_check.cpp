#include "tdbraze/sql_check.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "mapping_contract.hpp"
#include "suggest.hpp"
#include "text_position.hpp"
#include "utf8.hpp"

namespace tdbraze::sql {
namespace {

enum class TokenKind { Word, QuotedName, String, Number, Symbol };

struct Token {
    TokenKind kind;
    std::string text;  // words lower-cased; quoted names unquoted; symbols as written
    std::size_t offset;
};

struct Tokens {
    std::vector<Token> list;
    std::optional<std::pair<std::size_t, std::string>> error;  // offset, message
};

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}

Tokens tokenize(std::string_view q) {
    Tokens out;
    std::size_t i = 0;
    while (i < q.size()) {
        const char c = q[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
        } else if (q.substr(i, 2) == "--") {
            while (i < q.size() && q[i] != '\n') ++i;
        } else if (q.substr(i, 2) == "/*") {
            const std::size_t end = q.find("*/", i + 2);
            if (end == std::string_view::npos) {
                out.error = {{i, "a /* comment is not closed"}};
                return out;
            }
            i = end + 2;
        } else if (c == '\'' || c == '"' || c == '`') {
            // 'text' is a string; "name" (Presto) and `name` (Hive) are quoted identifiers. Doubling escapes.
            std::string text;
            std::size_t j = i + 1;
            for (;;) {
                if (j >= q.size()) {
                    out.error = {{i, std::string("a ") + c + " quote is not closed"}};
                    return out;
                }
                if (q[j] == c) {
                    if (j + 1 < q.size() && q[j + 1] == c) {
                        text += c;
                        j += 2;
                        continue;
                    }
                    break;
                }
                text += q[j++];
            }
            out.list.push_back({c == '\'' ? TokenKind::String : TokenKind::QuotedName, text, i});
            i = j + 1;
        } else if (c >= '0' && c <= '9') {
            std::size_t j = i;
            while (j < q.size() && (is_word_char(q[j]) || q[j] == '.')) ++j;
            out.list.push_back({TokenKind::Number, std::string(q.substr(i, j - i)), i});
            i = j;
        } else if (is_word_char(c)) {
            std::size_t j = i;
            while (j < q.size() && is_word_char(q[j])) ++j;
            std::string word(q.substr(i, j - i));
            for (char& ch : word)
                if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
            out.list.push_back({TokenKind::Word, word, i});
            i = j;
        } else {
            out.list.push_back({TokenKind::Symbol, std::string(1, c), i});
            ++i;
        }
    }
    return out;
}

// A relation's output columns; `known` false when they cannot be told from the query alone.
struct Shape {
    std::vector<OutputColumn> columns;  // name and position only
    bool known = true;
};

bool is_clause_end(const Token& t) {
    static constexpr std::string_view kEnds[] = {"from",  "where",     "group",  "order",  "limit",  "having",
                                                 "union", "intersect", "except", "window", "offset", "fetch"};
    return t.kind == TokenKind::Word && std::find(std::begin(kEnds), std::end(kEnds), t.text) != std::end(kEnds);
}

// Subqueries and parenthesised queries nest by recursion; real queries nest a handful of levels.
constexpr int kMaxNesting = 200;

class Reader {
public:
    Reader(std::string_view query, const std::vector<Token>& tokens) : query_(query), t_(tokens) {}

    // `outer` holds the WITH queries visible here. It is copied only when this query adds its own, so a long
    // list of WITH queries costs a lookup each, not a copy each.
    std::optional<Shape> query_shape(std::size_t& i, const std::map<std::string, Shape>& outer) {
        if (++nesting_ > kMaxNesting)
            return fail(i, "queries nested deeper than " + std::to_string(kMaxNesting) + " levels");
        struct Leave {
            int& n;
            ~Leave() { --n; }
        } leave{nesting_};
        std::map<std::string, Shape> own;
        const std::map<std::string, Shape>* visible = &outer;
        if (word_at(i, "with")) {
            own = outer;
            visible = &own;
            ++i;
            if (word_at(i, "recursive")) ++i;
            for (;;) {
                if (i >= t_.size() || (t_[i].kind != TokenKind::Word && t_[i].kind != TokenKind::QuotedName))
                    return fail(i, "expected a name after WITH");
                const std::string name = t_[i].text;
                ++i;
                if (symbol_at(i, "(")) skip_parenthesised(i);  // WITH x (a, b) AS: renames; rarely used
                if (!word_at(i, "as")) return fail(i, "expected AS after the name of a WITH query");
                ++i;
                if (!symbol_at(i, "(")) return fail(i, "expected '(' after AS");
                ++i;
                auto inner = query_shape(i, own);
                if (!inner) return std::nullopt;
                if (!symbol_at(i, ")")) return fail(i, "expected ')' to close the WITH query");
                ++i;
                own[name] = std::move(*inner);
                if (!symbol_at(i, ",")) break;
                ++i;
            }
        }
        const std::map<std::string, Shape>& ctes = *visible;
        if (symbol_at(i, "(")) {
            ++i;
            auto inner = query_shape(i, ctes);
            if (!inner) return std::nullopt;
            if (!symbol_at(i, ")")) return fail(i, "expected ')'");
            ++i;
            skip_to_query_end(i);
            return inner;
        }
        if (!word_at(i, "select")) return fail(i, "expected SELECT");
        ++i;
        if (word_at(i, "distinct") || word_at(i, "all")) ++i;
        // The select list: items separated by commas at depth 0.
        struct Item {
            std::size_t begin, end;
        };
        std::vector<Item> items;
        std::size_t begin = i;
        int depth = 0;
        for (; i < t_.size(); ++i) {
            const Token& tok = t_[i];
            if (tok.kind == TokenKind::Symbol && tok.text == "(") ++depth;
            else if (tok.kind == TokenKind::Symbol && tok.text == ")") {
                if (depth == 0) break;
                --depth;
            } else if (depth == 0 && tok.kind == TokenKind::Symbol && (tok.text == "," || tok.text == ";")) {
                items.push_back({begin, i});
                begin = i + 1;
                if (tok.text == ";") break;
            } else if (depth == 0 && is_clause_end(tok)) {
                break;
            }
        }
        if (depth > 0) return fail(i, "a '(' in the select list is not closed");
        if (begin < i) items.push_back({begin, i});
        if (items.empty()) return fail(i, "the SELECT has no columns");
        std::map<std::string, Shape> sources;  // alias or table name -> shape
        Shape all_sources;
        if (word_at(i, "from") && !from_clause(++i, ctes, sources, all_sources)) return std::nullopt;
        skip_to_query_end(i);

        Shape out;
        std::size_t position = 0;
        for (const Item& item : items) {
            const std::size_t n = item.end - item.begin;
            const Token& last = t_[item.end - 1];
            if (n == 1 && last.kind == TokenKind::Symbol && last.text == "*") {
                append(out, all_sources);
            } else if (n == 3 && symbol_at(item.begin + 1, ".") && symbol_at(item.begin + 2, "*")) {
                const auto it = sources.find(t_[item.begin].text);
                if (it == sources.end()) out.known = false;
                else append(out, it->second);
            } else if (n >= 2 && is_name(last) && (word_at(item.end - 2, "as") || ends_expression(item.end - 2))) {
                out.columns.push_back(column_from(last));
            } else if (is_name(last) && (n == 1 || symbol_at(item.end - 2, "."))) {
                out.columns.push_back(column_from(last));  // a column reference keeps its name
            } else {
                OutputColumn c;
                c.name = "_col" + std::to_string(position);  // Presto's name for an unnamed expression
                c.sent_as = "unnamed";
                locate(c, t_[item.begin].offset);
                out.columns.push_back(c);
            }
            ++position;
        }
        return out;
    }

    std::optional<std::pair<std::size_t, std::string>> error() const { return error_; }

private:
    int nesting_ = 0;
    TextPosition cursor_;
    std::string_view query_;
    const std::vector<Token>& t_;
    std::optional<std::pair<std::size_t, std::string>> error_;

    bool word_at(std::size_t i, std::string_view w) const {
        return i < t_.size() && t_[i].kind == TokenKind::Word && t_[i].text == w;
    }
    bool symbol_at(std::size_t i, std::string_view s) const {
        return i < t_.size() && t_[i].kind == TokenKind::Symbol && t_[i].text == s;
    }
    static bool is_name(const Token& t) { return t.kind == TokenKind::Word || t.kind == TokenKind::QuotedName; }
    // The token before a bare alias: the end of an expression (a name, a literal or a closing parenthesis).
    bool ends_expression(std::size_t i) const {
        if (i >= t_.size()) return false;
        const Token& t = t_[i];
        if (t.kind == TokenKind::Symbol) return t.text == ")";
        if (t.kind == TokenKind::Word) {
            static constexpr std::string_view kNotEnds[] = {"and",  "or",   "not",      "case",   "when",
                                                            "then", "else", "distinct", "select", "is",
                                                            "in",   "like", "between"};
            return std::find(std::begin(kNotEnds), std::end(kNotEnds), t.text) == std::end(kNotEnds);
        }
        return true;
    }
    std::nullopt_t fail(std::size_t i, std::string message) {
        if (!error_) error_ = {{i < t_.size() ? t_[i].offset : query_.size(), std::move(message)}};
        return std::nullopt;
    }
    // Columns are found mostly in text order, so the position continues from the last one instead of
    // counting from the start each time (which made thousands of WITH queries quadratic).
    void locate(OutputColumn& c, std::size_t offset) {
        if (offset < cursor_.offset) cursor_ = TextPosition{};
        advance(cursor_, query_, offset);
        c.line = cursor_.line;
        c.column = cursor_.column + 1;
    }
    OutputColumn column_from(const Token& t) {
        OutputColumn c;
        c.name = t.text;
        locate(c, t.offset);
        return c;
    }
    static void append(Shape& out, const Shape& from) {
        out.columns.insert(out.columns.end(), from.columns.begin(), from.columns.end());
        if (!from.known) out.known = false;
    }
    void skip_parenthesised(std::size_t& i) const {
        int depth = 0;
        for (; i < t_.size(); ++i) {
            if (symbol_at(i, "(")) ++depth;
            else if (symbol_at(i, ")") && --depth == 0) {
                ++i;
                return;
            }
        }
    }
    // Skips what follows a select list (FROM ..., WHERE, UNION ...) up to a ')' or ';' at this depth.
    void skip_to_query_end(std::size_t& i) const {
        int depth = 0;
        for (; i < t_.size(); ++i) {
            if (symbol_at(i, "(")) ++depth;
            else if (symbol_at(i, ")")) {
                if (depth == 0) return;
                --depth;
            } else if (depth == 0 && symbol_at(i, ";")) {
                return;
            }
        }
    }

    // FROM relation [alias] [, | JOIN relation [alias] [ON ...]]...: the shapes of the relations, by alias.
    bool from_clause(std::size_t& i, const std::map<std::string, Shape>& ctes, std::map<std::string, Shape>& sources,
                     Shape& all) {
        for (;;) {
            Shape shape;
            std::string name;
            if (symbol_at(i, "(")) {
                ++i;
                auto inner = query_shape(i, ctes);
                if (!inner) return false;
                if (!symbol_at(i, ")")) return fail(i, "expected ')' to close the subquery"), false;
                ++i;
                shape = *inner;
            } else if (i < t_.size() && is_name(t_[i])) {
                name = t_[i].text;
                ++i;
                while (symbol_at(i, ".") && i + 1 < t_.size() && is_name(t_[i + 1])) {  // db.table
                    name = t_[i + 1].text;
                    i += 2;
                }
                const auto cte = ctes.find(name);
                if (cte != ctes.end()) shape = cte->second;
                else shape.known = false;  // a table: its columns are not in the query
            } else {
                return fail(i, "expected a table or a subquery after FROM"), false;
            }
            if (word_at(i, "as")) ++i;
            if (i < t_.size() && is_name(t_[i]) && !is_clause_end(t_[i]) && !is_join_word(t_[i])) {
                name = t_[i].text;
                ++i;
            }
            if (!name.empty()) sources[name] = shape;
            append(all, shape);
            // Skip ON / USING conditions up to the next relation.
            int depth = 0;
            for (; i < t_.size(); ++i) {
                if (symbol_at(i, "(")) ++depth;
                else if (symbol_at(i, ")")) {
                    if (depth == 0) return true;
                    --depth;
                } else if (depth == 0 && (symbol_at(i, ";") || (is_clause_end(t_[i]) && !word_at(i, "from")))) {
                    return true;
                } else if (depth == 0 && (symbol_at(i, ",") || word_at(i, "join"))) {
                    ++i;
                    break;
                }
            }
            if (i >= t_.size()) return true;
        }
    }
    static bool is_join_word(const Token& t) {
        static constexpr std::string_view kJoin[] = {"join", "inner", "left",  "right",   "full",    "cross",
                                                     "on",   "using", "outer", "natural", "lateral", "tablesample"};
        return t.kind == TokenKind::Word && std::find(std::begin(kJoin), std::end(kJoin), t.text) != std::end(kJoin);
    }
};

Diagnostic sql_diagnostic(Severity s, std::string code, std::string message, std::string hint, std::uint64_t line,
                          std::uint64_t column, std::string column_name) {
    Diagnostic d;
    d.severity = s;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    d.line = line;
    d.column = column;
    d.column_name = std::move(column_name);
    return d;
}

}  // namespace

Report check_select(std::string_view query, const std::vector<std::string>& alias_columns, std::string source) {
    cohort::Settings settings;
    settings.alias_columns = alias_columns;
    return check_select_for_export(query, settings, std::move(source));
}

Report check_select_for_export(std::string_view query, const cohort::Settings& settings, std::string source) {
    const std::vector<std::string>& alias_columns = settings.alias_columns;
    Report r;
    r.source = std::move(source);
    auto add = [&](Diagnostic d) {
        switch (d.severity) {
            case Severity::Error: ++r.errors; break;
            case Severity::Warning: ++r.warnings; break;
            case Severity::Info: ++r.infos; break;
        }
        r.diagnostics.push_back(std::move(d));
    };
    auto position = [&](std::size_t offset) {
        TextPosition p;
        advance(p, query, std::min(offset, query.size()));
        return p;
    };
    // The input's own problems first: a query that is too long, not UTF-8, or holds a NUL byte (which
    // Trino's parser rejects) cannot be what Treasure Data runs.
    std::optional<std::pair<std::size_t, std::string>> error;
    if (query.size() > kMaxQueryBytes)
        error = {kMaxQueryBytes,
                 "the query is longer than " + std::to_string(kMaxQueryBytes) + " characters, the most Trino accepts"};
    else if (const std::size_t bad = utf8::find_invalid(query); bad != std::string_view::npos)
        error = {bad, "the query is not valid UTF-8 here"};
    else if (const std::size_t nul = query.find('\0'); nul != std::string_view::npos)
        error = {nul, "the query holds a NUL byte"};
    Tokens tokens;
    if (!error) {
        tokens = tokenize(query);
        error = tokens.error;
    }
    std::optional<Shape> shape;
    if (!error) {
        Reader reader(query, tokens.list);
        std::size_t i = 0;
        shape = reader.query_shape(i, {});
        error = reader.error();
    }
    if (!shape || error) {
        const TextPosition p = position(error ? error->first : 0);
        add(sql_diagnostic(Severity::Error, "sql-unreadable",
                           "cannot tell the output columns: " + (error ? error->second : std::string("not a SELECT")),
                           "the check reads one SELECT (with WITH queries and subqueries); check the query, or "
                           "validate the exported result instead",
                           p.line, p.column + 1, ""));
        r.complete = false;
        return r;
    }
    r.complete = shape->known;
    for (Diagnostic d : cohort::check_mapping(settings)) {
        d.line = 1;
        d.column = 1;
        add(std::move(d));
    }
    std::vector<std::pair<cohort::ColumnMapping, std::string>> sent;  // each output, and the column it came from
    bool any_identifier = false;
    std::vector<std::string> ignored;
    for (OutputColumn c : shape->columns) {
        const bool duplicate =
            std::any_of(r.columns.begin(), r.columns.end(), [&](const OutputColumn& o) { return o.name == c.name; });
        if (c.sent_as != "unnamed") {
            const std::optional<cohort::ColumnMapping> output =
                duplicate ? std::nullopt : cohort::output_of(c.name, settings);
            c.sent_as = !output                                       ? "ignored"
                        : output->target == cohort::Target::UserIds   ? "user_ids"
                        : output->target == cohort::Target::DeviceIds ? "device_ids"
                                                                      : "alias";
            const auto taken = !output ? sent.end() : std::find_if(sent.begin(), sent.end(), [&](const auto& o) {
                return cohort::same_output(o.first, *output);
            });
            if (taken != sent.end()) {
                add(sql_diagnostic(Severity::Error, "map-target-taken",
                                   "the output columns \"" + taken->second + "\" and \"" + c.name +
                                       "\" are both sent as " + cohort::target_text(*output),
                                   "give each output one column: drop the mapping, or leave one of them out; only "
                                   "the first one is sent",
                                   c.line, c.column, c.name));
                c.sent_as = "ignored";
            } else if (output) {
                sent.emplace_back(*output, c.name);
            }
        } else {
            add(sql_diagnostic(Severity::Warning, "sql-unnamed-column",
                               "this expression has no name; the result calls it " + c.name + ", so it is not sent",
                               "name it: ... AS user_ids (or device_ids, or the alias column)", c.line, c.column,
                               c.name));
            c.sent_as = "ignored";
        }
        if (duplicate) {
            add(sql_diagnostic(Severity::Error, "duplicate-column",
                               "the result has two columns named \"" + c.name + "\"",
                               "give each output column its own name with AS", c.line, c.column, c.name));
            c.sent_as = "ignored";
        }
        if (c.sent_as != "ignored") any_identifier = true;
        if (c.sent_as == "ignored" && !duplicate && c.name.rfind("_col", 0) != 0) {
            const std::string_view intended = cohort::intended_identifier(c.name);
            const bool present = std::any_of(shape->columns.begin(), shape->columns.end(), [&](const OutputColumn& o) {
                const auto output = cohort::output_of(o.name, settings);
                return o.name == intended || (output && cohort::target_text(*output) == intended);
            });
            if (!intended.empty() && !present)
                add(sql_diagnostic(Severity::Warning, "near-miss-column",
                                   "output column \"" + c.name + "\" is not \"" + std::string(intended) +
                                       "\"; Treasure Data matches column names exactly, so it is not sent",
                                   "rename it: ... AS " + std::string(intended) +
                                       " (or map it: " + cohort::map_option(c.name, intended) + ")",
                                   c.line, c.column, c.name));
            else ignored.push_back(c.name);
        }
        r.columns.push_back(c);
    }
    for (const std::string& alias : alias_columns) {
        if (std::none_of(r.columns.begin(), r.columns.end(), [&](const OutputColumn& c) { return c.name == alias; }) &&
            shape->known)
            add(sql_diagnostic(Severity::Error, "alias-column-missing",
                               "the alias column \"" + alias + "\" is not among the output columns",
                               "select it, e.g. SELECT " + cohort::sql_identifier(alias) + " FROM ...", 1, 1, alias));
    }
    for (const cohort::ColumnMapping& m : settings.mapping) {
        if (m.column.empty() || !shape->known ||
            std::any_of(r.columns.begin(), r.columns.end(), [&](const OutputColumn& c) { return c.name == m.column; }))
            continue;
        const std::string_view near =
            closest_name(m.column, r.columns, [](const OutputColumn& c) { return std::string_view(c.name); });
        add(sql_diagnostic(
            Severity::Error, "map-column-missing",
            "the mapped column \"" + m.column + "\" (" + cohort::map_option(m.column, cohort::target_text(m)) +
                ") is not among the output columns",
            near.empty() ? "select it, e.g. SELECT " + cohort::sql_identifier(m.column) + " FROM ..."
                         : "did you mean \"" + std::string(near) + "\"? Unquoted names come out in lower case: " +
                               cohort::map_option(near, cohort::target_text(m)),
            1, 1, m.column));
    }
    if (!shape->known) {
        add(sql_diagnostic(
            Severity::Warning, "sql-star-unresolved",
            "cannot tell all output columns: a * reads a table whose columns are not in the query",
            "name the columns instead of *, or validate the exported result with tdbraze validate cohort", 1, 1, ""));
    } else if (!any_identifier) {
        add(sql_diagnostic(Severity::Error, "no-identifier-column",
                           "no output column is sent: neither user_ids nor device_ids" +
                               std::string(alias_columns.empty() ? "" : " nor the alias column"),
                           "e.g. SELECT external_id AS user_ids FROM ...", 1, 1, ""));
    }
    if (!ignored.empty()) {
        std::string list;
        for (const std::string& n : ignored) list += (list.empty() ? "" : ", ") + n;
        add(sql_diagnostic(Severity::Info, "ignored-columns", "output columns not sent: " + list,
                           "only user_ids, device_ids and the alias column are sent", 1, 1, ""));
    }
    std::stable_sort(r.diagnostics.begin(), r.diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return r;
}

}  // namespace tdbraze::sql
