// `tdbraze schema currents`: prints the event catalogue as a JSON Schema (core/src/currents_schema.cpp).
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "tdbraze/currents_schema.hpp"

namespace tdbraze::cli {

std::function<int()> add_schema_currents(CLI::App& schema) {
    auto strict = std::make_shared<bool>(false);
    CLI::App* cmd = schema.add_subcommand(
        "currents", "Print the Currents event catalogue as a JSON Schema (draft-07) of an HTTP connector body");
    cmd->add_flag("--strict", *strict,
                  "Allow no member or field outside the catalogue (where validate currents warns: unknown-field)");
    cmd->footer(
        "The schema rejects what validate currents reports as member-type, field-type, missing-member and\n"
        "missing-required-field errors; the other checks are tdbraze's alone. See docs/currents.md.");
    return [strict] {
        std::cout << currents::currents_json_schema(*strict);
        std::cout.flush();
        if (!std::cout) {
            std::cerr << "tdbraze: cannot write the schema to standard output\n";
            return kExitUsage;
        }
        return kExitOk;
    };
}

}  // namespace tdbraze::cli
