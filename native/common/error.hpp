// The one error type of native/: what went wrong (a code from one enum) and where (a message that names the
// file, the endpoint or the batch). Functions that can fail at a boundary return Result<T>; nothing throws
// across a thread, and the command line turns every Error into one line and one exit status (error.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <tl/expected.hpp>  // C++20 has no std::expected; Debian's tl-expected is the same API

namespace tdbraze {

enum class ErrorCode : std::uint8_t {
    // How tdbraze was asked: options that do not fit together, a refused URL, a secret on the command line.
    Usage,
    // An input or credentials file that cannot be opened or read (the message carries the OS's reason).
    InputUnreadable,
    // A temporary file (spooled standard input, the planned requests) that cannot be written or read back.
    TempFile,
    // An output the user asked for (standard output, a plan's requests.jsonl) that cannot be written in full.
    OutputUnwritable,
    // The state database: its disk is full, it is read-only, it is damaged, another sync holds it, a newer
    // tdbraze wrote it, or any other SQLite failure. Kept together, first to last: is_state_error.
    StateDiskFull,
    StateReadOnly,
    StateCorrupt,
    StateLocked,
    StateNewerLayout,
    StateFailed,
    // The network, before any answer: the host's name does not resolve, nothing listens at the port, the
    // server's certificate is not trusted.
    NameNotResolved,
    ConnectionRefused,
    TlsVerification,
    // The receiver answered, and retrying cannot help (401, 403, 404, 400 ...), or retries ran out.
    ReceiverRefused,
    RetriesExhausted,
    // The table changed between the check and the send.
    TableChanged,
    // A bug: an exception nobody expected.
    Internal,
};

// A stable name for logs and JSON ("state-disk-full"); parsed back by error_code_from_string.
std::string_view to_string(ErrorCode code);
bool error_code_from_string(std::string_view name, ErrorCode& out);

// What the code means, for a person, in a few words ("the state database's disk is full").
std::string_view describe(ErrorCode code);

// Whether a run stopped by this error can be continued with --resume once its cause is fixed (the state
// kept everything that was confirmed).
bool resumable(ErrorCode code);

// What a failed run's last line ends with: for a resumable code, "; once that is fixed, run again with
// --resume"; else nothing.
std::string_view resume_advice(ErrorCode code);

// Whether the state database is what failed (the State... codes): a run stopped by one cannot record its
// own end either.
bool is_state_error(ErrorCode code);

// The system's words for an errno value ("No space left on device"), and what to do where the words alone do
// not say (too many open files: the limit to raise). Take errno into a local before building a message around
// it: the string operations that build it may change errno first.
std::string system_reason(int error);

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;  // already redacted: names the place and says what to do
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
    return tl::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace tdbraze
