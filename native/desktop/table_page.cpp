#include "table_page.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <variant>

#include "error.hpp"
#include "input_file.hpp"
#include "tdbraze/cohort.hpp"
#include "tdbraze/table_preview.hpp"

namespace tdbraze::desktop {

TablePage read_table_page(const std::string& path, std::uint64_t first_row, std::size_t count,
                          cohort::TableFormat format) {
    TablePage page;
    page.path = path;
    page.first_row = std::max<std::uint64_t>(first_row, 1);
    auto opened = files::open_input(path);  // the CLI's messages: the OS's reason, a directory named as such
    if (const auto* message = std::get_if<std::string>(&opened)) {
        page.error = *message;
        return page;
    }
    std::FILE* const file = std::get<files::InputFile>(opened).get();
    // The core's own reader: the preview agrees with the planner cell for cell and column for column.
    cohort::TablePreview preview(format, page.first_row, count);
    std::vector<char> buffer(64 * 1024);
    while (!preview.full()) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
        if (n == 0) break;
        preview.feed(std::string_view(buffer.data(), n));
    }
    if (const int error = errno; std::ferror(file) != 0)
        page.error = "cannot read '" + path + "': " + system_reason(error);
    if (!preview.full()) preview.finish();
    const cohort::PreviewPage& read = preview.page();
    page.columns = read.columns;
    page.more_rows = read.more_rows;
    page.format = read.format;
    page.rows = read.rows;
    return page;
}

ColumnRole column_role(std::string_view name, const std::vector<std::string>& alias_columns,
                       const std::vector<std::string>& columns) {
    if (name == cohort::kUserIds) return ColumnRole::UserIds;
    if (name == cohort::kDeviceIds) return ColumnRole::DeviceIds;
    if (std::find(alias_columns.begin(), alias_columns.end(), name) != alias_columns.end()) return ColumnRole::Alias;
    const std::string_view intended = cohort::intended_identifier(name);
    if (!intended.empty() && std::find(columns.begin(), columns.end(), intended) == columns.end())
        return ColumnRole::NearMiss;
    return ColumnRole::Ignored;
}

std::string_view intended_column(std::string_view name) { return cohort::intended_identifier(name); }

}  // namespace tdbraze::desktop
