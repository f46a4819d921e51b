// The planner's duplicate check without every distinct identifier in memory: for a ten-million-id sync in
// tens of megabytes, where the in-memory check (core's IdSet) needs about the ids' own size again.
//
// It works in passes over the same table. Pass 1 gives the planner recorder(): each question (an
// identifier's key, in table order) is appended to a temporary file, spread over 256 partitions by a hash
// of the key's text. resolve() then reads one partition at a time, which holds every occurrence of its keys
// in table order, and works out each answer with a small IdSet; the answers are kept as three bits per
// question. Pass 2 (and a mirror sync's pass 3) give the planner replayer(), which hands the answers back in
// the same order. The planner's answers never change which questions it asks next, so the passes line up
// as long as the file is the same; the engine checks that by hashing it on every pass, and replay_matched()
// checks the count.
//
// Memory: the partition buffers (256 x 16 KiB), one partition's keys while resolving (a 256th of them), and
// the answer bits (20 million questions: 7.5 MB).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tdbraze/cohort.hpp"

namespace tdbraze::sync {

class SpilledDedupe {
public:
    SpilledDedupe();
    ~SpilledDedupe();
    SpilledDedupe(const SpilledDedupe&) = delete;
    SpilledDedupe& operator=(const SpilledDedupe&) = delete;

    // Pass 1: records every question and answers "not seen" (that pass's report is only a rehearsal).
    cohort::SeenBefore& recorder();
    // Between the passes: every answer, worked out partition by partition. An error message when the
    // temporary file could not be written or read back.
    std::optional<std::string> resolve();
    // Pass 2 and later: the answers, from the first question again on each call.
    cohort::SeenBefore& replayer();
    // After a replayed pass: it asked exactly as many questions as pass 1 did.
    bool replay_matched() const;

    std::uint64_t questions() const { return questions_; }

private:
    class Partitions;  // records spread over partitions of one temporary file
    class Recorder;
    class Replayer;

    std::unique_ptr<Partitions> keys_;
    std::unique_ptr<Recorder> recorder_;
    std::unique_ptr<Replayer> replayer_;
    std::uint64_t questions_ = 0;
    std::vector<std::uint64_t> duplicate_, other_type_, alias_spelling_;  // one bit per question
};

}  // namespace tdbraze::sync
