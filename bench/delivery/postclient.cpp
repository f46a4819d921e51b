// The Postback receiver's capacity: a minimal client that POSTs ready request bodies, one per line of a file
// (generate_payload.py's JSON Lines are already Currents batches of 100 events), to one URL on N threads, as
// fast as the emulator answers, and prints what it measured as one JSON line. It is what `tdbraze send
// currents` is compared with, so it does as little as a client can: the file is read into memory before the
// clock starts, each thread keeps one libcurl handle and so one keep-alive connection, and nothing is parsed,
// checked, retried or recorded. A non-2xx answer is counted, not retried: a capacity run must see none.
//
//   TDBRAZE_TD_WRITE_KEY=... postclient --url http://127.0.0.1:PORT/postback/v3/event/DB/TABLE
//                                       --bodies payload.jsonl --threads 16
//
// Built by bench/delivery/run.sh: c++ -O2 -std=c++17 -pthread postclient.cpp -lcurl
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <sys/resource.h>

namespace {

std::size_t discard(char*, std::size_t size, std::size_t n, void*) { return size * n; }

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    std::string url, path;
    int threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--url")) url = argv[i + 1];
        else if (!std::strcmp(argv[i], "--bodies")) path = argv[i + 1];
        else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    }
    const char* key = std::getenv("TDBRAZE_TD_WRITE_KEY");
    if (url.empty() || path.empty() || threads < 1 || !key) {
        std::cerr << "usage: TDBRAZE_TD_WRITE_KEY=.. postclient --url URL --bodies FILE.jsonl [--threads N]\n";
        return 2;
    }

    // The whole file, then views of its lines: no copy per body, and the newline is not sent.
    std::ifstream in(path, std::ios::binary);
    std::ostringstream whole;
    whole << in.rdbuf();
    const std::string text = whole.str();
    std::vector<std::string_view> bodies;
    for (std::size_t at = 0; at < text.size();) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        if (end > at) bodies.emplace_back(text.data() + at, end - at);
        at = end + 1;
    }
    if (bodies.empty()) {
        std::cerr << "postclient: no bodies in " << path << '\n';
        return 2;
    }

    curl_global_init(CURL_GLOBAL_DEFAULT);
    // The headers Braze's connector sends, and the Postback API's key.
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Braze-Currents-Version: 1");
    headers = curl_slist_append(headers, ("X-TD-Write-Key: " + std::string(key)).c_str());
    // Without this libcurl waits up to a second for "100 Continue" before sending a body over 1 KiB.
    headers = curl_slist_append(headers, "Expect:");

    std::atomic<std::size_t> next{0}, ok{0}, failed{0}, bytes{0};
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&] {
            CURL* curl = curl_easy_init();
            curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
            curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
            curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
            curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
            curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
            for (std::size_t i; (i = next.fetch_add(1)) < bodies.size();) {
                curl_easy_setopt(curl, CURLOPT_POSTFIELDS, bodies[i].data());
                curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(bodies[i].size()));
                long status = 0;
                if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
                if (status >= 200 && status < 300) {
                    ++ok;
                    bytes += bodies[i].size();
                } else {
                    ++failed;
                }
            }
            curl_easy_cleanup(curl);
        });
    for (auto& t : pool) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    curl_slist_free_all(headers);
    curl_global_cleanup();

    std::cout << "{\"threads\":" << threads << ",\"requests\":" << bodies.size() << ",\"ok\":" << ok.load()
              << ",\"failed\":" << failed.load() << ",\"bytes\":" << bytes.load() << ",\"seconds\":" << seconds
              << ",\"cpu_seconds\":" << cpu << "}\n";
    return failed.load() == 0 ? 0 : 1;
}
