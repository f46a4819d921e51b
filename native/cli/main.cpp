// tdbraze: validate Braze Currents payloads and Treasure Data cohort tables; plan and send Braze requests.
#include <exception>
#include <iostream>
#include <memory>
#include <new>
#include <string>

#include <unistd.h>

#include "commands.hpp"
#include "output_file.hpp"
#include "unknown_argument.hpp"
#include "version_text.hpp"

namespace {

// Every error ends in one line and a documented exit status, a bug too: never "terminate called" and a core
// dump. Reached for an exception that escaped a thread, and from main for one that escaped a command.
[[noreturn]] void exit_on_internal_error() {
    std::string line = "tdbraze: internal error: an unknown exception";
    if (const std::exception_ptr e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::bad_alloc&) {
            line =
                "tdbraze: out of memory (std::bad_alloc): for a large table pass --dedupe disk, which keeps memory "
                "flat, or give tdbraze more memory";
        } catch (const std::exception& x) {
            line = std::string("tdbraze: internal error: ") + x.what();
        } catch (...) {}
    }
    if (line.rfind("tdbraze: internal error", 0) == 0)
        line += "; please report it with the command and the output of tdbraze --version";
    line += '\n';
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, line.data(), line.size());
    ::_exit(tdbraze::cli::kExitUsage);
}

// `output_is_the_result`: set to false for the commands whose work is sending (sync, send) or serving
// (emulate, web), whose standard output is a log beside it.
int run_command(int argc, char** argv, bool& output_is_the_result);

}  // namespace

int main(int argc, char** argv) {
    std::set_terminate(&exit_on_internal_error);
    // Every write to standard output is checked: a report cut short by a full disk ends in status 2 and a line
    // that says so, not in status 0 (stdio's own buffer keeps a failure to itself).
    const std::unique_ptr<tdbraze::files::OutputFile> out = tdbraze::files::OutputFile::standard_output();
    std::streambuf* const stdio = std::cout.rdbuf(out.get());
    int status = tdbraze::cli::kExitUsage;
    bool output_is_the_result = true;
    try {
        status = run_command(argc, argv, output_is_the_result);
    } catch (...) {
        exit_on_internal_error();
    }
    const tdbraze::Status written = out->finish();
    std::cout.rdbuf(stdio);
    if (!written) {
        std::cerr << "tdbraze: " << written.error().message << "; the output is incomplete\n";
        // A sync's status says what was sent (its state file has it all); a report or a plan that is cut short
        // is a failed command.
        if (output_is_the_result) return tdbraze::cli::kExitUsage;
    }
    return status;
}

namespace {

int run_command(int argc, char** argv, bool& output_is_the_result) {
    using namespace tdbraze::cli;
    CLI::App app{"tdbraze: Braze <-> Treasure Data toolkit (Currents payloads, cohort tables)", "tdbraze"};
    // CLI11's own messages (missing arguments, bad values) start, line by line, as every other message does.
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return "tdbraze: " + std::string(e.what()) + "\ntdbraze: tdbraze --help lists the commands and options\n";
    });
    app.set_version_flag("--version", &version_text, "Print the version, the commit and the event catalogue's version");
    app.require_subcommand(1);

    CLI::App* validate = app.add_subcommand("validate", "Check an input and report every problem");
    validate->require_subcommand(1);
    const auto run_validate_currents = add_validate_currents(*validate);
    const auto run_validate_cohort = add_validate_cohort(*validate);

    CLI::App* plan = app.add_subcommand("plan", "Plan the exact requests an input becomes, without sending");
    plan->require_subcommand(1);
    const auto run_plan_cohort = add_plan_cohort(*plan);

    CLI::App* check = app.add_subcommand("check", "Check something that is not data yet (a query)");
    check->require_subcommand(1);
    const auto run_check_sql = add_check_sql(*check);

    CLI::App* sql = app.add_subcommand("sql", "Print SQL for Treasure Data (one view per Currents event type)");
    sql->require_subcommand(1);
    const auto run_sql_currents = add_sql_currents(*sql);

    CLI::App* schema = app.add_subcommand("schema", "Print a JSON Schema of an input (for other tools)");
    schema->require_subcommand(1);
    const auto run_schema_currents = add_schema_currents(*schema);

    CLI::App* sync = app.add_subcommand("sync", "Send changes to Braze for real");
    sync->require_subcommand(1);
    const auto run_sync_cohort = add_sync_cohort(*sync);

    CLI::App* send = app.add_subcommand("send", "Send a payload to a receiver");
    send->require_subcommand(1);
    const auto run_send_currents = add_send_currents(*send);

    const auto run_emulate = add_emulate(app);
    const auto run_web = add_web(app);
    const auto run_help = add_help(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // A misspelt subcommand or option is named with what was probably meant, before what CLI11 makes of it.
        if (const std::string unknown = unknown_argument_message(app, argc, argv); !unknown.empty()) {
            std::cerr << unknown;
            return kExitUsage;
        }
        app.exit(e);
        return kExitUsage;
    }
    output_is_the_result = !sync->got_subcommand("cohort") && !send->got_subcommand("currents") &&
                           !app.got_subcommand("emulate") && !app.got_subcommand("web");
    if (validate->got_subcommand("currents")) return run_validate_currents();
    if (validate->got_subcommand("cohort")) return run_validate_cohort();
    if (plan->got_subcommand("cohort")) return run_plan_cohort();
    if (check->got_subcommand("sql")) return run_check_sql();
    if (sql->got_subcommand("currents")) return run_sql_currents();
    if (schema->got_subcommand("currents")) return run_schema_currents();
    if (sync->got_subcommand("cohort")) return run_sync_cohort();
    if (send->got_subcommand("currents")) return run_send_currents();
    if (app.got_subcommand("emulate")) return run_emulate();
    if (app.got_subcommand("web")) return run_web();
    if (app.got_subcommand("help")) return run_help();
    return kExitUsage;
}

}  // namespace
