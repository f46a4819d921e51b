// libcurl, loaded when a command first sends something rather than when tdbraze starts. Linked, libcurl and
// the libraries it brings in (TLS, HTTP/2, IDN, Kerberos, LDAP, SSH: about thirty) took 2.4 ms of every start
// of tdbraze, a third of validating a small file in a pre-commit hook, for commands that never send.
//
// Why not a library: dlopen and dlsym are the loader's own API; the table below names the functions used.
#pragma once

#include <string>

#include <curl/curl.h>

namespace tdbraze::transport {

// The libcurl functions tdbraze calls, as the loaded library has them.
struct CurlLibrary {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)();
    CURL* (*easy_init)();
    CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL* handle);
    CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
    void (*easy_cleanup)(CURL* handle);
    const char* (*easy_strerror)(CURLcode code);
    curl_slist* (*slist_append)(curl_slist* list, const char* text);
    void (*slist_free_all)(curl_slist* list);
    CURLSH* (*share_init)();
    CURLSHcode (*share_setopt)(CURLSH* share, CURLSHoption option, ...);
    CURLSHcode (*share_cleanup)(CURLSH* share);
};

// The library, loaded on the first call (from any thread), or nullptr when it cannot be: then
// curl_library_problem() says why, in one sentence that says what to install.
const CurlLibrary* curl_library();
std::string curl_library_problem();

}  // namespace tdbraze::transport
