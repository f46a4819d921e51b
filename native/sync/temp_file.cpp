#include "temp_file.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace tdbraze::sync {

std::FILE* open_unnamed_temp_file() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
    path += "/tdbraze-spill-XXXXXX";
    const int fd = ::mkstemp(path.data());  // mode 0600
    if (fd < 0) return nullptr;
    ::unlink(path.c_str());
    std::FILE* file = ::fdopen(fd, "w+b");
    if (file == nullptr) ::close(fd);
    return file;
}

}  // namespace tdbraze::sync
