#include "clock.hpp"
#include "view_model.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>

#include <unistd.h>

#include "braze_instances.hpp"
#include "credentials.hpp"
#include "currents_in_parts.hpp"
#include "td_postback.hpp"
#include "temp_file.hpp"
#include "tdbraze/text.hpp"

namespace tdbraze::desktop {
namespace {

namespace fs = std::filesystem;

// Settings edits are checked again once typing pauses for this long, not on every key stroke.
constexpr auto kAnalysisDelay = std::chrono::milliseconds(300);
constexpr auto kSampleInterval = std::chrono::seconds(1);
// The cohort id of "Test connection" when none is entered yet: Braze requires one, an empty change list
// leaves it untouched.
constexpr const char* kConnectionTestCohort = "tdbraze-connection-test";

std::string clock_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return buf;
}


std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Hands what the sync's threads report to the UI thread. The engine calls it from its worker threads (one
// at a time: it holds its own lock around observer calls); only the inbox is shared. (A template only
// because the inbox type is private to ViewModel.)
template <class Inbox>
class InboxObserver : public sync::SyncObserver {
public:
    explicit InboxObserver(Inbox& inbox) : inbox_(inbox) {}
    void on_event(const sync::SyncEvent& e) override {
        std::lock_guard lock(inbox_.mutex);
        inbox_.events.push_back(e);
    }
    void on_progress(const sync::SyncProgress& p) override {
        std::lock_guard lock(inbox_.mutex);
        inbox_.progress = p;
    }
    void on_report(const cohort::Report& r) override {
        std::lock_guard lock(inbox_.mutex);
        inbox_.report = r;
    }

private:
    Inbox& inbox_;
};

std::string event_text(const sync::SyncEvent& e) {
    std::string text = e.message;
    if (e.kind == sync::SyncEvent::Kind::Sent) {
        text += " (" + with_separators(static_cast<std::uint64_t>(std::max<std::int64_t>(e.ids, 0))) + " ids";
        if (e.status != 0) text += ", HTTP " + std::to_string(e.status);
        if (e.attempt > 1) text += ", attempt " + std::to_string(e.attempt);
        text += ", " + std::to_string(static_cast<long>(e.elapsed_ms)) + " ms)";
    }
    return text;
}

}  // namespace

std::string_view panel_name(Panel panel) {
    switch (panel) {
        case Panel::Connection: return "connection";
        case Panel::Cohort: return "cohort";
        case Panel::Sync: return "sync";
        case Panel::Currents: return "currents";
    }
    return "cohort";
}

std::optional<Panel> panel_from_name(std::string_view name) {
    for (Panel p : kPanels)
        if (panel_name(p) == ascii_lower(name)) return p;
    return std::nullopt;
}

// ---- Life cycle --------------------------------------------------------------------------------------------

ViewModel::ViewModel(Options options) : options_(std::move(options)) {
    if (options_.load_credentials) {
        auto loaded = secrets::load_credentials(std::nullopt);
        if (const auto* c = std::get_if<secrets::Credentials>(&loaded)) {
            connection.partner_api_key = c->partner_api_key;
            connection.client_secret = c->client_secret;
            const bool from_environment = std::getenv(secrets::kPartnerKeyVariable) != nullptr &&
                                          std::getenv(secrets::kClientSecretVariable) != nullptr;
            credentials_note_ = from_environment
                                    ? std::string("Keys from the environment (") + secrets::kPartnerKeyVariable + ", " +
                                          secrets::kClientSecretVariable + ")."
                                    : "Keys from " + secrets::default_config_path() + ".";
        } else {
            credentials_note_ = std::get<std::string>(loaded) + ".";
        }
    }
    if (!options_.settings_path.empty()) {
        apply(load_settings(options_.settings_path));
        std::error_code ec;
        if (!cohort.table_path.empty() && fs::is_regular_file(cohort.table_path, ec)) open_table();
    }
}

ViewModel::~ViewModel() {
    sync_task_.cancel();
    replay_task_.cancel();
    analysis_task_.cancel();
}

bool ViewModel::busy() const {
    return analysis_task_.running() || sync_task_.running() || connection_task_.running() || currents_task_.running() ||
           replay_task_.running();
}

void ViewModel::update(Clock::time_point now) {
    // A finished check of the table is shown unless it was cancelled for newer settings.
    if (auto done = analysis_task_.take_result()) {
        if (!done->cancelled) {
            analysis_ = std::move(*done);
            if (!analysis_->error.empty()) status = analysis_->error;
        }
    }
    // Check again when the table or the settings changed, once the typing has paused.
    const std::string key = analysis_key();
    if (key != last_seen_key_) {
        last_seen_key_ = key;
        key_changed_at_ = now;
    }
    const bool shown_is_current = analysis_ && analysed_key_ == key;
    const bool wanted = !key.empty() && !shown_is_current && now - key_changed_at_ >= kAnalysisDelay;
    if (analysis_task_.running()) {
        if (wanted && analysed_key_ != key) analysis_task_.cancel();  // started for older settings
    } else if (wanted && (analysed_key_ != key || !analysis_)) {
        start_analysis();
    }

    take_sync_results(now);

    if (auto check = connection_task_.take_result()) {
        connection_test_.state = TaskState::Done;
        connection_test_.result = std::move(*check);
        status = connection_test_.result.message;
    }

    if (auto check = currents_task_.take_result()) {
        currents_.validation = TaskState::Done;
        currents_.source = check->source;
        currents_.histogram.clear();
        if (!check->error.empty()) {
            status = check->error;
            currents_.report = {};
        } else {
            for (const auto& [type, count] : check->report.summary.event_types)
                currents_.histogram.push_back({type, count});
            std::stable_sort(currents_.histogram.begin(), currents_.histogram.end(),
                             [](const EventTypeCount& a, const EventTypeCount& b) { return a.count > b.count; });
            const auto& s = check->report.summary;
            status = check->source + ": " + with_separators(s.events) + " events, " + with_separators(s.errors) +
                     " errors, " + with_separators(s.warnings) + " warnings";
            currents_.report = std::move(check->report);
        }
    }

    auto replay_done = replay_task_.take_result();
    {
        std::lock_guard lock(replay_inbox_.mutex);
        for (auto& line : replay_inbox_.lines) currents_.replay_log.push_back(clock_now() + "  " + std::move(line));
        replay_inbox_.lines.clear();
    }
    if (replay_done) {
        currents_.replay = TaskState::Done;
        const std::string outcome(sync::to_string(replay_done->outcome));
        currents_.replay_log.push_back(clock_now() + "  replay " + outcome + ": " + replay_done->message);
        status = "Replay " + outcome + ": " + replay_done->message;
        currents_.replay_summary = std::move(*replay_done);
    }
}

// ---- Connection ---------------------------------------------------------------------------------------------

std::string ViewModel::endpoint() const {
    const auto instances = braze_instances();
    if (connection.instance >= 0 && static_cast<std::size_t>(connection.instance) < instances.size())
        return std::string(instances[static_cast<std::size_t>(connection.instance)].rest_endpoint);
    std::string url = connection.custom_url;
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) url.erase(url.begin());
    return url;
}

void ViewModel::set_endpoint(const std::string& url) {
    if (auto index = find_instance(url)) {
        connection.instance = static_cast<int>(*index);
    } else {
        connection.instance = kCustomEndpoint;
        connection.custom_url = url;
    }
}

void ViewModel::test_connection() {
    if (connection_task_.running()) return;
    connection_test_.state = TaskState::Running;
    connection_test_.result = {};
    status = "Testing the connection to " + endpoint() + " ...";
    const std::string url = endpoint(), partner = connection.partner;
    const std::string cohort_id = cohort.cohort_id.empty() ? kConnectionTestCohort : cohort.cohort_id;
    const secrets::Credentials credentials{connection.partner_api_key, connection.client_secret};
    connection_task_.start([=](std::stop_token) {
        transport::HttpOptions http;
        http.connect_timeout_ms = 5'000;
        http.total_timeout_ms = 15'000;
        return check_connection(url, partner, cohort_id, credentials, http);
    });
}

void ViewModel::save_credentials() {
    if (connection.partner_api_key.empty() || connection.client_secret.empty()) {
        status = "Enter both keys before saving them.";
        return;
    }
    const std::string path = secrets::default_config_path();
    const fs::path dir = fs::path(path).parent_path();
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        fs::permissions(dir, fs::perms::owner_all, ec);  // a new directory for secrets: the owner's only
    }
    if (auto error = secrets::save_credentials(path, {connection.partner_api_key, connection.client_secret})) {
        status = *error;
        return;
    }
    credentials_note_ = "Keys saved to " + path + " (readable by you only).";
    status = credentials_note_;
}

// ---- Cohort --------------------------------------------------------------------------------------------------

void ViewModel::open_table(const std::string& path) {
    cohort.table_path = path;
    open_table();
}

void ViewModel::open_table() {
    table_ = read_table_page(cohort.table_path);
    marked_row_.reset();
    analysis_.reset();
    analysed_key_.clear();
    key_changed_at_ = Clock::time_point{};  // check it at once, no typing pause to wait for
    last_seen_key_ = analysis_key();
    unfinished_run_.reset();
    if (!table_.error.empty()) {
        status = table_.error;
        return;
    }
    // Alias columns and mappings saved for another table make no sense for this one.
    const auto in_table = [&](const std::string& c) {
        return std::find(table_.columns.begin(), table_.columns.end(), c) != table_.columns.end();
    };
    std::erase_if(cohort.alias_columns, [&](const std::string& c) { return !in_table(c); });
    std::erase_if(cohort.mapping, [&](const cohort::ColumnMapping& m) { return !in_table(m.column); });
    find_unfinished_run();
    status = "Opened " + file_name(table_.path) + " (" + std::string(cohort::to_string(table_.format)) + ", " +
             with_separators(table_.columns.size()) + (table_.columns.size() == 1 ? " column)" : " columns)");
    save_settings();
}

void ViewModel::next_page() {
    if (!table_.loaded() || !table_.more_rows) return;
    table_ = read_table_page(table_.path, table_.first_row + kPageRows);
}

void ViewModel::previous_page() {
    if (!table_.loaded() || table_.first_row <= 1) return;
    table_ = read_table_page(table_.path, table_.first_row > kPageRows ? table_.first_row - kPageRows : 1);
}

void ViewModel::show_row(std::uint64_t row) {
    if (!table_.loaded() || row == 0) return;
    const std::uint64_t first = (row - 1) / kPageRows * kPageRows + 1;
    if (table_.first_row != first) table_ = read_table_page(table_.path, first);
    marked_row_ = row;
}

ColumnRole ViewModel::column_role(std::string_view column) const {
    if (const auto mapped = column_mapping(column)) {
        switch (mapped->target) {
            case cohort::Target::UserIds: return ColumnRole::UserIds;
            case cohort::Target::DeviceIds: return ColumnRole::DeviceIds;
            case cohort::Target::Alias: return ColumnRole::Alias;
        }
    }
    return desktop::column_role(column, cohort.alias_columns, table_.columns);
}

bool ViewModel::has_alias_column(std::string_view column) const {
    return std::find(cohort.alias_columns.begin(), cohort.alias_columns.end(), column) != cohort.alias_columns.end();
}

void ViewModel::toggle_alias_column(const std::string& column) {
    if (has_alias_column(column)) {
        std::erase(cohort.alias_columns, column);
        return;
    }
    // Kept in the table's column order, so the plan does not depend on the order of the clicks.
    cohort.alias_columns.push_back(column);
    std::vector<std::string> ordered;
    for (const auto& c : table_.columns)
        if (has_alias_column(c)) ordered.push_back(c);
    for (const auto& c : cohort.alias_columns)
        if (std::find(ordered.begin(), ordered.end(), c) == ordered.end()) ordered.push_back(c);
    cohort.alias_columns = std::move(ordered);
}

void ViewModel::map_column(const std::string& column, std::optional<cohort::ColumnMapping> mapping) {
    std::erase_if(cohort.mapping, [&](const cohort::ColumnMapping& m) { return m.column == column; });
    if (mapping) {
        mapping->column = column;
        cohort.mapping.push_back(std::move(*mapping));
    }
    save_settings();
}

std::optional<cohort::ColumnMapping> ViewModel::column_mapping(std::string_view column) const {
    for (const cohort::ColumnMapping& m : cohort.mapping)
        if (m.column == column) return m;
    return std::nullopt;
}

cohort::Settings ViewModel::cohort_settings() const {
    cohort::Settings s;
    s.cohort_id = cohort.cohort_id;
    s.cohort_name = cohort.cohort_name;
    s.operation = cohort.mode == sync::Mode::Remove ? cohort::Operation::Remove : cohort::Operation::Add;
    s.alias_columns = cohort.alias_columns;
    s.mapping = cohort.mapping;
    s.partner = connection.partner;
    s.threads = cohort.threads;
    s.created_at = tdbraze::utc_now_iso8601();
    return s;
}

std::string ViewModel::analysis_key() const {
    if (!table_.loaded()) return {};
    std::string key = table_.path + '\n' + cohort.cohort_id + '\n' + cohort.cohort_name + '\n' +
                      std::string(sync::to_string(cohort.mode)) + '\n' + connection.partner + '\n' +
                      std::to_string(cohort.threads);
    for (const auto& a : cohort.alias_columns) key += '\n' + a;
    for (const auto& m : cohort.mapping) key += "\nmap " + cohort::to_string(m);
    return key;
}

bool ViewModel::analysis_current() const {
    return analysis_ && !analysis_task_.running() && analysed_key_ == analysis_key();
}

void ViewModel::start_analysis() {
    analysed_key_ = analysis_key();
    const std::string path = table_.path;
    const cohort::Settings settings = cohort_settings();
    analysis_task_.start([path, settings](std::stop_token cancel) {
        return analyse_table(path, settings, cohort::ReadOptions{}, cancel);
    });
}

// ---- Sync -----------------------------------------------------------------------------------------------------

void ViewModel::start_sync() { begin_sync(false); }
void ViewModel::resume_sync() { begin_sync(true); }

std::optional<std::string> ViewModel::sync_blocker() const {
    if (sync_task_.running()) return "A sync is running.";
    if (!table_.loaded()) return "Open a table on the Cohort panel first.";
    if (cohort.cohort_id.empty()) return "Enter the cohort id on the Cohort panel first.";
    if (connection.partner_api_key.empty() || connection.client_secret.empty())
        return "Enter the partner API key and the data import key on the Connection panel first.";
    if (analysis_current() && !analysis_->error.empty()) return analysis_->error;
    if (analysis_current() && analysis_->report.summary.errors > 0) {
        const std::uint64_t n = analysis_->report.summary.errors;
        return "The table has " + with_separators(n) + (n == 1 ? " error" : " errors") +
               " (see the Cohort panel): nothing of it would be sent. Fix the table or the settings first.";
    }
    return std::nullopt;
}

std::optional<std::string> ViewModel::resume_blocker() const {
    if (auto why = sync_blocker()) return why;
    if (!unfinished_run_)
        return "Nothing to resume: no unfinished sync of this table in the state database. Sync starts a new one.";
    return std::nullopt;
}

void ViewModel::find_unfinished_run() {
    unfinished_run_.reset();
    const std::string path = options_.state_path.empty() ? sync::default_state_path() : options_.state_path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return;  // no sync ever ran here; opening would create the file
    auto store = sync::StateStore::open(path);
    if (!store) return;
    auto latest = (*store)->latest_run_of_input(table_.path);
    if (latest && *latest && (*latest)->status != sync::RunStatus::Completed && !(*latest)->live)
        unfinished_run_ = **latest;
}

void ViewModel::begin_sync(bool resume) {
    if (sync_task_.running()) return;
    if (!table_.loaded()) {
        status = "Open a table on the Cohort panel first.";
        panel = Panel::Cohort;
        return;
    }
    if (cohort.cohort_id.empty()) {
        status = "Enter the cohort id on the Cohort panel first.";
        panel = Panel::Cohort;
        return;
    }
    const secrets::Credentials credentials{connection.partner_api_key, connection.client_secret};
    if (credentials.partner_api_key.empty() || credentials.client_secret.empty()) {
        status = "Enter the partner API key and the data import key on the Connection panel first.";
        panel = Panel::Connection;
        return;
    }
    if (const std::optional<std::string> why = resume ? resume_blocker() : sync_blocker()) {
        status = *why;  // what the disabled button says, for Ctrl+Enter and scripts
        return;
    }
    sync::SyncOptions o;
    o.input_path = table_.path;
    o.settings = cohort_settings();
    o.mode = cohort.mode;
    o.endpoint = endpoint();
    o.state_path = options_.state_path;
    o.resume = resume;
    o.force = force_resend && !resume;

    sync_ = SyncView{};
    sync_.phase = SyncView::Phase::Running;
    sync_.target = "cohort '" + cohort.cohort_id + "' at " + o.endpoint + " (" + std::string(sync::to_string(o.mode)) +
                   ", " + std::to_string(o.settings.threads) + (o.settings.threads == 1 ? " thread)" : " threads)");
    sync_started_ = last_sample_ = Clock::now();
    sampled_requests_ = sampled_retries_ = 0;
    {
        std::lock_guard lock(sync_inbox_.mutex);
        sync_inbox_.events.clear();
        sync_inbox_.progress.reset();
        sync_inbox_.report.reset();
    }
    add_log_line(sync::SyncEvent::Kind::Info, std::string(resume ? "Resuming" : "Starting") + " the sync of " +
                                                  file_name(o.input_path) + " to " + sync_.target);
    status = "Syncing " + file_name(o.input_path) + " ...";
    panel = Panel::Sync;
    save_settings();
    sync_task_.start([this, o = std::move(o), credentials](std::stop_token cancel) {
        InboxObserver<SyncInbox> observer(sync_inbox_);
        return sync::run_sync(o, credentials, observer, cancel);
    });
}

void ViewModel::cancel_sync() {
    if (!sync_task_.running() || sync_.cancel_requested) return;
    sync_task_.cancel();
    sync_.cancel_requested = true;
    add_log_line(sync::SyncEvent::Kind::Warning,
                 "Cancelling: requests in flight finish and are recorded; Resume "
                 "continues from there.");
    status = "Cancelling the sync ...";
}

void ViewModel::add_log_line(sync::SyncEvent::Kind kind, std::string text) {
    if (sync_.log.size() >= kMaxLogLines) sync_.log.erase(sync_.log.begin(), sync_.log.begin() + kMaxLogLines / 10);
    sync_.log.push_back({kind, clock_now(), std::move(text)});
    ++log_appended_;
}

void ViewModel::take_sync_results(Clock::time_point now) {
    // The result first: once the sync has returned, everything it reported is in the inbox.
    auto finished = sync_task_.take_result();
    std::vector<sync::SyncEvent> events;
    {
        std::lock_guard lock(sync_inbox_.mutex);
        events.swap(sync_inbox_.events);
        if (sync_inbox_.progress) sync_.progress = *std::exchange(sync_inbox_.progress, std::nullopt);
        if (sync_inbox_.report) sync_.report = std::exchange(sync_inbox_.report, std::nullopt);
    }
    for (const auto& e : events) add_log_line(e.kind, event_text(e));
    if (sync_.phase != SyncView::Phase::Running) return;

    sync_.elapsed_seconds = std::chrono::duration<double>(now - sync_started_).count();
    // One sample a second, and the last, shorter, one when the sync ends (when it is long enough to mean
    // something, or the only one of a sync shorter than that).
    const double since = std::chrono::duration<double>(now - last_sample_).count();
    const bool last_sample = finished && since > 0 && (since > 0.05 || sync_.requests_per_second.count() == 0);
    if (now - last_sample_ >= kSampleInterval || last_sample) {
        sync_.requests_per_second.push(static_cast<float>(double(sync_.progress.requests - sampled_requests_) / since));
        sync_.retries_per_second.push(static_cast<float>(double(sync_.progress.retries - sampled_retries_) / since));
        sampled_requests_ = sync_.progress.requests;
        sampled_retries_ = sync_.progress.retries;
        last_sample_ = now;
    }
    if (!finished) return;
    sync_.phase = SyncView::Phase::Finished;
    const auto kind = finished->ok() ? sync::SyncEvent::Kind::Info : sync::SyncEvent::Kind::Error;
    const std::string line = "Sync " + std::string(sync::to_string(finished->outcome)) + ": " + finished->message;
    add_log_line(kind, line);
    status = line;
    sync_.summary = std::move(*finished);
    find_unfinished_run();
}

const std::vector<std::size_t>& ViewModel::visible_log_lines() {
    const LogFilter& f = log_filter;
    const std::string key = std::to_string(log_appended_) + (f.info ? "i" : "") + (f.sent ? "s" : "") +
                            (f.retry ? "r" : "") + (f.warning ? "w" : "") + (f.error ? "e" : "") + "|" + f.text;
    if (key == visible_key_) return visible_lines_;
    visible_key_ = key;
    visible_lines_.clear();
    const std::string needle = ascii_lower(f.text);
    for (std::size_t i = 0; i < sync_.log.size(); ++i) {
        const LogLine& line = sync_.log[i];
        bool shown = false;
        switch (line.kind) {
            case sync::SyncEvent::Kind::Info: shown = f.info; break;
            case sync::SyncEvent::Kind::Sent: shown = f.sent; break;
            case sync::SyncEvent::Kind::Retry: shown = f.retry; break;
            case sync::SyncEvent::Kind::Warning: shown = f.warning; break;
            case sync::SyncEvent::Kind::Error: shown = f.error; break;
        }
        if (shown && !needle.empty()) shown = ascii_lower(line.text).find(needle) != std::string::npos;
        if (shown) visible_lines_.push_back(i);
    }
    return visible_lines_;
}

// ---- Currents -------------------------------------------------------------------------------------------------

void ViewModel::open_currents(const std::string& path) {
    currents.path = path;
    open_currents();
}

void ViewModel::open_currents() {
    std::error_code ec;
    const auto size = fs::file_size(currents.path, ec);
    if (ec) {
        status = "cannot open '" + currents.path + "': " + ec.message();
        return;
    }
    currents_edited_ = false;
    currents.text = size <= kMaxEditorBytes ? read_file(currents.path) : std::string();
    currents_.report.reset();
    currents_.histogram.clear();
    save_settings();
    validate_currents();
}

void ViewModel::currents_text_edited() { currents_edited_ = true; }

void ViewModel::validate_currents() {
    if (currents_task_.running()) return;
    const bool from_editor = !currents.text.empty();
    if (!from_editor && currents.path.empty()) {
        status = "Open a payload file or paste one first.";
        return;
    }
    const std::string source =
        from_editor && (currents_edited_ || currents.path.empty()) ? "pasted payload" : file_name(currents.path);
    currents_.validation = TaskState::Running;
    currents::Options options;
    options.now_epoch_seconds = static_cast<std::int64_t>(std::time(nullptr));
    options.receiver = currents.receiver;
    std::string text = from_editor ? currents.text : std::string();
    const std::string path = currents.path;
    currents_task_.start([=, text = std::move(text)](std::stop_token) {
        if (from_editor) return CurrentsCheck{currents::validate(text, options, source), source, {}};
        // Too large for the editor: checked from the file as the CLI does, in parts on the cores.
        auto validated = validate::validate_currents(path, options, validate::default_threads());
        if (auto* error = std::get_if<std::string>(&validated)) return CurrentsCheck{{}, source, *error};
        currents::Report report = std::move(std::get<validate::CurrentsResult>(validated).report);
        report.source = source;
        return CurrentsCheck{std::move(report), source, {}};
    });
}

void ViewModel::start_replay() {
    if (replay_task_.running()) return;
    if (currents.replay_url.empty()) {
        status = "Enter the URL of the Currents receiver to replay to.";
        return;
    }
    const bool from_editor = !currents.text.empty() && (currents_edited_ || currents.path.empty());
    if (!from_editor && currents.path.empty()) {
        status = "Open a payload file or paste one first.";
        return;
    }
    currents_.replay = TaskState::Running;
    currents_.replay_log.clear();
    currents_.replay_summary.reset();
    sync::DeliveryOptions options;
    options.url = currents.replay_url;
    options.bearer_token = currents.bearer_token;
    options.receiver = sync::is_postback_url(options.url) ? currents::Receiver::TdPostback : currents.receiver;
    options.now_epoch_seconds = epoch_seconds_now();
    // A replay from the app tests a receiver, again and again: nothing is kept, so nothing refuses a second try.
    options.keep_state = false;
    if (options.receiver == currents::Receiver::TdPostback) {
        auto key = secrets::load_td_write_key(std::nullopt);
        if (key) options.td_write_key = std::move(*key);
    }
    const std::string path = currents.path;
    std::string text = from_editor ? currents.text : std::string();
    status = "Replaying to " + options.url + " ...";
    save_settings();
    replay_task_.start([this, options, path, from_editor, text = std::move(text)](std::stop_token cancel) {
        // Lines for the log panel; deliver_currents reads a file, so a pasted payload goes through a private
        // temporary file.
        struct Observer : sync::DeliveryObserver {
            explicit Observer(ReplayInbox& target) : inbox(target) {}
            void on_log(const std::string& line) override {
                std::lock_guard lock(inbox.mutex);
                inbox.lines.push_back(line);
            }
            void on_checked(const currents::Report& report, const sync::DeliveryProgress& plan) override {
                on_log("replaying " + with_separators(plan.events_to_send) + " of " +
                       with_separators(report.summary.events) + " events in " + with_separators(plan.batches_total) +
                       " requests");
            }
            ReplayInbox& inbox;
        } observer(replay_inbox_);
        if (!from_editor) return sync::deliver_currents(path, path, options, observer, cancel);
        // Pasted events are personal data: kept in an unnamed file of mode 0600, never under a name in /tmp.
        auto pasted = files::SpooledInput::from_text(text, "the pasted payload");
        if (!pasted) {
            sync::DeliverySummary refused;
            refused.outcome = sync::Outcome::Refused;
            refused.error = pasted.error();
            refused.message = refused.error->message;
            return refused;
        }
        return sync::deliver_currents(pasted->path(), "pasted payload", options, observer, cancel);
    });
}

void ViewModel::cancel_replay() { replay_task_.cancel(); }

// ---- Files and settings -----------------------------------------------------------------------------------------

void ViewModel::run_command(Command command) {
    switch (command) {
        case Command::OpenFile:
            if (panel != Panel::Currents) panel = Panel::Cohort;
            break;
        case Command::Sync: start_sync(); break;
        case Command::Resume: resume_sync(); break;
        case Command::Cancel:
            if (sync_running()) cancel_sync();
            else if (currents_.replay == TaskState::Running) cancel_replay();
            break;
        case Command::TestConnection:
            panel = Panel::Connection;
            test_connection();
            break;
        case Command::Validate:
            panel = Panel::Currents;
            validate_currents();
            break;
        case Command::ShowConnection: panel = Panel::Connection; break;
        case Command::ShowCohort: panel = Panel::Cohort; break;
        case Command::ShowSync: panel = Panel::Sync; break;
        case Command::ShowCurrents: panel = Panel::Currents; break;
    }
}

void ViewModel::drop_files(const std::vector<std::string>& paths) {
    if (paths.empty()) return;
    if (panel == Panel::Currents) {
        open_currents(paths.front());
        return;
    }
    open_table(paths.front());
    panel = Panel::Cohort;
}

DesktopSettings ViewModel::settings() const {
    DesktopSettings s;
    s.endpoint = endpoint();
    s.partner = connection.partner;
    s.last_table = table_.loaded() ? table_.path : cohort.table_path;
    s.cohort_id = cohort.cohort_id;
    s.cohort_name = cohort.cohort_name;
    s.operation = std::string(sync::to_string(cohort.mode));
    s.alias_columns = cohort.alias_columns;
    for (const auto& m : cohort.mapping) s.mapping.push_back(cohort::to_string(m));
    s.threads = cohort.threads;
    s.currents_path = currents.path;
    s.replay_url = currents.replay_url;
    return s;
}

void ViewModel::apply(const DesktopSettings& s) {
    set_endpoint(s.endpoint);
    connection.partner = s.partner;
    cohort.table_path = s.last_table;
    cohort.cohort_id = s.cohort_id;
    cohort.cohort_name = s.cohort_name;
    cohort.mode = sync::from_string<sync::Mode>(s.operation).value_or(sync::Mode::Add);
    cohort.alias_columns = s.alias_columns;
    cohort.mapping.clear();
    for (const std::string& text : s.mapping)  // saved by this app: a mapping that no longer parses is dropped
        if (auto parsed = cohort::parse_column_mapping(text); std::holds_alternative<cohort::ColumnMapping>(parsed))
            cohort.mapping.push_back(std::get<cohort::ColumnMapping>(parsed));
    cohort.threads = std::clamp(s.threads, 1, cohort::kMaxThreads);
    currents.path = s.currents_path;
    currents.replay_url = s.replay_url;
}

void ViewModel::save_settings() {
    if (options_.settings_path.empty()) return;
    if (auto error = desktop::save_settings(options_.settings_path, settings())) status = *error;
}

}  // namespace tdbraze::desktop
