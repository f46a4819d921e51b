// Telling a compressed, Avro or binary file from text by its first bytes.
#include "not_text.hpp"

#include <array>

#include "utf8.hpp"

namespace tdbraze {
namespace {

struct Magic {
    std::string_view bytes;
    std::string_view what;
    std::string_view hint;
};

// The files people save a payload or an export as, by the magic number they start with.
constexpr std::array<Magic, 8> kMagic{{
    {"\x1f\x8b", "this looks like a gzip file", "decompress it first (gunzip FILE), then check what it holds"},
    {"PK\x03\x04", "this looks like a zip file", "unzip it first, then check the files it holds"},
    {"\x28\xb5\x2f\xfd", "this looks like a zstd file", "decompress it first (zstd -d FILE), then check what it holds"},
    {"BZh", "this looks like a bzip2 file", "decompress it first (bunzip2 FILE), then check what it holds"},
    {std::string_view("\xfd"
                      "7zXZ\0",
                      6),
     "this looks like an xz file", "decompress it first (unxz FILE), then check what it holds"},
    {"Obj\x01", "this looks like an Avro file (how Currents writes to cloud storage)",
     "convert it to JSON first (avro-tools tojson FILE), then check the events"},
    {"\xff\xfe", "this is UTF-16 text (it starts with a UTF-16 byte order mark)", "save it again as UTF-8"},
    {"\xfe\xff", "this is UTF-16 text (it starts with a UTF-16 byte order mark)", "save it again as UTF-8"},
}};

std::string hex_byte(unsigned char c) {
    constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[c >> 4] + kDigits[c & 0xf];
}

}  // namespace

std::optional<NotText> recognise_not_text(std::string_view head, bool whole) {
    for (const Magic& m : kMagic)
        if (head.substr(0, m.bytes.size()) == m.bytes) return NotText{std::string(m.what), std::string(m.hint)};
    const std::string text_hint =
        "give the text itself, encoded as UTF-8 (a file saved as UTF-16 must be saved again "
        "as UTF-8)";
    for (std::size_t i = 0; i < head.size(); ++i) {
        const auto c = static_cast<unsigned char>(head[i]);
        if (c == 0)
            return NotText{"byte " + std::to_string(i + 1) + " is a NUL byte, which text never holds", text_hint};
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            return NotText{"byte " + std::to_string(i + 1) + " is the control character " + hex_byte(c), text_hint};
    }
    const std::size_t bad = utf8::find_invalid(head);
    if (bad == std::string_view::npos) return std::nullopt;
    std::size_t length = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(head.data()) + bad;
    if (!whole && utf8::check_sequence(p, head.size() - bad, length) == utf8::Sequence::Truncated)
        return std::nullopt;  // a character cut by the end of the head, not a bad one
    return NotText{"byte " + std::to_string(bad + 1) + " (" + hex_byte(*p) + ") is not UTF-8", text_hint};
}

}  // namespace tdbraze
