// The fastest JSON parser as a reference for `tdbraze validate currents`: simdjson (Debian's libsimdjson-dev)
// parsing the same file into its DOM on one thread, with no validation at all. A validator that checks every
// event against the catalogue can only approach this: it is the ceiling of "read the JSON", not a peer that
// checks anything.
//
//   simdjson_parse --many payload.jsonl   JSON Lines: parse_many over the file (one document per line)
//   simdjson_parse envelope.json          one document: DOM parse
//
// The file is loaded whole (padded_string::load, timed: tdbraze reads its file too). Every value of every
// document is visited, so that a lazy parse could not skip anything, and the `events` arrays are counted for
// the harness to check that every event was seen. Prints one JSON line like the Node scripts' summaries.
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

struct Counts {
    std::uint64_t documents = 0;
    std::uint64_t events = 0;
    std::uint64_t values = 0;
    std::uint64_t objects = 0;
    std::uint64_t string_bytes = 0;
};

void walk(simdjson::dom::element e, Counts& counts) {
    ++counts.values;
    switch (e.type()) {
        case simdjson::dom::element_type::ARRAY:
            for (simdjson::dom::element child : simdjson::dom::array(e)) walk(child, counts);
            break;
        case simdjson::dom::element_type::OBJECT:
            ++counts.objects;
            for (simdjson::dom::key_value_pair field : simdjson::dom::object(e)) walk(field.value, counts);
            break;
        case simdjson::dom::element_type::STRING:
            // The length is read from the string buffer, so the string is at least located, as a validator must.
            counts.string_bytes += std::string_view(e).size();
            break;
        default: break;
    }
}

// A Currents body is {"events":[...]}; anything else counts as a document with no events, a miscount the
// harness reports.
void visit_document(simdjson::dom::element doc, Counts& counts) {
    ++counts.documents;
    walk(doc, counts);
    simdjson::dom::array events;
    if (doc["events"].get(events) == simdjson::SUCCESS) counts.events += events.size();
}

int fail(const char* what, simdjson::error_code error) {
    std::fprintf(stderr, "simdjson_parse: %s: %s\n", what, simdjson::error_message(error));
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    bool many = false;
    const char* path = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--many") == 0) {
            many = true;
        } else if (path == nullptr) {
            path = argv[i];
        } else {
            path = nullptr;
            break;
        }
    }
    if (path == nullptr) {
        std::fprintf(stderr, "usage: simdjson_parse [--many] FILE\n");
        return 2;
    }

    const auto start = std::chrono::steady_clock::now();
    simdjson::padded_string json;
    if (auto error = simdjson::padded_string::load(path).get(json)) return fail(path, error);
    const auto loaded = std::chrono::steady_clock::now();

    simdjson::dom::parser parser;
#ifdef SIMDJSON_THREADS_ENABLED
    // parse_many would otherwise find the next batch's boundaries on a second thread; the goal compares tdbraze
    // with simdjson on one thread. (Built without -pthread, as run.sh does, the thread is not even compiled in.)
    parser.threaded = false;
#endif
    Counts counts;
    if (many) {
        simdjson::dom::document_stream stream;
        // simdjson's default batch (1 MB), its measured sweet spot, holds the largest line: the generator's are
        // about 65 kB (a batch larger than the largest line is all parse_many needs).
        if (auto error = parser.parse_many(json).get(stream)) {
            return fail("parse_many", error);
        }
        for (auto result : stream) {
            simdjson::dom::element doc;
            if (auto error = result.get(doc)) return fail("a document", error);
            visit_document(doc, counts);
        }
    } else {
        simdjson::dom::element doc;
        if (auto error = parser.parse(json).get(doc)) return fail("parse", error);
        visit_document(doc, counts);
    }
    const auto done = std::chrono::steady_clock::now();

    const auto seconds = [](auto from, auto to) { return std::chrono::duration<double>(to - from).count(); };
    std::printf(
        "{\"events\":%llu,\"errors\":0,\"documents\":%llu,\"values\":%llu,\"objects\":%llu,"
        "\"string_bytes\":%llu,\"load_seconds\":%.4f,\"parse_seconds\":%.4f,\"seconds\":%.4f,"
        "\"simdjson\":\"%d.%d.%d\",\"implementation\":\"%s\"}\n",
        static_cast<unsigned long long>(counts.events), static_cast<unsigned long long>(counts.documents),
        static_cast<unsigned long long>(counts.values), static_cast<unsigned long long>(counts.objects),
        static_cast<unsigned long long>(counts.string_bytes), seconds(start, loaded), seconds(loaded, done),
        seconds(start, done), simdjson::SIMDJSON_VERSION_MAJOR, simdjson::SIMDJSON_VERSION_MINOR,
        simdjson::SIMDJSON_VERSION_REVISION, simdjson::get_active_implementation()->name().c_str());
    return 0;
}
