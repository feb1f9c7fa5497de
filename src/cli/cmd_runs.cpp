// powerml runs list | show RUN | export RUN --out DIR
#include <memory>

#include <fmt/format.h>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/units.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"

namespace powerml::cli {

namespace {

// An interrupted run has no stored summary: it is computed from the samples that reached the store.
store::RunRecord record_from(const store::StoredRun& run) {
    store::RunRecord record;
    record.id = run.id;
    record.command = run.command;
    record.host = run.host;
    record.status = run.status;
    record.exit_status = run.exit_status.value_or(-1);
    record.started_utc_ms = run.timeline.start_utc_ms + static_cast<UtcMillis>(run.timeline.job_start_s * 1000);
    record.ended_utc_ms = run.timeline.start_utc_ms + static_cast<UtcMillis>(run.timeline.job_end_s * 1000);
    record.summary = analysis::summarize(run.timeline);
    record.summary.notes.push_back("interrupted: powerml stopped before the job ended; these are the samples it stored");
    record.carbon.zone = run.zone;
    record.carbon.intensity_source = "not computed for an interrupted run";
    return record;
}

}  // namespace

void add_runs_command(CLI::App& app, int& exit_code) {
    struct Flags {
        std::string db;
        std::string id;
        std::string out;
        std::size_t limit = 20;
        std::string format = "text";
    };
    auto flags = std::make_shared<Flags>();
    auto* runs = app.add_subcommand("runs", "List, show and export measured runs from the run store");
    runs->require_subcommand(1);
    runs->add_option("--db", flags->db, "Run store (default $XDG_DATA_HOME/powerml/runs.sqlite)");
    auto db_path = [flags] { return flags->db.empty() ? paths::default_run_db() : std::filesystem::path(flags->db); };

    auto* list = runs->add_subcommand("list", "Most recent runs first");
    list->add_option("--limit", flags->limit, "How many")->capture_default_str();
    list->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    list->callback([flags, db_path, &exit_code] {
        store::RunStore db(db_path());
        const auto items = db.list(flags->limit);
        if (flags->format == "json") {
            std::string out = "[";
            for (std::size_t i = 0; i < items.size(); ++i) {
                const auto& r = items[i];
                out += fmt::format("{}{{\"id\":\"{}\",\"status\":\"{}\",\"started\":\"{}\",\"duration_s\":{},\"exit_status\":{},\"net_j\":{},\"g_co2e\":{}}}",
                                   i ? "," : "", r.id, r.status, format_rfc3339(r.started_utc_ms), r.duration_s,
                                   r.exit_status ? std::to_string(*r.exit_status) : "null",
                                   r.net_j ? fmt::format("{}", *r.net_j) : "null", r.g_co2e ? fmt::format("{}", *r.g_co2e) : "null");
            }
            fmt::print("{}]\n", out);
        } else {
            fmt::print("{:<24} {:<11} {:<20} {:>10} {:>5} {:>11} {:>12}  {}\n", "run", "status", "started", "duration", "exit",
                       "net energy", "CO2e", "command");
            for (const auto& r : items) {
                fmt::print("{:<24} {:<11} {:<20} {:>10} {:>5} {:>11} {:>12}  {}\n", r.id, r.status,
                           format_rfc3339(r.started_utc_ms), units::format_duration(r.duration_s),
                           r.exit_status ? std::to_string(*r.exit_status) : "-",
                           r.net_j ? units::format_energy(*r.net_j) : "-", r.g_co2e ? units::format_mass_co2e(*r.g_co2e) : "-",
                           r.command);
            }
        }
        exit_code = 0;
    });

    auto* show = runs->add_subcommand("show", "Print a run's summary.json");
    show->add_option("run", flags->id, "Run id (or a unique prefix)")->required();
    show->callback([flags, db_path, &exit_code] {
        store::RunStore db(db_path());
        const auto run = db.load(flags->id);
        fmt::print("{}", run.summary_json.empty() ? store::summary_json(record_from(run)) : run.summary_json);
        exit_code = 0;
    });

    auto* export_cmd = runs->add_subcommand("export", "Write a run's summary.json, samples.csv and phases.csv");
    export_cmd->add_option("run", flags->id, "Run id (or a unique prefix)")->required();
    export_cmd->add_option("--out", flags->out, "Directory")->required();
    export_cmd->callback([flags, db_path, &exit_code] {
        store::RunStore db(db_path());
        const auto run = db.load(flags->id);
        const std::filesystem::path dir = flags->out;
        store::ensure_writable_dir(dir);
        if (run.summary_json.empty()) {
            store::write_run_files(dir, record_from(run), run.timeline);
        } else {
            store::write_file_atomically(dir / "samples.csv", store::samples_csv(run.timeline));
            store::write_file_atomically(dir / "phases.csv", run.phases_csv);
            store::write_file_atomically(dir / "summary.json", run.summary_json);
        }
        fmt::print(stderr, "powerml: wrote {}/summary.json, samples.csv, phases.csv\n", dir.string());
        exit_code = 0;
    });
}

}  // namespace powerml::cli
