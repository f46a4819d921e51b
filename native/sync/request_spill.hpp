// The checked plan of a table, kept between the check and the send in an unlinked temporary file.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tdbraze/cohort.hpp"
#include "temp_file.hpp"

namespace tdbraze::sync {

// The first pass's requests, kept for the second in an unlinked temporary file (mode 0600, gone when the
// process ends, however it ends): planning the table again cost as much CPU as checking it, and needed a
// second set of every distinct id. It also makes what is sent exactly what was checked, even if the file
// changes in between.
class RequestSpill {
public:
    bool ok() const { return file_ != nullptr && !failure_.failed(); }
    // The system's reason (errno) it failed, 0 when none was told: files::temp_file_reason words it.
    int error() const { return failure_.error(); }

    void write(const cohort::PlannedRequest& r) {
        put(r.method);
        put(r.path);
        put(r.body);
        put_number(r.ids);
        put(r.keys.packed());
    }
    // Switches from writing to reading; false when anything could not be written.
    bool rewind() {
        if (ok() && (std::fflush(file_.get()) != 0 || std::fseek(file_.get(), 0, SEEK_SET) != 0)) failure_.fail(errno);
        return ok();
    }
    // The next request in the order written; false at the end or on a read error (then ok() is false).
    bool read(cohort::PlannedRequest& r) {
        std::string keys;
        if (!ok() || !get(r.method)) return false;
        if (!get(r.path) || !get(r.body) || !get_number(r.ids) || !get(keys)) return fail();
        auto unpacked = cohort::IdentifierKeys::from_packed(std::move(keys));
        if (!unpacked) return fail();
        r.keys = std::move(*unpacked);
        return true;
    }

private:
    bool fail() {
        failure_.fail(0);  // a short read of what was written
        return false;
    }
    void put_number(std::uint64_t n) {
        if (file_ != nullptr && std::fwrite(&n, sizeof n, 1, file_.get()) != 1) failure_.fail(errno);
    }
    void put(const std::string& s) {
        put_number(s.size());
        if (file_ != nullptr && !s.empty() && std::fwrite(s.data(), 1, s.size(), file_.get()) != s.size())
            failure_.fail(errno);
    }
    bool get_number(std::uint64_t& n) { return std::fread(&n, sizeof n, 1, file_.get()) == 1; }
    bool get(std::string& s) {
        std::uint64_t n = 0;
        if (!get_number(n)) return false;
        s.resize(static_cast<std::size_t>(n));
        return n == 0 || std::fread(s.data(), 1, s.size(), file_.get()) == s.size();
    }

    files::TempFileFailure failure_;  // before file_, whose opening may set it
    files::TempFile file_ = files::open_unnamed_temp_file(failure_);
};

}  // namespace tdbraze::sync
