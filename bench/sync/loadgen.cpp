// The emulator's capacity: a minimal client that sends a ready plan (`tdbraze plan cohort --out DIR` writes
// it as requests.jsonl) as fast as the emulator answers, on N threads, and prints what it measured as one
// JSON line. It is what the sync is compared with, so it does as little as a client can: every body is
// built (secrets filled in) before the clock starts, each thread keeps one libcurl handle and so one
// keep-alive connection, and nothing is parsed, retried, logged or recorded. A non-2xx answer is counted,
// not retried: a capacity run must not see any (the benchmark checks).
//
//   TDBRAZE_PARTNER_API_KEY=... TDBRAZE_CLIENT_SECRET=... \
//     loadgen --url http://127.0.0.1:PORT --requests plan/requests.jsonl --threads 16
//
// Built by bench/sync/run.sh: c++ -O2 -std=c++17 -pthread loadgen.cpp -lcurl
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

namespace {

struct Request {
    std::string url;
    std::string body;
    std::size_t ids = 0;
};

// The plan's bodies carry placeholders where the secrets go, as JSON strings; they are replaced whole.
void fill(std::string& body, const std::string& placeholder, const std::string& secret) {
    const std::string quoted = "\"" + placeholder + "\"";
    const std::size_t at = body.find(quoted);
    if (at != std::string::npos) body.replace(at, quoted.size(), nlohmann::json(secret).dump());
}

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

struct Counts {
    std::atomic<std::size_t> ok{0}, failed{0}, ids{0};
};

// One POST on `curl`, which keeps its connection open between calls. True on 2xx.
bool post(CURL* curl, const Request& r) {
    curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    if (curl_easy_perform(curl) != CURLE_OK) return false;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status >= 200 && status < 300;
}

CURL* make_handle(curl_slist* headers) {
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    return curl;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    std::string base, plan;
    int threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--url")) base = argv[i + 1];
        else if (!std::strcmp(argv[i], "--requests")) plan = argv[i + 1];
        else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    }
    const char* key = std::getenv("TDBRAZE_PARTNER_API_KEY");
    const char* secret = std::getenv("TDBRAZE_CLIENT_SECRET");
    if (base.empty() || plan.empty() || threads < 1 || !key || !secret) {
        std::cerr << "usage: TDBRAZE_PARTNER_API_KEY=.. TDBRAZE_CLIENT_SECRET=.. loadgen --url BASE --requests "
                     "requests.jsonl [--threads N]\n";
        return 2;
    }

    std::vector<Request> requests;
    std::ifstream in(plan);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        // ordered_json keeps the keys in the plan's order, so the body sent is the planned one byte for byte
        // apart from the secrets.
        const auto doc = nlohmann::ordered_json::parse(line);
        Request r;
        r.url = base + doc.at("path").get<std::string>();
        r.body = doc.at("body").dump();
        fill(r.body, "<partner_api_key>", key);
        fill(r.body, "<client_secret>", secret);
        for (const auto& change : doc.at("body").value("cohort_changes", nlohmann::ordered_json::array()))
            for (const char* field : {"user_ids", "device_ids", "aliases"})
                if (change.contains(field)) r.ids += change.at(field).size();
        requests.push_back(std::move(r));
    }
    if (requests.empty()) {
        std::cerr << "loadgen: no requests in " << plan << '\n';
        return 2;
    }

    curl_global_init(CURL_GLOBAL_DEFAULT);
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    // Without this libcurl waits up to a second for "100 Continue" before sending a body over 1 KiB.
    headers = curl_slist_append(headers, "Expect:");

    // The naming call goes first and alone, as the sync sends it, and outside the timing.
    Counts counts;
    std::size_t first = 0;
    if (requests[0].ids == 0) {
        CURL* curl = make_handle(headers);
        if (!post(curl, requests[0])) ++counts.failed;
        curl_easy_cleanup(curl);
        first = 1;
    }

    std::atomic<std::size_t> next{first};
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            CURL* curl = make_handle(headers);
            for (std::size_t i; (i = next.fetch_add(1)) < requests.size();) {
                if (post(curl, requests[i])) {
                    ++counts.ok;
                    counts.ids += requests[i].ids;
                } else {
                    ++counts.failed;
                }
            }
            curl_easy_cleanup(curl);
        });
    for (auto& t : pool) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    curl_slist_free_all(headers);
    curl_global_cleanup();

    const std::size_t sent = requests.size() - first;
    std::cout << nlohmann::ordered_json{{"threads", threads},
                                        {"requests", sent},
                                        {"ok", counts.ok.load()},
                                        {"failed", counts.failed.load()},
                                        {"ids", counts.ids.load()},
                                        {"seconds", seconds},
                                        {"requests_per_s", static_cast<double>(sent) / seconds},
                                        {"ids_per_s", static_cast<double>(counts.ids.load()) / seconds},
                                        {"cpu_seconds", cpu}}
                     .dump()
              << '\n';
    return counts.failed.load() == 0 ? 0 : 1;
}
