#include "error.hpp"

#include <array>
#include <cerrno>
#include <system_error>

namespace tdbraze {
namespace {

struct CodeText {
    ErrorCode code;
    std::string_view name;
    std::string_view description;
    bool resumable;
};

// One row per code, in the enum's order (checked below): the only place a code is named or described.
constexpr std::array kCodes{
    CodeText{ErrorCode::Usage, "usage", "the command cannot run as given", false},
    CodeText{ErrorCode::InputUnreadable, "input-unreadable", "an input cannot be read", false},
    CodeText{ErrorCode::TempFile, "temp-file", "a temporary file cannot be written or read back", true},
    CodeText{ErrorCode::OutputUnwritable, "output-unwritable", "an output cannot be written in full", false},
    CodeText{ErrorCode::StateDiskFull, "state-disk-full", "the state database's disk is full", true},
    CodeText{ErrorCode::StateReadOnly, "state-read-only", "the state database cannot be written (read-only)", true},
    CodeText{ErrorCode::StateCorrupt, "state-corrupt", "the state database is damaged or not a tdbraze state file",
             false},
    CodeText{ErrorCode::StateLocked, "state-locked", "another sync holds the state database", true},
    CodeText{ErrorCode::StateNewerLayout, "state-newer-layout", "a newer tdbraze wrote the state database", false},
    CodeText{ErrorCode::StateFailed, "state-failed", "the state database failed", true},
    CodeText{ErrorCode::NameNotResolved, "name-not-resolved", "the endpoint's host name does not resolve", true},
    CodeText{ErrorCode::ConnectionRefused, "connection-refused", "nothing accepts connections at the endpoint", true},
    CodeText{ErrorCode::TlsVerification, "tls-verification", "the endpoint's TLS certificate is not trusted", true},
    CodeText{ErrorCode::ReceiverRefused, "receiver-refused", "the receiver refused the request", true},
    CodeText{ErrorCode::RetriesExhausted, "retries-exhausted", "requests failed after every retry", true},
    CodeText{ErrorCode::TableChanged, "table-changed", "the table changed while it was read", true},
    CodeText{ErrorCode::Internal, "internal", "an internal error", false},
};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < kCodes.size(); ++i)
        if (static_cast<std::size_t>(kCodes[i].code) != i) return false;
    return true;
}
static_assert(in_enum_order(), "kCodes lists every ErrorCode once, in the enum's order");

const CodeText& text_of(ErrorCode code) { return kCodes[static_cast<std::size_t>(code)]; }

}  // namespace

std::string_view to_string(ErrorCode code) { return text_of(code).name; }
std::string_view describe(ErrorCode code) { return text_of(code).description; }

std::string system_reason(int error) {
    // std::generic_category's words are strerror's, without its shared buffer.
    std::string words = std::generic_category().message(error);
    if (error == EMFILE) words += " (ulimit -n)";
    return words;
}
bool resumable(ErrorCode code) { return text_of(code).resumable; }

std::string_view resume_advice(ErrorCode code) {
    return resumable(code) ? "; once that is fixed, run again with --resume" : "";
}
bool is_state_error(ErrorCode code) { return code >= ErrorCode::StateDiskFull && code <= ErrorCode::StateFailed; }

bool error_code_from_string(std::string_view name, ErrorCode& out) {
    for (const CodeText& c : kCodes)
        if (c.name == name) {
            out = c.code;
            return true;
        }
    return false;
}

}  // namespace tdbraze
