#include "input_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <sys/stat.h>

namespace tdbraze::cli {

std::optional<std::string> read_in_chunks(const std::string& path,
                                          const std::function<void(std::string_view)>& on_chunk) {
    constexpr std::size_t kChunk = 1 << 20;
    std::FILE* file = stdin;
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> owner(nullptr, &std::fclose);
    if (path != "-") {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
            return "cannot read '" + path + "': it is a directory; give a file";
        file = std::fopen(path.c_str(), "rb");
        if (file == nullptr) return "cannot open '" + path + "': " + std::strerror(errno);
        owner.reset(file);
    }
    std::vector<char> buffer(kChunk);
    for (;;) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
        if (n > 0) on_chunk(std::string_view(buffer.data(), n));
        if (n < buffer.size()) {
            if (std::ferror(file)) return "cannot read '" + path + "': " + std::strerror(errno);
            return std::nullopt;
        }
    }
}

}  // namespace tdbraze::cli
