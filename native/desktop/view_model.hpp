// Everything the desktop app shows and does, without any drawing. The ImGui panels (ui_*.cpp) read the
// fields and call the actions below; the tests (tests/desktop) and the --autorun mode drive the very same
// actions without a person.
//
// Threads: what takes time (checking a table, a sync, a connection test, a Currents check or replay) runs on
// a background thread. Background threads never touch what the UI reads: they hand their results over
// through the mutex-protected inboxes, and update(), called by the UI thread once per frame, moves them in.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "background_task.hpp"
#include "cohort_analysis.hpp"
#include "connection_check.hpp"
#include "currents_delivery.hpp"
#include "desktop_settings.hpp"
#include "rate_history.hpp"
#include "shortcuts.hpp"
#include "state_store.hpp"
#include "sync_engine.hpp"
#include "table_page.hpp"
#include "tdbraze/cohort.hpp"
#include "tdbraze/column_mapping.hpp"
#include "tdbraze/currents.hpp"

namespace tdbraze::desktop {

using Clock = std::chrono::steady_clock;

enum class Panel { Connection, Cohort, Sync, Currents };
inline constexpr std::array<Panel, 4> kPanels{Panel::Connection, Panel::Cohort, Panel::Sync, Panel::Currents};
std::string_view panel_name(Panel panel);  // "connection", "cohort", "sync", "currents"
std::optional<Panel> panel_from_name(std::string_view name);


// ---- Connection -------------------------------------------------------------------------------------------

inline constexpr int kCustomEndpoint = -1;

struct ConnectionForm {
    int instance = 0;  // index into braze_instances(), or kCustomEndpoint
    std::string custom_url;
    std::string partner = "treasuredata";
    std::string partner_api_key;  // secret: in memory only; written to disk only by save_credentials()
    std::string client_secret;  // secret: Braze's "data import key"
};

enum class TaskState { NotRun, Running, Done };

struct ConnectionTest {
    TaskState state = TaskState::NotRun;
    ConnectionCheck result;
};

// ---- Cohort -----------------------------------------------------------------------------------------------

struct CohortForm {
    std::string table_path;  // the path field; open_table() opens it
    std::string cohort_id;
    std::string cohort_name;
    sync::Mode mode = sync::Mode::Add;
    std::vector<std::string> alias_columns;
    // The output mapping: columns sent under another output name (user_ids, device_ids, alias:LABEL), as
    // `--map` gives it on the command line and the page's "Send as" does.
    std::vector<cohort::ColumnMapping> mapping;
    int threads = 4;
};

// ---- Sync -------------------------------------------------------------------------------------------------

struct LogLine {
    sync::SyncEvent::Kind kind = sync::SyncEvent::Kind::Info;
    std::string time;  // HH:MM:SS, local time
    std::string text;
};

struct LogFilter {
    std::string text;  // shows lines containing it, ignoring case
    bool info = true, sent = true, retry = true, warning = true, error = true;
};

struct SyncView {
    enum class Phase { Idle, Running, Finished };
    Phase phase = Phase::Idle;
    bool cancel_requested = false;
    std::string target;  // "cohort 'x' at https://... (add, 4 threads)"
    sync::SyncProgress progress;
    std::vector<LogLine> log;  // the latest kMaxLogLines
    RateHistory requests_per_second;
    RateHistory retries_per_second;
    std::optional<cohort::Report> report;  // the engine's check of the table, before sending
    std::optional<sync::SyncSummary> summary;  // when finished
    double elapsed_seconds = 0;
    bool completed() const { return summary && summary->outcome == sync::Outcome::Completed; }
};

inline constexpr std::size_t kMaxLogLines = 20'000;

// ---- Currents ---------------------------------------------------------------------------------------------

struct CurrentsForm {
    std::string path;  // the path field; open_currents() opens it
    std::string text;  // the editor: a pasted payload, or the opened file when it is small
    std::string replay_url;
    std::string bearer_token;  // secret: never saved
    // Checked as this receiver would take the payload (Treasure Data: its time window and external ids); a
    // replay to a Postback URL is sent as to Treasure Data whatever is chosen here.
    currents::Receiver receiver = currents::Receiver::Http;
};

struct EventTypeCount {
    std::string type;
    std::uint64_t count = 0;
};

struct CurrentsView {
    std::string source;  // what was validated: a file name, or "pasted payload"
    TaskState validation = TaskState::NotRun;
    std::optional<currents::Report> report;
    std::vector<EventTypeCount> histogram;  // most frequent first
    TaskState replay = TaskState::NotRun;
    std::vector<std::string> replay_log;
    std::optional<sync::DeliverySummary> replay_summary;
};

// Payloads up to this size are shown in the editor; larger ones are checked and replayed from the file.
inline constexpr std::uintmax_t kMaxEditorBytes = 2 * 1024 * 1024;

// ---- The view model ---------------------------------------------------------------------------------------

class ViewModel {
public:
    struct Options {
        std::string settings_path;  // desktop.json; empty: settings are neither read nor written
        bool load_credentials = true;  // from the environment or the 0600 credentials file
        std::string state_path;  // the sync's state database; empty: the engine's default
    };

    explicit ViewModel(Options options);
    ~ViewModel();  // cancels what runs and waits for it
    ViewModel(const ViewModel&) = delete;
    ViewModel& operator=(const ViewModel&) = delete;

    // Once per frame, before drawing: takes in what the background threads produced, samples the rates.
    void update(Clock::time_point now = Clock::now());
    bool busy() const;  // something runs in the background: keep drawing frames

    // Which panel is shown. Actions switch it where the user would look next (Sync after "Sync").
    Panel panel = Panel::Cohort;
    std::string status;  // one line for the status bar: the outcome of the last action

    // ---- Connection
    ConnectionForm connection;
    std::string endpoint() const;  // the picked instance's REST endpoint, or the custom URL
    void set_endpoint(const std::string& url);  // picks the instance with this URL, else a custom URL
    const std::string& credentials_note() const { return credentials_note_; }
    void test_connection();
    const ConnectionTest& connection_test() const { return connection_test_; }
    void save_credentials();  // to the 0600 credentials file, only when the user asks

    // ---- Cohort
    CohortForm cohort;
    void open_table();  // opens cohort.table_path
    void open_table(const std::string& path);  // sets the field, then opens it
    const TablePage& table() const { return table_; }
    void next_page();
    void previous_page();
    void show_row(std::uint64_t row);  // loads the page holding `row` and marks it
    std::optional<std::uint64_t> marked_row() const { return marked_row_; }
    ColumnRole column_role(std::string_view column) const;
    void toggle_alias_column(const std::string& column);
    bool has_alias_column(std::string_view column) const;
    // `column` sent as `mapping` says; nothing: sent as it is named (no mapping).
    void map_column(const std::string& column, std::optional<cohort::ColumnMapping> mapping);
    std::optional<cohort::ColumnMapping> column_mapping(std::string_view column) const;
    cohort::Settings cohort_settings() const;  // the form as the core takes it
    const std::optional<CohortAnalysis>& analysis() const { return analysis_; }
    bool analysis_running() const { return analysis_task_.running(); }
    bool analysis_current() const;  // the analysis shown matches the table and the settings

    // ---- Sync
    bool force_resend = false;  // start a new run even if this table was synced before
    void start_sync();  // the "Sync" button and Ctrl+Enter
    void resume_sync();  // continue the unfinished run of this table
    // Why Sync cannot start now (shown by the disabled button), or nothing: it is running, no table, no cohort
    // id or keys, or the table's check found errors (the engine would refuse to send it).
    std::optional<std::string> sync_blocker() const;
    // Why Resume cannot start now: Sync's reasons, or no unfinished run of this table in the state database.
    std::optional<std::string> resume_blocker() const;
    void cancel_sync();  // the "Cancel" button and Escape: requests in flight finish first
    bool sync_running() const { return sync_task_.running(); }
    const SyncView& sync_view() const { return sync_; }
    LogFilter log_filter;
    const std::vector<std::size_t>& visible_log_lines();  // indices into sync_view().log

    // ---- Currents
    CurrentsForm currents;
    void open_currents();  // opens currents.path
    void open_currents(const std::string& path);  // sets the field, then opens it
    void currents_text_edited();  // the editor changed: it is the payload from now on
    void validate_currents();
    void start_replay();
    void cancel_replay();
    const CurrentsView& currents_view() const { return currents_; }

    // ---- The keyboard: what a shortcut does (shortcuts.hpp). OpenFile only shows the panel whose path field
    // the window then focuses.
    void run_command(Command command);

    // ---- Files dropped on the window: a payload on the Currents panel, a table anywhere else.
    void drop_files(const std::vector<std::string>& paths);

    // ---- Settings (never secrets): what desktop.json holds.
    DesktopSettings settings() const;
    void apply(const DesktopSettings& settings);
    void save_settings();

private:
    struct SyncInbox {
        std::mutex mutex;
        std::vector<sync::SyncEvent> events;
        std::optional<sync::SyncProgress> progress;
        std::optional<cohort::Report> report;
    };
    struct ReplayInbox {
        std::mutex mutex;
        std::vector<std::string> lines;
    };
    struct CurrentsCheck {
        currents::Report report;
        std::string source;
        std::string error;  // the file could not be read: why (then the report is empty)
    };

    void begin_sync(bool resume);
    void find_unfinished_run();  // of the open table, in the state database, for resume_blocker()
    std::string analysis_key() const;
    void start_analysis();
    void take_sync_results(Clock::time_point now);
    void add_log_line(sync::SyncEvent::Kind kind, std::string text);

    Options options_;
    std::string credentials_note_;
    ConnectionTest connection_test_;

    TablePage table_;
    std::optional<std::uint64_t> marked_row_;
    std::optional<CohortAnalysis> analysis_;
    std::string analysed_key_;  // the analysis_key() of analysis_ (or of the one running)
    std::string last_seen_key_;  // to notice settings edits
    Clock::time_point key_changed_at_{};

    SyncView sync_;
    std::optional<sync::RunRecord> unfinished_run_;  // of the open table, when there is one to resume
    Clock::time_point sync_started_{};
    Clock::time_point last_sample_{};
    std::uint64_t sampled_requests_ = 0, sampled_retries_ = 0;
    std::vector<std::size_t> visible_lines_;
    std::string visible_key_;
    std::uint64_t log_appended_ = 0;  // lines ever added: changes whenever the log does

    CurrentsView currents_;
    bool currents_edited_ = false;  // the editor, not the file, is the payload

    // The inboxes outlive the tasks that fill them: tasks are declared after them, so they are destroyed
    // (cancelled and joined) first.
    SyncInbox sync_inbox_;
    ReplayInbox replay_inbox_;
    transport::HttpGlobal http_;
    BackgroundTask<CohortAnalysis> analysis_task_;
    BackgroundTask<sync::SyncSummary> sync_task_;
    BackgroundTask<ConnectionCheck> connection_task_;
    BackgroundTask<CurrentsCheck> currents_task_;
    BackgroundTask<sync::DeliverySummary> replay_task_;
};

}  // namespace tdbraze::desktop
