// JavaScript bindings of the core. They only convert between JS values and the core's types: every rule
// lives in core/, so the page and the native CLI give byte-identical reports.
#include <emscripten/bind.h>

#include <memory>
#include <string>

#include "tdbraze/currents.hpp"
#include "tdbraze/report_json.hpp"

namespace {

tdbraze::currents::Options currents_options(double now_epoch_seconds, bool strict, double max_diagnostics) {
    tdbraze::currents::Options options;
    options.now_epoch_seconds = static_cast<std::int64_t>(now_epoch_seconds);
    options.strict = strict;
    options.max_diagnostics = static_cast<std::uint64_t>(max_diagnostics);
    return options;
}

// Whole input at once: returns the JSON report (the same bytes as `tdbraze validate currents --format json`).
std::string validate_currents(const std::string& input, const std::string& source, double now_epoch_seconds,
                              bool strict, double max_diagnostics) {
    return tdbraze::to_json(
        tdbraze::currents::validate(input, currents_options(now_epoch_seconds, strict, max_diagnostics), source));
}

// Chunked validation for the Worker: feed pieces, read progress, finish for the report.
class CurrentsSession {
public:
    CurrentsSession(const std::string& source, double now_epoch_seconds, bool strict, double max_diagnostics)
        : validator_(currents_options(now_epoch_seconds, strict, max_diagnostics), source) {}
    void feed(const std::string& chunk) { validator_.feed(chunk); }
    double bytesConsumed() const { return static_cast<double>(validator_.bytes_consumed()); }
    std::string finish() { return tdbraze::to_json(validator_.finish()); }

private:
    tdbraze::currents::Validator validator_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(tdbraze) {
    emscripten::function("validateCurrents", &validate_currents);
    emscripten::class_<CurrentsSession>("CurrentsSession")
        .constructor<const std::string&, double, bool, double>()
        .function("feed", &CurrentsSession::feed)
        .function("bytesConsumed", &CurrentsSession::bytesConsumed)
        .function("finish", &CurrentsSession::finish);
}
