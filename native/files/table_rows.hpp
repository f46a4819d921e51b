// Reading a table file as rows: its bytes are read and split into rows on a reading thread, while the
// calling thread checks the rows before (cohort::RowReader). Every native command that checks a table reads
// it through here.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "tdbraze/cohort.hpp"

namespace tdbraze::files {

// Calls on_rows with the rows of `path` ("-" is standard input) as `reader` reads them, in order, on the
// calling thread, with how many bytes of the input they took (for progress); last with the rows the end of
// the input completes. The rows may only be used during the call. on_read sees each piece of the input
// first, on the reading thread: the same pieces as read_in_chunks gives. Errors as for read_in_chunks; an
// exception from on_rows or on_read stops the reading and is passed on.
std::optional<std::string> read_table_rows(
    const std::string& path, cohort::RowReader reader,
    const std::function<void(const cohort::RowBatch& rows, std::size_t bytes)>& on_rows,
    const std::function<void(std::string_view)>& on_read = nullptr);

}  // namespace tdbraze::files
