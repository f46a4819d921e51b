// Helpers for the cohort table tests.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tdbraze/cohort.hpp"
#include "tdbraze/report_json.hpp"

namespace tdbraze::test {

inline cohort::Settings settings(std::vector<std::string> aliases = {}) {
    cohort::Settings s;
    s.cohort_id = "cohort-1";
    s.alias_columns = std::move(aliases);
    s.created_at = "2025-11-24T09:30:00Z";
    return s;
}

inline cohort::Plan plan_table(const std::string& text, const cohort::Settings& s = settings(),
                               cohort::ReadOptions options = {}) {
    return cohort::plan(text, s, options, "table");
}

inline std::vector<std::string> cohort_codes(const cohort::Report& r) {
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics) out.push_back(d.code);
    return out;
}

inline std::vector<Diagnostic> cohort_with_code(const cohort::Report& r, const std::string& code) {
    std::vector<Diagnostic> out;
    for (const auto& d : r.diagnostics)
        if (d.code == code) out.push_back(d);
    return out;
}

// The membership requests' bodies, parsed.
inline std::vector<nlohmann::json> membership_bodies(const cohort::Plan& p) {
    std::vector<nlohmann::json> out;
    for (const auto& r : p.requests)
        if (r.path.size() > 6 && r.path.substr(r.path.size() - 6) == "/users")
            out.push_back(nlohmann::json::parse(r.body));
    return out;
}

// A first read's SeenBefore: answers every question "not seen" and keeps them all, then counts the real
// answers by brute force. The reference for native/sync/spilled_dedupe's counts (Planner::finish_with).
class AnswersCountedLater final : public cohort::SeenBefore {
public:
    cohort::Seen see(std::string_view key, std::string_view alias_spelling) override {
        asked_.push_back({std::string(key), std::string(alias_spelling), 0, 0});
        return {};
    }
    void see_all(std::span<const Question> questions, std::span<cohort::Seen> answers) override {
        for (std::size_t i = 0; i < questions.size(); ++i) {
            const Question& q = questions[i];
            asked_.push_back({std::string(q.key), std::string(q.alias_spelling), q.row, q.line});
            answers[i] = {};
        }
    }
    std::size_t questions() const { return asked_.size(); }

    std::vector<cohort::AnswerCount> counts() const {
        std::set<std::string, std::less<>> keys, spellings;
        std::vector<cohort::AnswerCount> out;
        auto count = [&](cohort::Answer answer, const Asked& q) {
            const cohort::IdentifierParts parts = cohort::split_identifier_key(q.key);
            for (cohort::AnswerCount& c : out)
                if (c.answer == answer && c.type == parts.type && c.alias_label == parts.alias_label) {
                    ++c.count;
                    return;
                }
            out.push_back(
                {answer, parts.type, std::string(parts.alias_label), 1, q.row, q.line, std::string(parts.value)});
        };
        for (const Asked& q : asked_) {
            if (!keys.insert(q.key).second) {
                count(cohort::Answer::Duplicate, q);
            } else if (q.key[0] == 'u' || q.key[0] == 'd') {
                std::string other = q.key;
                other[0] = q.key[0] == 'u' ? 'd' : 'u';
                if (keys.count(other) != 0) count(cohort::Answer::OtherType, q);
            } else if (!spellings.insert(q.spelling).second) {
                count(cohort::Answer::AliasSpelling, q);
            }
        }
        return out;
    }

private:
    struct Asked {
        std::string key, spelling;
        std::uint64_t row, line;
    };
    std::vector<Asked> asked_;
};

}  // namespace tdbraze::test
