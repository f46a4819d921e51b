// HTTP for the sync and the Currents replay: libcurl with connection reuse, HTTP/2 where offered, timeouts,
// the standard proxy variables, and TLS verification that cannot be turned off.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tdbraze::transport {

struct HttpOptions {
    std::string ca_bundle;  // a PEM file of extra trusted CAs (private CAs, test servers)
    long connect_timeout_ms = 10'000;
    long total_timeout_ms = 60'000;
    std::string user_agent = "tdbraze";
};

// Why a request got no HTTP answer. Each calls for something else: a wrong host name, a closed port and an
// untrusted certificate do not mend by waiting, a timeout or a dropped connection may.
enum class TransportFailure {
    None,  // an HTTP answer arrived
    NameNotResolved,  // the host's name (or the proxy's) does not resolve
    ConnectionRefused,  // nothing accepts connections at the host and port
    TlsVerification,  // the server's certificate (or its name) is not trusted
    Timeout,  // no answer in time (connecting or waiting)
    ConnectionLost,  // reset, closed early, a protocol or handshake failure
    UrlRefused,  // check_url refused the URL; nothing was attempted
    NoLibrary,  // libcurl cannot be loaded (curl_library.hpp); nothing was attempted
};

struct HttpResponse {
    long status = 0;  // 0 when no answer arrived
    std::string body;
    TransportFailure failure = TransportFailure::None;
    std::string network_error;  // set when the request failed below HTTP (connection, TLS, timeout)
    std::optional<long> retry_after_seconds;
    std::optional<long> rate_limit_reset;  // X-RateLimit-Reset, epoch seconds
    std::optional<long> rate_limit_remaining;  // X-RateLimit-Remaining
    std::string http_version;  // "1.1" or "2"
    bool ok() const { return network_error.empty() && status >= 200 && status < 300; }
};

// Refuses a URL the transport will not talk to: anything but https, except plain http to a loopback address
// (the local emulator). Returns the reason, or nothing when the URL is fine.
std::optional<std::string> check_url(const std::string& url);

// localhost, ::1 (bracketed or not) and 127.0.0.0/8: the addresses that never leave this machine.
bool is_loopback_host(const std::string& host);

// Process-wide libcurl set-up; make one before any client, keep it for the process. It loads libcurl
// (curl_library.hpp).
class HttpGlobal {
public:
    HttpGlobal();
    ~HttpGlobal();
    // Why nothing can be sent (libcurl cannot be loaded), or nothing: a command that sends says so first.
    std::optional<std::string> unavailable() const;
    HttpGlobal(const HttpGlobal&) = delete;
    HttpGlobal& operator=(const HttpGlobal&) = delete;
};

// One client per thread. Clients made from the same ConnectionShare reuse each other's connections, DNS
// answers and TLS sessions.
class ConnectionShare {
public:
    ConnectionShare();
    ~ConnectionShare();
    ConnectionShare(const ConnectionShare&) = delete;
    ConnectionShare& operator=(const ConnectionShare&) = delete;
    void* handle() const;
    // The clients using the share now (HttpClient joins in its constructor, leaves in its destructor).
    void join();
    void leave();
    long clients() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class HttpClient {
public:
    HttpClient(HttpOptions options, ConnectionShare* share = nullptr);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    HttpResponse post(const std::string& url, const std::string& body, const std::vector<std::string>& headers);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tdbraze::transport
