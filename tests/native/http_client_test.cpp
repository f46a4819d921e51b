// The transport against a local cpp-httplib server: connections are kept, not churned.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"

using namespace tdbraze::transport;

TEST_CASE("clients sharing a connection cache keep one connection each, however many threads", "[transport]") {
    HttpGlobal global;
    httplib::Server server;
    // A server that keeps connections as long as the test runs, so that every new connection is the client's
    // doing; and a worker per connection, so that none waits for another to close.
    server.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server.set_keep_alive_max_count(100000);
    server.set_keep_alive_timeout(30);
    server.set_tcp_nodelay(true);
    std::mutex mutex;
    std::set<int> client_ports;  // one per connection the clients opened
    server.Post("/echo", [&](const httplib::Request& req, httplib::Response& res) {
        {
            std::lock_guard lock(mutex);
            client_ports.insert(req.remote_port);
        }
        res.set_content("{}", "application/json");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    std::thread listener([&] { server.listen_after_bind(); });
    for (int waited_ms = 0; !server.is_running() && waited_ms < 5000; ++waited_ms)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));

    // More threads than libcurl's default cache of 5, which closed an idle connection of another thread
    // whenever one was handed back: about one new connection per request.
    constexpr int kThreads = 12, kRequests = 25;
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/echo";
    {
        ConnectionShare share;
        std::vector<std::thread> threads;
        std::mutex failures_mutex;
        std::vector<std::string> failures;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&] {
                HttpClient client(HttpOptions{}, &share);
                for (int i = 0; i < kRequests; ++i) {
                    const HttpResponse r = client.post(url, std::string(2000, 'x'), {});
                    if (!r.ok()) {
                        std::lock_guard lock(failures_mutex);
                        failures.push_back(std::to_string(r.status) + " " + r.network_error);
                    }
                }
            });
        for (auto& t : threads) t.join();
        CHECK(failures.empty());
    }
    server.stop();
    listener.join();
    INFO(client_ports.size() << " connections for " << kThreads * kRequests << " requests");
    CHECK(client_ports.size() <= static_cast<std::size_t>(kThreads));
}
