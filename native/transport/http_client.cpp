#include "http_client.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include <curl/curl.h>

#include "curl_library.hpp"
#include "tdbraze/text.hpp"

namespace tdbraze::transport {
namespace {

// The part between "scheme://" and the path: [userinfo@]host[:port].
std::string authority_of(const std::string& url) {
    const std::size_t start = url.find("://") + 3;
    const std::size_t end = url.find_first_of("/?#", start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The host of an authority without userinfo (check_url refuses those).
std::string host_of(const std::string& authority) {
    if (!authority.empty() && authority[0] == '[') return authority.substr(0, authority.find(']') + 1);
    return authority.substr(0, authority.find(':'));
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    auto* response = static_cast<HttpResponse*>(user);
    const std::string line(data, size * n);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
        const std::string name = ascii_lower(line.substr(0, colon));
        const long value = std::strtol(line.c_str() + colon + 1, nullptr, 10);
        if (name == "retry-after") response->retry_after_seconds = value;  // the seconds form; dates are rare
        else if (name == "x-ratelimit-reset") response->rate_limit_reset = value;
        else if (name == "x-ratelimit-remaining") response->rate_limit_remaining = value;
    }
    return size * n;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "[::1]" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::optional<std::string> check_url(const std::string& url) {
    const std::size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return "'" + url + "' is not a URL (expected https://...)";
    // user:password@ in the URL: Braze takes none, and the URL is shown in messages and logs. Refused without
    // repeating it, since the part before '@' may be a password.
    const std::string authority = authority_of(url);
    if (authority.find('@') != std::string::npos)
        return "the URL holds credentials before '@'; remove them (keys go in the environment or the config file)";
    const std::string scheme = ascii_lower(url.substr(0, scheme_end));
    if (scheme == "https") return std::nullopt;
    if (scheme == "http" && is_loopback_host(host_of(authority))) return std::nullopt;
    if (scheme == "http")
        return "plain http is only allowed to a loopback address (the local emulator); use https for '" + url + "'";
    return "unsupported URL scheme '" + scheme + "' (use https)";
}

HttpGlobal::HttpGlobal() {
    if (const CurlLibrary* curl = curl_library()) curl->global_init(CURL_GLOBAL_DEFAULT);
}
HttpGlobal::~HttpGlobal() {
    if (const CurlLibrary* curl = curl_library()) curl->global_cleanup();
}
std::optional<std::string> HttpGlobal::unavailable() const {
    if (curl_library() != nullptr) return std::nullopt;
    return curl_library_problem();
}

struct ConnectionShare::Impl {
    CURLSH* share = nullptr;
    std::mutex locks[CURL_LOCK_DATA_LAST];
    std::atomic<long> clients{0};
};

ConnectionShare::ConnectionShare() : impl_(std::make_unique<Impl>()) {
    const CurlLibrary* curl = curl_library();
    if (curl == nullptr) return;  // the clients say why
    impl_->share = curl->share_init();
    curl->share_setopt(
        impl_->share, CURLSHOPT_LOCKFUNC, +[](CURL*, curl_lock_data data, curl_lock_access, void* user) {
            static_cast<Impl*>(user)->locks[data].lock();
        });
    curl->share_setopt(
        impl_->share, CURLSHOPT_UNLOCKFUNC,
        +[](CURL*, curl_lock_data data, void* user) { static_cast<Impl*>(user)->locks[data].unlock(); });
    curl->share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
    curl->share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl->share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl->share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
}

ConnectionShare::~ConnectionShare() {
    if (impl_->share != nullptr) curl_library()->share_cleanup(impl_->share);
}
void* ConnectionShare::handle() const { return impl_->share; }

void ConnectionShare::join() { ++impl_->clients; }
void ConnectionShare::leave() { --impl_->clients; }
long ConnectionShare::clients() const { return impl_->clients.load(); }

struct HttpClient::Impl {
    HttpOptions options;
    const CurlLibrary* library = curl_library();
    CURL* curl = nullptr;
    ConnectionShare* share = nullptr;
};

namespace {

TransportFailure failure_of(CURLcode rc) {
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY: return TransportFailure::NameNotResolved;
        case CURLE_COULDNT_CONNECT: return TransportFailure::ConnectionRefused;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return TransportFailure::TlsVerification;
        case CURLE_OPERATION_TIMEDOUT: return TransportFailure::Timeout;
        default: return TransportFailure::ConnectionLost;
    }
}

}  // namespace

HttpClient::HttpClient(HttpOptions options, ConnectionShare* share) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    const CurlLibrary* curl = impl_->library;
    if (curl == nullptr) return;  // post() says why
    impl_->curl = curl->easy_init();
    impl_->share = share;
    CURL* c = impl_->curl;
    if (share != nullptr) {
        curl->easy_setopt(c, CURLOPT_SHARE, share->handle());
        share->join();
    }
    curl->easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);  // h2 over TLS when offered
    curl->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, impl_->options.connect_timeout_ms);
    curl->easy_setopt(c, CURLOPT_TIMEOUT_MS, impl_->options.total_timeout_ms);
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
    curl->easy_setopt(c, CURLOPT_USERAGENT, impl_->options.user_agent.c_str());
    curl->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would re-send secrets elsewhere
    if (!impl_->options.ca_bundle.empty()) curl->easy_setopt(c, CURLOPT_CAINFO, impl_->options.ca_bundle.c_str());
    // Proxies: libcurl reads https_proxy, http_proxy, all_proxy and no_proxy from the environment itself.
}

HttpClient::~HttpClient() {
    if (impl_->curl != nullptr) impl_->library->easy_cleanup(impl_->curl);
    if (impl_->share != nullptr) impl_->share->leave();
}

HttpResponse HttpClient::post(const std::string& url, const std::string& body,
                              const std::vector<std::string>& headers) {
    HttpResponse response;
    if (auto problem = check_url(url)) {
        response.network_error = *problem;
        response.failure = TransportFailure::UrlRefused;
        return response;
    }
    const CurlLibrary* curl = impl_->library;
    if (curl == nullptr || impl_->curl == nullptr) {
        response.network_error =
            curl == nullptr ? curl_library_problem() : "libcurl could not make a connection handle";
        response.failure = TransportFailure::NoLibrary;
        return response;
    }
    CURL* c = impl_->curl;
    curl_slist* list = nullptr;
    list = curl->slist_append(list, "Content-Type: application/json");
    list = curl->slist_append(list, "Expect:");  // no 100-continue round trip for bodies over 1 KB
    for (const std::string& h : headers) list = curl->slist_append(list, h.c_str());
    char error[CURL_ERROR_SIZE] = {0};
    curl->easy_setopt(c, CURLOPT_URL, url.c_str());
    // Plain http is allowed only to loopback, and through an http_proxy it would hand the body, secrets and
    // all, to the proxy in clear text: loopback never goes through a proxy. Other hosts follow the
    // environment (https_proxy, no_proxy), where a proxy only tunnels TLS.
    curl->easy_setopt(c, CURLOPT_NOPROXY, is_loopback_host(host_of(authority_of(url))) ? "*" : nullptr);
    curl->easy_setopt(c, CURLOPT_POST, 1L);
    curl->easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl->easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl->easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
    curl->easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    curl->easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
    curl->easy_setopt(c, CURLOPT_HEADERDATA, &response);
    curl->easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    // libcurl trims a shared connection cache to the limit of the handle handing back a connection (its
    // default is 5) by closing the oldest idle one: with more clients than that, almost every request closed
    // another thread's connection and the next one opened a new one (about 980 connections for 1,000 requests
    // on 16 threads, against 200 with room for all). A shared cache never holds more connections than its
    // clients had open at once, so the limit can be generous: room for the sync's most threads, or for every
    // client, whichever is more (counting only the clients would still close connections while the first
    // threads send and the last ones are being made).
    if (impl_->share != nullptr) curl->easy_setopt(c, CURLOPT_MAXCONNECTS, std::max(64L, impl_->share->clients()));
    const CURLcode rc = curl->easy_perform(c);
    if (rc != CURLE_OK) {
        response.network_error = error[0] != '\0' ? error : curl->easy_strerror(rc);
        response.failure = failure_of(rc);
        response.status = 0;
        response.body.clear();
    } else {
        curl->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
        long version = 0;
        curl->easy_getinfo(c, CURLINFO_HTTP_VERSION, &version);
        response.http_version = version == CURL_HTTP_VERSION_2_0 ? "2" : version == CURL_HTTP_VERSION_3 ? "3" : "1.1";
    }
    curl->easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl->easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    curl->slist_free_all(list);
    return response;
}

}  // namespace tdbraze::transport
