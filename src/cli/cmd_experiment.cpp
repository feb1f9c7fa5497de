// powerml experiment run FILE | status NAME | list | show NAME
#include <unistd.h>

#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "measure_options.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/measure/run_source.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/units.hpp"
#include "powerml/experiment/experiment_results.hpp"
#include "powerml/experiment/experiment_runner.hpp"
#include "powerml/experiment/experiment_state.hpp"
#include "powerml/report/report_tables.hpp"
#include "powerml/store/run_files.hpp"

namespace powerml::cli {

namespace {

// Exit status when the experiment stopped before every planned run was measured (--max-runs,
// or a job stopped by SIGINT/SIGTERM): EX_TEMPFAIL, "run it again".
constexpr int k_exit_incomplete = 75;

std::string progress_line(const experiment::Progress& p) {
    constexpr int width = 24;
    const int filled = p.total ? static_cast<int>(width * p.done / p.total) : width;
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::string line = fmt::format("[{}] {}/{}", bar, p.done, p.total);
    if (p.failed) line += fmt::format(" ({} failed)", p.failed);
    if (!p.scenario.empty()) line += fmt::format("  next: {} #{}", p.scenario, p.repetition);
    line += "  elapsed " + units::format_duration(p.elapsed_s);
    if (p.eta_s && !p.scenario.empty()) line += "  ETA " + units::format_duration(*p.eta_s);
    return line;
}

void print_results(const experiment::ExperimentResults& r) {
    fmt::print("experiment {}: {} planned, {} finished, {} failed\n", r.spec.name, r.info.total, r.info.finished, r.info.failed);
    if (r.bare_power_w) fmt::print("bare system (baseline scenario): {:.3f} W\n", *r.bare_power_w);
    fmt::print("{:<20} {:>4} {:>22} {:>22} {:>14}\n", "scenario", "n", "energy (95% CI)", "adjusted (95% CI)", "duration");
    for (const auto& s : r.scenarios) {
        if (!s.stats) {
            fmt::print("{:<20} {:>4} {:>22}\n", s.scenario.name, 0, "no finished run");
            continue;
        }
        auto cell = [&](const char* name) {
            const auto* i = analysis::find_indicator(s.stats->indicators, name);
            if (!i) return std::string("-");
            return fmt::format("{} ±{}", units::format_energy(i->stats.mean),
                               units::format_energy((i->stats.ci95_high - i->stats.ci95_low) / 2));
        };
        const auto* d = analysis::find_indicator(s.stats->indicators, "duration_s");
        fmt::print("{:<20} {:>4} {:>22} {:>22} {:>14}\n", s.scenario.name, s.stats->runs, cell("gross_energy_j"),
                   cell("adjusted_energy_j"), d ? units::format_duration(d->stats.mean) : "-");
    }
    for (const auto& n : r.notes) fmt::print("note: {}\n", n);
}

void print_correlations(const experiment::ExperimentResults& r, const std::vector<std::string>& pairs, const std::string& phase) {
    for (const auto& pair : pairs) {
        const auto colon = pair.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == pair.size())
            throw Error("--correlate: expected X:Y (two indicator names), got '" + pair + "'");
        const std::string x = pair.substr(0, colon), y = pair.substr(colon + 1);
        fmt::print("{} against {}{}:\n", y, x, phase.empty() ? "" : " in phase " + phase);
        bool any_indicator = false;
        for (const auto& s : r.scenarios) {
            if (!s.stats) continue;
            const std::vector<analysis::IndicatorStats>* indicators = &s.stats->indicators;
            if (!phase.empty()) {
                indicators = nullptr;
                for (const auto& p : s.stats->phases)
                    if (p.phase == phase) indicators = &p.indicators;
                if (!indicators) continue;
            }
            const auto* xi = analysis::find_indicator(*indicators, x);
            const auto* yi = analysis::find_indicator(*indicators, y);
            if (!xi || !yi) continue;
            any_indicator = true;
            const auto row = analysis::correlate_by_run(*xi, *yi, phase.empty() ? "runs" : "phase " + phase);
            if (!row) {
                fmt::print("  {:<20} undefined (fewer than 3 runs with both, or no spread)\n", s.scenario.name);
                continue;
            }
            fmt::print("  {:<20} n {:>3}  Pearson r {:+.3f} (p {:.3g})  Spearman rho {:+.3f} (p {:.3g})  y = {:.4g} + {:.4g} x\n",
                       s.scenario.name, row->pearson_r.n, row->pearson_r.r, row->pearson_r.p_value, row->spearman_rho.r,
                       row->spearman_rho.p_value, row->fit->intercept, row->fit->slope);
        }
        if (!any_indicator)
            throw Error("--correlate: no scenario has both '" + x + "' and '" + y +
                        "' (see the indicator column of 'powerml experiment show NAME --format json')");
    }
}

void write_tables(const std::vector<report::Table>& tables, const std::filesystem::path& dir) {
    store::ensure_writable_dir(dir);
    for (const auto& t : tables) {
        store::write_file_atomically(dir / (t.id + ".csv"), t.to_csv());
        store::write_file_atomically(dir / (t.id + ".json"), t.to_json());
    }
}

}  // namespace

void add_experiment_command(CLI::App& app, int& exit_code) {
    struct Flags {
        std::string db;
        std::string file;
        std::string name;
        std::size_t max_runs = 0;
        bool restart = false;
        bool quiet = false;
        std::string format = "text";
        std::string tables;
        std::vector<std::string> correlate;
        std::string phase;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("experiment", "Run scenarios repeatedly and compare them with statistics (seed 003's method)");
    cmd->require_subcommand(1);
    cmd->add_option("--db", flags->db, "Run store: a SQLite file or postgresql://... (default $XDG_DATA_HOME/powerml/runs.sqlite); experiment state lives there too");
    auto db_path = [flags] { return flags->db.empty() ? paths::default_run_db() : std::filesystem::path(flags->db); };

    auto* run = cmd->add_subcommand("run", "Run (or resume) the experiment a TOML file describes");
    run->add_option("file", flags->file, "Experiment file (TOML, see docs/reference/experiment-file.md)")->required();
    run->add_option("--max-runs", flags->max_runs, "Measure at most this many runs now, then stop (resume later)");
    run->add_flag("--restart", flags->restart, "Forget this experiment's state first (its measured runs stay in the store)");
    run->add_flag("--quiet,-q", flags->quiet, "No progress bar and no summary");
    run->footer("Resumes automatically: finished and failed repetitions are kept, interrupted ones are measured again.\n"
                "Exit status: 0 when every planned run was measured (failed repetitions included),\n"
                "75 when it stopped early (--max-runs, or a job stopped by SIGINT/SIGTERM): run it again to resume.");
    run->callback([flags, db_path, &exit_code] {
        auto spec = experiment::load_experiment_file(flags->file);
        if (spec.zone) {  // an unknown zone fails here, before anything runs
            MeasureFlags zone_check;
            zone_check.zone = *spec.zone;
            zone_check.no_db = true;
            to_measure_options(zone_check);
        }
        const auto db = db_path();
        if (flags->restart) {
            experiment::ExperimentState state(db);
            if (state.exists(spec.name)) state.remove(spec.name);
        }
        const bool terminal = ::isatty(STDERR_FILENO) == 1 && !flags->quiet;
        experiment::RunnerOptions options;
        options.db_path = db;
        if (flags->max_runs > 0) options.max_runs = flags->max_runs;
        if (terminal)
            options.on_progress = [](const experiment::Progress& p) { fmt::print(stderr, "\r\033[K{}", progress_line(p)); };
        options.on_event = [terminal, quiet = flags->quiet](const std::string& line) {
            if (!quiet) fmt::print(stderr, "{}powerml: {}\n", terminal ? "\r\033[K" : "", line);
        };
        experiment::ExperimentRunner runner(spec, options, carbon_function());
        const auto outcome = runner.run();
        if (terminal) fmt::print(stderr, "\n");
        if (!flags->quiet) {
            if (outcome.resumed) fmt::print(stderr, "powerml: resumed experiment '{}'\n", spec.name);
            fmt::print(stderr, "powerml: measured {} run(s) now; {} finished, {} failed, {} still to do\n", outcome.measured_now,
                       outcome.finished, outcome.failed, outcome.pending);
            if (outcome.complete()) print_results(experiment::load_results(db, spec.name));
            else fmt::print(stderr, "powerml: run 'powerml experiment run {}' again to resume\n", flags->file);
        }
        exit_code = outcome.complete() ? 0 : k_exit_incomplete;
    });

    auto* status = cmd->add_subcommand("status", "Where an experiment stands: every planned run and its state");
    status->add_option("name", flags->name, "Experiment name")->required();
    status->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    status->callback([flags, db_path, &exit_code] {
        experiment::ExperimentState state(db_path());
        const auto info = state.info(flags->name);
        const auto items = state.items(flags->name);
        if (flags->format == "json") {
            nlohmann::json out = {{"name", info.name}, {"total", info.total}, {"finished", info.finished},
                                  {"failed", info.failed}, {"runs", nlohmann::json::array()}};
            for (const auto& i : items)
                out["runs"].push_back({{"seq", i.seq}, {"scenario", i.scenario}, {"repetition", i.repetition},
                                       {"status", i.status}, {"run_id", i.run_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.run_id)},
                                       {"exit_status", i.exit_status ? nlohmann::json(*i.exit_status) : nlohmann::json(nullptr)},
                                       {"error", i.error}});
            fmt::print("{}\n", out.dump(2));
        } else {
            fmt::print("experiment {}: {} planned, {} finished, {} failed\n", info.name, info.total, info.finished, info.failed);
            for (const auto& i : items)
                fmt::print("{:>4} {:<20} #{:<4} {:<9} {:<24} {}\n", i.seq, i.scenario, i.repetition, i.status, i.run_id, i.error);
        }
        exit_code = 0;
    });

    auto* list = cmd->add_subcommand("list", "Experiments in the run store");
    list->callback([db_path, &exit_code] {
        experiment::ExperimentState state(db_path());
        for (const auto& e : state.list())
            fmt::print("{:<30} {:>4} planned {:>4} finished {:>4} failed  created {}\n", e.name, e.total, e.finished, e.failed,
                       format_rfc3339(e.created_utc_ms));
        exit_code = 0;
    });

    auto* show = cmd->add_subcommand("show", "Statistics over the repetitions of every scenario");
    show->add_option("name", flags->name, "Experiment name, or a folder written by measure --repeat N --out DIR")->required();
    show->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    show->add_option("--tables", flags->tables, "Also write every table as CSV and JSON into this directory");
    show->add_option("--correlate", flags->correlate,
                     "X:Y  Pearson r and Spearman rho between two indicators across repetitions, per scenario "
                     "(names as in the statistics table, e.g. duration_s:gross_energy_j)");
    show->add_option("--phase", flags->phase, "With --correlate: use the indicators of this phase (e.g. epoch-3)");
    show->callback([flags, db_path, &exit_code] {
        const auto results =
            experiment::load_results(db_path(), measure::group_experiment(flags->name).value_or(flags->name));
        const auto tables = report::experiment_tables(results);
        if (!flags->tables.empty()) write_tables(tables, flags->tables);
        if (!flags->correlate.empty()) {
            print_correlations(results, flags->correlate, flags->phase);
            exit_code = 0;
            return;
        }
        if (flags->format == "json") {
            std::string out = "{\"experiment\": " + nlohmann::json(results.spec.name).dump() + ", \"tables\": [";
            for (std::size_t i = 0; i < tables.size(); ++i) out += (i ? "," : "") + tables[i].to_json();
            fmt::print("{}]}}\n", out);
        } else {
            print_results(results);
        }
        exit_code = 0;
    });
}

}  // namespace powerml::cli
