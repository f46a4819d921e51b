#include "spilled_dedupe.hpp"

#include <algorithm>
#include <deque>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "batch_thread.hpp"
#include "tdbraze/id_set.hpp"
#include "temp_file.hpp"
#include "tdbraze/varint.hpp"

namespace tdbraze::sync {
namespace {

constexpr std::size_t kPartitions = 256;

// Every this many questions the partitions' sizes are noted, so that plan() can start reading anywhere.
constexpr std::uint64_t kQuestionsPerMark = 16384;

// The one message of every failure of the check's temporary files; `error` as TempFileFailure::error().
std::string temp_file_problem(int error) {
    return "cannot use a temporary file for the duplicate check in $TMPDIR (else /tmp): " +
           files::temp_file_reason(error) +
           "; point TMPDIR at a disk with room for about the identifiers' size, or use --dedupe memory";
}

bool get_bytes(const char*& p, const char* end, std::string_view& out) {
    std::uint64_t n = 0;
    if (!get_varint(p, end, n) || n > static_cast<std::uint64_t>(end - p)) return false;
    out = std::string_view(p, static_cast<std::size_t>(n));
    p += n;
    return true;
}

// One hash of a key serves three purposes: its partition, the running hash of the keys asked about, and (in
// resolve) the partition's set. IdSet::hash leaves the type byte out, so that a user id and a device id of
// the same text meet in one partition (the planner asks whether the other type came before).
std::size_t partition_of(std::uint64_t key_hash) { return static_cast<std::size_t>(key_hash % kPartitions); }

// A running hash of the keys asked about, in order: a replay of a changed table asks about other keys. The
// type byte is mixed in here, as the key's hash leaves it out.
std::uint64_t chain(std::uint64_t h, std::uint64_t key_hash, std::string_view key) {
    const auto type = static_cast<std::uint64_t>(static_cast<unsigned char>(key.empty() ? 0 : key[0]));
    return (h ^ key_hash ^ (type << 56)) * 0x100000001B3ull + 0x9E3779B97F4A7C15ull;
}

void set_bit(std::vector<std::uint64_t>& bits, std::uint64_t i) { bits[i / 64] |= std::uint64_t{1} << (i % 64); }
// The same from several threads at once.
void set_bit_shared(std::vector<std::uint64_t>& bits, std::uint64_t i) {
    std::atomic_ref<std::uint64_t>(bits[i / 64]).fetch_or(std::uint64_t{1} << (i % 64), std::memory_order_relaxed);
}
bool bit(const std::vector<std::uint64_t>& bits, std::uint64_t i) { return (bits[i / 64] >> (i % 64)) & 1; }

// A row's line is at or a little after the row's number (the header and any line breaks inside values), or
// before it when a JSON array holds several rows on a line: stored as a zigzag difference, mostly one byte.
std::uint64_t zigzag_line(std::uint64_t row, std::uint64_t line) {
    const auto d = static_cast<std::int64_t>(line - row);
    return (static_cast<std::uint64_t>(d) << 1) ^ static_cast<std::uint64_t>(d >> 63);
}
bool get_line(const char*& p, const char* end, std::uint64_t row, std::uint64_t& line) {
    std::uint64_t z = 0;
    if (!get_varint(p, end, z)) return false;
    line = row + ((z >> 1) ^ (~(z & 1) + 1));
    return true;
}

// Bytes gathered for one write, written into room kept ahead: a question's few bytes of number or place cost
// more as calls to std::string's append or to memcpy (a third of the writer thread's time, by perf) than as
// stores.
class WriteBuffer {
public:
    // `usual`: the most it holds but for one large record, which it is sized to at once. Sized exactly, as
    // resizing writes every byte it adds: doubling would double the memory it takes (256 partitions' buffers).
    explicit WriteBuffer(std::size_t usual = 0) : usual_(usual) {}
    std::size_t size() const { return filled_; }
    const char* data() const { return bytes_.data(); }
    void append(std::string_view piece) {
        if (piece.empty()) return;
        std::memcpy(room(piece.size()), piece.data(), piece.size());
        filled_ += piece.size();
    }
    void append_varint(std::uint64_t n) {
        char* const start = room(kMaxVarintBytes);
        filled_ += static_cast<std::size_t>(write_varint(start, n) - start);
    }
    void append_byte(char c) {
        *room(1) = c;
        ++filled_;
    }
    void clear() { filled_ = 0; }
    void release() {
        std::string().swap(bytes_);
        filled_ = 0;
    }

private:
    // Where the next `n` bytes go.
    char* room(std::size_t n) {
        if (filled_ + n > bytes_.size()) bytes_.resize(std::max(filled_ + n, usual_));
        return bytes_.data() + filled_;
    }
    std::size_t usual_;
    std::string bytes_;  // its first filled_ bytes
    std::size_t filled_ = 0;
};

// A question's place (its row and line) against the question's before: one byte for most, the same row and
// line (two identifiers of a row) or the next row on the next line; else that byte, the row and the line.
enum class PlaceCode : char { Same = 0, NextRow = 1, Elsewhere = 2 };
char* write_place(char* p, std::uint64_t row, std::uint64_t line, std::uint64_t last_row, std::uint64_t last_line) {
    if (row == last_row && line == last_line) {
        *p++ = static_cast<char>(PlaceCode::Same);
    } else if (row == last_row + 1 && line == last_line + 1) {
        *p++ = static_cast<char>(PlaceCode::NextRow);
    } else {
        *p++ = static_cast<char>(PlaceCode::Elsewhere);
        p = write_varint(p, row);
        p = write_varint(p, zigzag_line(row, line));
    }
    return p;
}
// Reads a place written after (`row`, `line`) and moves them to it.
bool get_place(const char*& p, const char* end, std::uint64_t& row, std::uint64_t& line) {
    if (p == end) return false;
    switch (static_cast<PlaceCode>(*p++)) {
        case PlaceCode::Same: return true;
        case PlaceCode::NextRow: ++row, ++line; return true;
        case PlaceCode::Elsewhere: return get_varint(p, end, row) && get_line(p, end, row, line);
    }
    return false;
}

// A question's record in its partition: its number, key and alias spelling (Partitions::append(partition,
// number, rest) with the batch's key and spelling as `rest`).
bool get_partition_record(const char*& p, const char* end, std::uint64_t& question, std::string_view& key,
                          std::string_view& spelling) {
    return get_varint(p, end, question) && get_bytes(p, end, key) && get_bytes(p, end, spelling) && !key.empty();
}

// How many questions got each answer in each identifier column, and the first of them: what the report needs
// of the answers (cohort::AnswerCount), but for the first's row and line, which QuestionPlaces gives. One per
// resolving thread, merged at the end.
class AnswerCounter {
public:
    void add(cohort::Answer answer, std::string_view key, std::uint64_t question) {
        const cohort::IdentifierParts parts = cohort::split_identifier_key(key);
        Entry* e = find(answer, parts.type, parts.alias_label);
        if (e == nullptr) {
            entries_.push_back({});
            e = &entries_.back();
            e->count.answer = answer;
            e->count.type = parts.type;
            e->count.alias_label = parts.alias_label;
        }
        ++e->count.count;
        if (question < e->first_question) {
            e->first_question = question;
            e->count.value = parts.value;
        }
    }
    void merge(const AnswerCounter& other) {
        for (const Entry& o : other.entries_) {
            Entry* e = find(o.count.answer, o.count.type, o.count.alias_label);
            if (e == nullptr) {
                entries_.push_back(o);
                continue;
            }
            e->count.count += o.count.count;
            if (o.first_question < e->first_question) {
                const std::uint64_t count = e->count.count;
                *e = o;
                e->count.count = count;
            }
        }
    }
    // With each first's row and line from `places`; nothing when they cannot be read back.
    template <typename Places>
    std::optional<std::vector<cohort::AnswerCount>> counts(Places& places) const {
        std::vector<cohort::AnswerCount> out;
        for (const Entry& e : entries_) {
            out.push_back(e.count);
            if (!places.find(e.first_question, out.back().row, out.back().line)) return std::nullopt;
        }
        return out;
    }

private:
    struct Entry {
        cohort::AnswerCount count;
        std::uint64_t first_question = UINT64_MAX;
    };
    // A table has at most a few identifier columns: a list is the quickest map.
    Entry* find(cohort::Answer answer, cohort::IdentifierType type, std::string_view label) {
        for (Entry& e : entries_)
            if (e.count.answer == answer && e.count.type == type && e.count.alias_label == label) return &e;
        return nullptr;
    }
    std::vector<Entry> entries_;
};

}  // namespace

Dedupe dedupe_from_name(std::string_view name) {
    return name == "memory" ? Dedupe::Memory : name == "disk" ? Dedupe::Disk : Dedupe::Auto;
}

bool dedupe_on_disk(Dedupe choice, const std::string& path) {
    if (choice != Dedupe::Auto) return choice == Dedupe::Disk;
    std::error_code ec;
    if (path == "-" || !std::filesystem::is_regular_file(path, ec)) return false;
    const auto size = std::filesystem::file_size(path, ec);
    return !ec && size > kDedupeInMemoryUpToBytes;
}

// Records appended to partitions, each partition a list of blocks in an unlinked temporary file shared with
// the partitions next to it.
//
// Why several files: closing a file gives its pages back, which for the ten-million-row table's 600 MB took
// 0.1 s on one thread after every partition was resolved. With the partitions spread over files of
// kPartitionsPerFile, release() closes each file as soon as its partitions are done with, on whichever thread
// resolved the last of them, while the other keeps resolving.
class SpilledDedupe::Partitions {
public:
    // `grouped`: the partitions share kPartitions / kPartitionsPerFile files; otherwise one (for records few
    // enough not to matter, such as alias spellings).
    explicit Partitions(bool grouped = false)
        : files_(grouped ? kPartitions / kPartitionsPerFile : 1),
          ends_(files_.size(), 0),
          unreleased_(files_.size()),
          buffers_(kPartitions, WriteBuffer(kBufferBytes + kRecordRoom)),
          blocks_(kPartitions) {
        for (std::size_t f = 0; f < files_.size(); ++f) {
            files_[f] = files::open_unnamed_temp_file(failure_);
            unreleased_[f] = kPartitions / files_.size();
        }
    }

    bool ok() const { return !failure_.failed(); }
    int error() const { return failure_.error(); }
    void mark_failed() { failure_.fail(0); }

    void append(std::size_t partition, std::string_view record) {
        WriteBuffer& buffer = buffers_[partition];
        buffer.append(record);
        sizes_[partition] += record.size();
        if (buffer.size() >= kBufferBytes) flush(partition);
    }
    // A record of a number (a varint) and then `rest`.
    void append(std::size_t partition, std::uint64_t number, std::string_view rest) {
        WriteBuffer& buffer = buffers_[partition];
        const std::size_t before = buffer.size();
        buffer.append_varint(number);
        buffer.append(rest);
        sizes_[partition] += buffer.size() - before;
        if (buffer.size() >= kBufferBytes) flush(partition);
    }
    // Notes every partition's size now (the records appended so far, written or not).
    void mark() { marks_.insert(marks_.end(), sizes_.begin(), sizes_.end()); }
    std::size_t marks() const { return marks_.size() / kPartitions; }
    // A partition's size at mark `m`.
    std::uint64_t marked(std::size_t m, std::size_t partition) const { return marks_[m * kPartitions + partition]; }
    // After the last append: writes what the buffers hold and gives their memory back.
    void finish() {
        for (std::size_t p = 0; p < kPartitions; ++p) {
            flush(p);
            buffers_[p].release();
        }
    }
    // Up to `most` bytes of a partition's records from byte `from` on, appended to `out`; false on a read error.
    bool read_part(std::size_t partition, std::uint64_t from, std::size_t most, std::string& out) {
        std::FILE* const file = files_[file_of(partition)].get();
        for (const Block& b : blocks_[partition]) {
            if (most == 0) break;
            if (from >= b.size) {
                from -= b.size;
                continue;
            }
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(b.size - from, most));
            const std::size_t at = out.size();
            out.resize(at + n);
            if (!files::read_at(file, out.data() + at, n, b.offset + from, failure_)) return false;
            most -= n;
            from = 0;
        }
        return true;
    }
    std::uint64_t bytes(std::size_t partition) const { return sizes_[partition]; }
    // The records of one partition, in the order they were appended.
    bool read(std::size_t partition, std::string& out) {
        out.clear();
        return read_part(partition, 0, SIZE_MAX, out);
    }
    // The caller will not read this partition again: its file is closed once none of its partitions is read
    // again. Each partition once, from any thread.
    void release(std::size_t partition) {
        const std::size_t f = file_of(partition);
        if (unreleased_[f].fetch_sub(1) == 1) files_[f].reset();
    }

    // The files are closed half on a second thread: the kernel giving back a file's pages takes a while (0.09 s
    // for the ten-million-row table's 550 MB on ext4 on one thread, after `plan`'s last request; without the
    // first occurrences kept, resolve() releases each file as it goes instead).
    ~Partitions() {
        const std::size_t half = files_.size() / 2;
        const bool open =
            std::any_of(files_.begin(), files_.end(), [](const files::TempFile& f) { return f != nullptr; });
        std::thread helper;
        try {
            if (half > 0 && open)
                helper = std::thread([&] {
                    for (std::size_t f = 0; f < half; ++f) files_[f].reset();
                });
        } catch (const std::exception&) {  // no thread to be had (nor memory for one): this one closes them all
        }
        for (std::size_t f = helper.joinable() ? half : 0; f < files_.size(); ++f) files_[f].reset();
        if (helper.joinable()) helper.join();
    }
    Partitions(const Partitions&) = delete;
    Partitions& operator=(const Partitions&) = delete;

private:
    // Per partition. Larger writes cost the kernel less per byte: for the ten-million-row table, system time
    // went from 0.68 s to 0.56 s from 16 KiB to 32 KiB (0.48 s at 64 KiB, for 8 MiB more of buffers).
    static constexpr std::size_t kBufferBytes = 32 * 1024;
    static constexpr std::size_t kRecordRoom = 1024;  // past kBufferBytes: room for the record that fills it
    static constexpr std::size_t kPartitionsPerFile = 16;
    struct Block {
        std::uint64_t offset;
        std::size_t size;
    };
    std::size_t file_of(std::size_t partition) const { return partition * files_.size() / kPartitions; }
    void flush(std::size_t partition) {
        WriteBuffer& buffer = buffers_[partition];
        if (buffer.size() == 0) return;
        const std::size_t f = file_of(partition);
        files::write_at(files_[f].get(), std::string_view(buffer.data(), buffer.size()), ends_[f], failure_);
        blocks_[partition].push_back({ends_[f], buffer.size()});
        ends_[f] += buffer.size();
        buffer.clear();
    }

    std::vector<files::TempFile> files_;
    files::TempFileFailure failure_;  // read() runs on several threads at once
    std::vector<std::uint64_t> ends_;  // of each file
    std::vector<std::atomic<std::size_t>> unreleased_;  // partitions of each file not yet released
    std::vector<WriteBuffer> buffers_;
    std::vector<std::vector<Block>> blocks_;
    std::vector<std::uint64_t> sizes_ = std::vector<std::uint64_t>(kPartitions, 0);
    std::vector<std::uint64_t> marks_;  // kPartitions sizes per mark
};

// Where each question was asked (its row and line), in question order, in a temporary file of its own. The
// report needs them only for the first question of each answer, so they are not carried in the partitions'
// records, which every later step reads. Each is kept as its place against the question's before
// (write_place), as the reading thread encoded it.
class SpilledDedupe::QuestionPlaces {
public:
    bool ok() const { return file_ != nullptr && !failure_.failed(); }
    int error() const { return failure_.error(); }

    // The next question's place, as write_place encoded it, and the row and line that it reads as: questions
    // are added in order, from 0.
    void add(std::string_view place, std::uint64_t row, std::uint64_t line) {
        if (added_ % kQuestionsPerMark == 0) marks_.push_back({written_ + buffer_.size(), row_, line_});
        ++added_;
        if (place.size() == 1) buffer_.append_byte(place[0]);  // most places
        else buffer_.append(place);
        row_ = row;
        line_ = line;
        if (buffer_.size() >= kBufferBytes) flush();
    }
    void finish() {
        flush();
        buffer_.release();
    }
    // The place of question `question`, read back from the file: false when it cannot be.
    bool find(std::uint64_t question, std::uint64_t& row, std::uint64_t& line) {
        const std::size_t m = static_cast<std::size_t>(question / kQuestionsPerMark);
        if (!ok() || question >= added_ || m >= marks_.size()) return false;
        const std::uint64_t from = marks_[m].offset;
        const std::uint64_t to = m + 1 < marks_.size() ? marks_[m + 1].offset : written_;
        std::string data(static_cast<std::size_t>(to - from), '\0');
        if (!files::read_at(file_.get(), data.data(), data.size(), from, failure_)) return false;
        row = marks_[m].row;
        line = marks_[m].line;
        const char* at = data.data();
        const char* end = at + data.size();
        for (std::uint64_t q = m * kQuestionsPerMark; q <= question; ++q)
            if (!get_place(at, end, row, line)) return false;
        return true;
    }

private:
    static constexpr std::size_t kBufferBytes = 64 * 1024;
    struct Mark {
        std::uint64_t offset, row, line;  // where the mark's first question's place starts; the place before it
    };
    void flush() {
        if (buffer_.size() == 0) return;
        files::write_at(file_.get(), std::string_view(buffer_.data(), buffer_.size()), written_, failure_);
        written_ += buffer_.size();
        buffer_.clear();
    }

    files::TempFileFailure failure_;  // before file_, whose opening may set it
    files::TempFile file_ = files::open_unnamed_temp_file(failure_);
    WriteBuffer buffer_{kBufferBytes + 32};  // a place takes 21 bytes at most
    std::uint64_t written_ = 0;
    std::uint64_t added_ = 0;
    std::uint64_t row_ = 0, line_ = 0;  // of the last question added
    std::vector<Mark> marks_;
};

// Pass 1's questions become records in their partitions on a thread of their own: hashing each key and
// copying it into the temporary file would otherwise take the reading thread a fifth of its time, while the
// machine's other core waits. The reading thread only encodes each question (its number, key, alias
// spelling, row and line) into a batch; the writer thread hashes the keys, keeps the running hash of them,
// and appends each record to its partition, batch after batch in order.
class SpilledDedupe::Recorder final : public cohort::SeenBefore {
public:
    Recorder(Partitions& keys, QuestionPlaces& places, std::uint64_t& questions, std::uint64_t& keys_hash)
        : keys_(keys), places_(places), questions_(questions), keys_hash_(keys_hash) {}
    ~Recorder() {
        filled_ = 0;  // never resolved: nothing more is needed of the questions
        finish();
    }
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    cohort::Seen see(std::string_view key, std::string_view alias_spelling) override {
        record({key, alias_spelling, 0, 0});
        return {};
    }
    void see_all(std::span<const Question> questions, std::span<cohort::Seen> answers) override {
        for (std::size_t i = 0; i < questions.size(); ++i) {
            record(questions[i]);
            answers[i] = {};
        }
    }
    // Every question recorded so far is in its partition, and the owner's count and keys hash hold them all.
    void finish() {
        if (filled_ != 0) hand_off();
        if (writer_.joinable()) {
            {
                std::lock_guard lock(mutex_);
                closing_ = true;
            }
            changed_.notify_all();
            writer_.join();
            closing_ = false;  // a question recorded after this starts a writer again
        }
        questions_ = next_question_;
        keys_hash_ = running_hash_;
    }

private:
    static constexpr std::size_t kBatchBytes = 256 * 1024;
    static constexpr std::size_t kRecordRoom = 4096;  // past kBatchBytes: room for the record that fills a batch
    static constexpr std::size_t kBacklog = 4;  // batches waiting for the writer: at most 1 MiB

    // A record in the batch: the question's place (write_place), key and alias spelling. The writer thread
    // numbers the questions, and gives the place to QuestionPlaces and the rest, numbered, to the key's
    // partition. Encoded straight into the batch, which is kept larger than what it holds (filled_): appended
    // a byte at a time, the varints alone were a twentieth of the planner's thread's time, and encoded on the
    // stack first, copying each record into the batch was a twentieth again. A place of one byte for most,
    // rather than a question number, row and line, took 4% off that thread's instructions (callgrind).
    void record(const Question& q) {
        const std::size_t most = 5 * static_cast<std::size_t>(kMaxVarintBytes) + q.key.size() + q.alias_spelling.size();
        if (filled_ + most > filling_.size()) filling_.resize(std::max(filled_ + most, kBatchBytes + kRecordRoom));
        char* const start = filling_.data();
        char* p = start + filled_;
        p = write_place(p, q.row, q.line, last_row_, last_line_);
        last_row_ = q.row;
        last_line_ = q.line;
        ++next_question_;
        p = write_varint(p, q.key.size());
        if (!q.key.empty()) std::memcpy(p, q.key.data(), q.key.size());
        p += q.key.size();
        p = write_varint(p, q.alias_spelling.size());
        if (!q.alias_spelling.empty()) std::memcpy(p, q.alias_spelling.data(), q.alias_spelling.size());
        p += q.alias_spelling.size();
        filled_ = static_cast<std::size_t>(p - start);
        if (filled_ >= kBatchBytes) hand_off();
    }

    void hand_off() {
        if (!writer_.joinable() && !alone_) {
            try {
                writer_ = std::thread([this] { write_batches(); });
            } catch (const std::system_error&) {  // no thread to be had: the reading thread writes
                alone_ = true;
            }
        }
        if (alone_) {
            write_records(std::string_view(filling_.data(), filled_));
            filled_ = 0;
            return;
        }
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return full_.size() < kBacklog; });
        filling_.resize(filled_);
        filled_ = 0;
        full_.push_back(std::move(filling_));
        if (!spare_.empty()) {
            filling_ = std::move(spare_.back());
            spare_.pop_back();
        } else {
            filling_ = std::string();
        }
        // A spare keeps its size, what it held being written over: resizing it again would zero it first.
        lock.unlock();
        changed_.notify_all();
    }

    void write_batches() {
        schedule_as_batch_work();  // native/common/batch_thread.hpp says why
        for (;;) {
            std::string batch;
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] { return !full_.empty() || closing_; });
                if (full_.empty()) return;
                batch = std::move(full_.front());
                full_.pop_front();
            }
            changed_.notify_all();
            try {
                write_records(batch);
            } catch (const std::exception&) {  // out of memory here: resolve() says the file could not be used
                keys_.mark_failed();
            }
            std::lock_guard lock(mutex_);
            spare_.push_back(std::move(batch));
        }
    }

    void write_records(std::string_view batch) {
        const char* at = batch.data();
        const char* end = at + batch.size();
        while (at < end) {
            const char* const place = at;
            if (!get_place(at, end, written_row_, written_line_)) {
                keys_.mark_failed();  // cannot happen: record() wrote it
                return;
            }
            const std::string_view place_bytes(place, static_cast<std::size_t>(at - place));
            const char* const rest = at;
            std::string_view key, spelling;
            if (!get_bytes(at, end, key) || !get_bytes(at, end, spelling)) {
                keys_.mark_failed();
                return;
            }
            const std::uint64_t question = written_questions_++;
            while (question >= next_mark_) {
                keys_.mark();
                next_mark_ += kQuestionsPerMark;
            }
            const std::uint64_t h = IdSet::hash(key);
            running_hash_ = chain(running_hash_, h, key);
            keys_.append(partition_of(h), question, std::string_view(rest, static_cast<std::size_t>(at - rest)));
            places_.add(place_bytes, written_row_, written_line_);
        }
    }

    Partitions& keys_;
    QuestionPlaces& places_;
    std::uint64_t& questions_;  // the owner's: set by finish()
    std::uint64_t& keys_hash_;  // the owner's: set by finish()
    // Written by the reading thread and the writer thread respectively, a cache line apart: as the owner's two
    // neighbouring members, each write took the line from the other core, and reading the question number
    // stalled for a third of record()'s time.
    alignas(64) std::uint64_t next_question_ = 0;
    std::uint64_t last_row_ = 0, last_line_ = 0;  // the reading thread's: of the last question recorded
    alignas(64) std::uint64_t running_hash_ = 0;
    // The writer thread's too: the next mark, and the number and place of the last question written.
    std::uint64_t next_mark_ = 0;
    std::uint64_t written_questions_ = 0;
    std::uint64_t written_row_ = 0, written_line_ = 0;
    std::string filling_;  // the batch being encoded: its first filled_ bytes
    std::size_t filled_ = 0;

    std::thread writer_;
    bool alone_ = false;  // no writer thread: records are written as batches fill
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> full_;  // batches for the writer, in order
    std::vector<std::string> spare_;  // written batches, to be filled again
    bool closing_ = false;
};

class SpilledDedupe::Replayer final : public cohort::SeenBefore {
public:
    explicit Replayer(const SpilledDedupe& owner) : owner_(owner) {}
    void rewind() {
        next_ = 0;
        keys_hash_ = 0;
        overrun_ = false;
    }
    bool matched() const { return !overrun_ && next_ == owner_.questions_ && keys_hash_ == owner_.keys_hash_; }
    cohort::Seen see(std::string_view key, std::string_view) override {
        keys_hash_ = chain(keys_hash_, IdSet::hash(key), key);
        if (next_ >= owner_.questions_) {
            overrun_ = true;
            return {};
        }
        const std::uint64_t i = next_++;
        cohort::Seen seen;
        seen.duplicate = bit(owner_.duplicate_, i);
        seen.other_type = bit(owner_.other_type_, i);
        seen.alias_spelling = bit(owner_.alias_spelling_, i);
        return seen;
    }

private:
    const SpilledDedupe& owner_;
    std::uint64_t next_ = 0;
    std::uint64_t keys_hash_ = 0;
    bool overrun_ = false;
};

SpilledDedupe::SpilledDedupe()
    : keys_(std::make_unique<Partitions>(/*grouped=*/true)),
      places_(std::make_unique<QuestionPlaces>()),
      recorder_(std::make_unique<Recorder>(*keys_, *places_, questions_, keys_hash_)),
      replayer_(std::make_unique<Replayer>(*this)) {}
SpilledDedupe::~SpilledDedupe() = default;

cohort::SeenBefore& SpilledDedupe::recorder() { return *recorder_; }

cohort::SeenBefore& SpilledDedupe::replayer() {
    replayer_->rewind();
    return *replayer_;
}

bool SpilledDedupe::replay_matched() const { return replayer_->matched(); }

Result<std::unique_ptr<SpilledDedupe>> SpilledDedupe::rehearse(const cohort::Settings& settings,
                                                               cohort::ReadOptions options, const std::string& source,
                                                               const ReadTable& read_table, Keep keep) {
    std::unique_ptr<SpilledDedupe> check(new SpilledDedupe());
    check->keep_first_occurrences_ = keep == Keep::FirstOccurrences;
    if (!check->keys_->ok() || !check->places_->ok())
        return fail(ErrorCode::TempFile, temp_file_problem(check->temp_error()));  // before any reading
    options.plan_requests = false;  // the rehearsal's plan is thrown away: count, do not write
    cohort::Planner rehearsal(settings, options, source, nullptr, check->recorder());
    if (auto error = read_table([&](const cohort::RowBatch& rows) {
            rehearsal.feed_rows(rows);
            rehearsal.take_requests();
        }))
        return fail(ErrorCode::InputUnreadable, *error);
    rehearsal.finish_input();
    if (!check->resolve()) return fail(ErrorCode::TempFile, temp_file_problem(check->temp_error()));
    check->report_ = rehearsal.finish_with(check->answer_counts_);
    // The real count where the report could be made: never more than the rehearsal's (see the header).
    check->rehearsal_errors_ = check->report_ ? check->report_->summary.errors : rehearsal.finish().summary.errors;
    return check;
}

int SpilledDedupe::temp_error() const {
    if (keys_ != nullptr && keys_->error() != 0) return keys_->error();
    if (places_ != nullptr && places_->error() != 0) return places_->error();
    return spellings_error_;
}

bool SpilledDedupe::resolve() {
    recorder_->finish();
    keys_->finish();
    places_->finish();
    if (!keys_->ok() || !places_->ok()) return false;
    const std::size_t words = static_cast<std::size_t>((questions_ + 63) / 64);
    duplicate_.assign(words, 0);
    other_type_.assign(words, 0);
    alias_spelling_.assign(words, 0);
    first_occurrences_ = 0;
    answer_counts_.clear();

    // Keys: within a partition the records are in table order, so "came before" is "inserted before". Each
    // partition is resolved alone, so the partitions are shared out among threads (both cores on a two-core
    // machine). Two partitions' questions can share a word of bits: bits are set with atomic ORs. Alias
    // spellings go to partitions of their own under a lock; they are put back in table order below.
    Partitions spellings;
    std::mutex spellings_mutex;
    std::atomic<std::size_t> next_partition{0};
    std::atomic<std::uint64_t> first_occurrences{0};
    std::atomic<bool> failed{false};
    AnswerCounter answers;
    std::mutex answers_mutex;
    auto resolve_partitions = [&] {
        std::string data, record;
        std::uint64_t firsts = 0;
        AnswerCounter counted;
        IdSet seen;  // one partition's keys at a time
        try {
            for (std::size_t p = next_partition++; p < kPartitions && !failed; p = next_partition++) {
                if (!keys_->read(p, data)) {
                    failed = true;
                    break;
                }
                if (!keep_first_occurrences_) keys_->release(p);
                seen.clear();
                const char* at = data.data();
                const char* end = at + data.size();
                while (at < end) {
                    std::uint64_t question = 0;
                    std::string_view key, spelling;
                    if (!get_partition_record(at, end, question, key, spelling) || question >= questions_) {
                        failed = true;
                        break;
                    }
                    bool other_type = false;
                    if (!seen.insert(key, IdSet::hash(key), other_type)) {
                        set_bit_shared(duplicate_, question);
                        counted.add(cohort::Answer::Duplicate, key, question);
                        continue;
                    }
                    ++firsts;
                    if (other_type) {
                        set_bit_shared(other_type_, question);
                        counted.add(cohort::Answer::OtherType, key, question);
                    }
                    if (key[0] != 'u' && key[0] != 'd') {
                        // The spelling's check needs the same record, with the key for the count's column and value.
                        record.clear();
                        put_varint(record, question);
                        put_varint(record, spelling.size());
                        record += spelling;
                        put_varint(record, key.size());
                        record += key;
                        std::lock_guard lock(spellings_mutex);
                        spellings.append(static_cast<std::size_t>(hash_bytes(spelling) % kPartitions), record);
                    }
                }
            }
        } catch (const std::exception&) {  // out of memory in a thread: the run stops with the message below
            failed = true;
        }
        first_occurrences += firsts;
        std::lock_guard lock(answers_mutex);
        answers.merge(counted);
    };
    std::vector<std::thread> helpers;
    const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    for (unsigned i = 1; i < threads; ++i) {
        try {
            helpers.emplace_back(resolve_partitions);
        } catch (const std::system_error&) {  // no thread to be had: fewer threads, the same answers
            break;
        }
    }
    resolve_partitions();
    for (std::thread& t : helpers) t.join();
    if (failed) return false;
    first_occurrences_ = first_occurrences;
    if (!keep_first_occurrences_) keys_.reset();  // the keys' file is done with, unless plan() reads it again

    // Alias spellings of first occurrences: they arrive partition by partition, so back into table order first.
    spellings.finish();
    if (!spellings.ok()) {
        spellings_error_ = spellings.error();
        return false;
    }
    std::string data;
    struct Spelling {
        std::uint64_t question;
        std::string_view spelling, key;
    };
    std::vector<Spelling> in_order;
    for (std::size_t p = 0; p < kPartitions; ++p) {
        if (!spellings.read(p, data)) {
            spellings_error_ = spellings.error();
            return false;
        }
        in_order.clear();
        const char* at = data.data();
        const char* end = at + data.size();
        while (at < end) {
            Spelling s{};
            if (!get_varint(at, end, s.question) || !get_bytes(at, end, s.spelling) || !get_bytes(at, end, s.key) ||
                s.question >= questions_)
                return false;
            in_order.push_back(s);
        }
        std::sort(in_order.begin(), in_order.end(),
                  [](const Spelling& a, const Spelling& b) { return a.question < b.question; });
        IdSet seen;
        for (const Spelling& s : in_order) {
            if (seen.insert(s.spelling)) continue;
            set_bit(alias_spelling_, s.question);
            answers.add(cohort::Answer::AliasSpelling, s.key, s.question);
        }
    }
    auto counts = answers.counts(*places_);
    if (!counts) return false;
    answer_counts_ = std::move(*counts);
    places_.reset();  // nothing more is asked of it
    return true;
}

std::optional<SpilledDedupe::Planning> SpilledDedupe::planning() {
    if (!keep_first_occurrences_ || keys_ == nullptr || !report_) return std::nullopt;
    return Planning(*this);
}

Status SpilledDedupe::Planning::plan(const cohort::Settings& settings, cohort::BatchOutput output,
                                     const RequestsSink& on_requests, unsigned threads) {
    return check_.plan(settings, output, on_requests, threads);
}

// Each partition of the keys' file holds its questions in table order, and the answer bits say which were
// repeats: the identifiers to send are the other questions, merged across partitions by question number.
// The work is cut into stretches of whole requests (about 32,000 identifiers each), which the answer bits
// alone can place, and the marks say where each stretch's questions begin in every partition: so both cores
// plan stretches side by side (on one, merging and writing the bodies took a quarter of a large `plan` while
// the other core idled), and the requests are handed on in table order, a few stretches ahead at most.
Status SpilledDedupe::plan(const cohort::Settings& settings, cohort::BatchOutput output,
                           const Planning::RequestsSink& on_requests, unsigned threads) {
    const std::vector<Diagnostic> settings_findings = cohort::check_settings(settings);
    if (std::any_of(settings_findings.begin(), settings_findings.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::Error; }))
        return {};  // nothing is planned, as for any table with settings in error
    if (!on_requests({cohort::RequestBatcher(settings, settings.operation, output).naming_request()})) return {};

    constexpr std::uint64_t kIdsPerStretch = 32768;
    const auto per_request = static_cast<std::uint64_t>(settings.max_ids_per_request);
    const std::uint64_t requests_per_stretch = std::max<std::uint64_t>(1, kIdsPerStretch / per_request);
    const std::uint64_t ids_per_stretch = requests_per_stretch * per_request;
    // Where each stretch starts: the question of its first identifier (the n-th question not a repeat).
    std::vector<std::uint64_t> starts;
    for (std::uint64_t word = 0, firsts = 0, wanted = 0; word < duplicate_.size() && wanted < first_occurrences_;
         ++word) {
        std::uint64_t not_repeats = ~duplicate_[word];
        if ((word + 1) * 64 > questions_) not_repeats &= (std::uint64_t{1} << (questions_ % 64)) - 1;
        const auto count = static_cast<std::uint64_t>(__builtin_popcountll(not_repeats));
        while (wanted < first_occurrences_ && wanted < firsts + count) {
            std::uint64_t bits = not_repeats;
            for (std::uint64_t k = wanted - firsts; k > 0; --k) bits &= bits - 1;  // drops the lower ones
            starts.push_back(word * 64 + static_cast<std::uint64_t>(__builtin_ctzll(bits)));
            wanted += ids_per_stretch;
        }
        firsts += count;
    }
    const std::size_t stretches = starts.size();
    starts.push_back(questions_);

    // A stretch's questions are put back in table order a window at a time: each question's identifier, read
    // where it lies in the worker's part of its partition (keys are never empty: an empty view is a repeat, or
    // no identifier of this stretch).
    constexpr std::uint64_t kWindowQuestions = 16384;
    struct Worker {
        std::vector<std::string> parts = std::vector<std::string>(kPartitions);
        std::vector<std::size_t> at = std::vector<std::size_t>(kPartitions);
        std::vector<std::string_view> slots = std::vector<std::string_view>(kWindowQuestions);
    };
    // The requests of stretch `s`, exactly those a planner reading the whole table would make there; false
    // when the file cannot be read or is damaged.
    const auto plan_stretch = [&](std::size_t s, Worker& w, std::vector<cohort::PlannedRequest>& out) {
        const std::uint64_t first = starts[s], end = starts[s + 1];
        const std::size_t from_mark = static_cast<std::size_t>(first / kQuestionsPerMark);
        const std::size_t to_mark = static_cast<std::size_t>((end + kQuestionsPerMark - 1) / kQuestionsPerMark);
        for (std::size_t p = 0; p < kPartitions; ++p) {
            const std::uint64_t from = keys_->marked(from_mark, p);
            const std::uint64_t to = to_mark < keys_->marks() ? keys_->marked(to_mark, p) : keys_->bytes(p);
            w.parts[p].clear();
            w.at[p] = 0;
            if (to < from || !keys_->read_part(p, from, static_cast<std::size_t>(to - from), w.parts[p])) return false;
        }
        cohort::RequestBatcher batcher(settings, settings.operation, output);
        for (std::uint64_t low = first; low < end; low += kWindowQuestions) {
            const std::uint64_t high = std::min(end, low + kWindowQuestions);
            const auto window = static_cast<std::size_t>(high - low);
            std::fill_n(w.slots.begin(), window, std::string_view());
            for (std::size_t p = 0; p < kPartitions; ++p) {
                const char* const base = w.parts[p].data();
                const char* const stop = base + w.parts[p].size();
                for (const char* at = base + w.at[p]; at < stop;) {
                    std::uint64_t question = 0;
                    std::string_view key, spelling;
                    const char* next = at;
                    if (!get_partition_record(next, stop, question, key, spelling)) return false;
                    if (question >= high) break;
                    at = next;
                    w.at[p] = static_cast<std::size_t>(at - base);
                    if (question < first || bit(duplicate_, question)) continue;  // before the stretch, or a repeat
                    if (question < low || !w.slots[question - low].empty()) return false;  // out of order
                    w.slots[question - low] = key;
                }
            }
            for (std::size_t i = 0; i < window; ++i) {
                if (w.slots[i].empty()) continue;
                const cohort::IdentifierParts parts = cohort::split_identifier_key(w.slots[i]);
                if (!batcher.add(parts.type, parts.alias_label, parts.value)) return false;
            }
        }
        batcher.flush();
        out = batcher.take();
        return true;
    };

    // Stretches are planned by the workers, in order of number, and handed on by this thread in that order.
    if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, 2u);
    // Stretches planned and not yet handed on, at most. With several workers the sink (writing the requests)
    // shares the cores with them: with one stretch each ahead, a worker often waited for it (a third of its
    // time, by perf's scheduler trace); three each, about a megabyte of requests each, took 4% off a
    // ten-million-row plan (with the workers as batch work, which keeps them from taking the sink's core when
    // woken). One worker (a sync's, where sending sets the pace) keeps one: a stretch with its keys is a few
    // MiB, and three took a ten-million-id sync from 49 to 54 MB at its peak.
    const std::size_t ahead = threads > 1 ? 3 * threads : threads;
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t next_stretch = 0, handed = 0;
    std::map<std::size_t, std::vector<cohort::PlannedRequest>> planned;
    bool stop = false, failed = false;
    const auto work = [&] {
        schedule_as_batch_work();  // native/common/batch_thread.hpp
        Worker w;
        for (;;) {
            std::size_t s = 0;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stop || next_stretch >= stretches || next_stretch < handed + ahead; });
                if (stop || next_stretch >= stretches) return;
                s = next_stretch++;
            }
            std::vector<cohort::PlannedRequest> out;
            bool ok = false;
            try {
                ok = plan_stretch(s, w, out);
            } catch (const std::exception&) {  // out of memory in a thread: the plan stops with the message below
            }
            {
                std::lock_guard lock(mutex);
                if (ok) planned.emplace(s, std::move(out));
                else failed = stop = true;
            }
            changed.notify_all();
        }
    };
    std::vector<std::thread> workers;
    // However this function is left (the sink may throw, so may starting a thread): the workers are told to
    // stop and waited for.
    const auto stop_workers = [&] {
        {
            std::lock_guard lock(mutex);
            stop = true;
        }
        changed.notify_all();
        for (std::thread& t : workers)
            if (t.joinable()) t.join();
    };
    struct StopOnExit {
        const std::function<void()> stop;
        ~StopOnExit() { stop(); }
    } stop_on_exit{stop_workers};
    for (unsigned i = 0; i < threads; ++i) {
        try {
            workers.emplace_back(work);
        } catch (const std::system_error&) {  // no thread to be had: fewer workers, the same requests
            break;
        }
    }
    std::uint64_t ids = 0, requests = 0;
    bool consistent = true, sink_stopped = false;
    while (!workers.empty() && handed < stretches) {
        std::vector<cohort::PlannedRequest> out;
        {
            std::unique_lock lock(mutex);
            changed.wait(lock, [&] { return stop || planned.count(handed) > 0; });
            if (stop) break;
            out = std::move(planned.at(handed));
            planned.erase(handed);
            ++handed;
        }
        changed.notify_all();
        // Every stretch but the last is whole requests: a different count means the answers were misread.
        if (handed < stretches && out.size() != requests_per_stretch) consistent = false;
        for (const cohort::PlannedRequest& r : out) ids += r.ids;
        requests += out.size();
        if (!consistent || !on_requests(std::move(out))) {
            sink_stopped = consistent;
            break;
        }
    }
    stop_workers();
    if (failed || (workers.empty() && stretches > 0)) return fail(ErrorCode::TempFile, temp_file_problem(temp_error()));
    if (sink_stopped) return {};  // the sink asked to stop
    if (!consistent || ids != first_occurrences_ || requests != report_->summary.requests)
        return fail(
            ErrorCode::Internal,
            "internal error: the plan made from the duplicate check differs from its report; use --dedupe memory");
    return {};
}

}  // namespace tdbraze::sync
