#include "exit_status.hpp"

#include <iostream>

namespace tdbraze::cli {

int report_error(const Error& error) {
    std::cerr << "tdbraze: " << error.message << '\n';
    return kExitUsage;
}

int exit_status(sync::Outcome outcome) {
    switch (outcome) {
        case sync::Outcome::Completed:
        case sync::Outcome::NothingToDo: return kExitOk;
        case sync::Outcome::Refused: return kExitUsage;
        case sync::Outcome::InvalidTable:
        case sync::Outcome::Interrupted:
        case sync::Outcome::Failed: return kExitFindings;
    }
    return kExitFindings;
}

}  // namespace tdbraze::cli
