// Why an address and port cannot be listened on, in the OS's words: cpp-httplib's bind only says it failed.
#pragma once

#include <string>

namespace tdbraze::emulator {

// Binds a throwaway socket as the server does (SO_REUSEADDR, the same address lookup) and returns the reason
// it fails, such as "Address already in use" or "Permission denied"; empty when it binds now.
std::string bind_failure_reason(const std::string& host, int port);

}  // namespace tdbraze::emulator
