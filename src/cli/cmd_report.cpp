// powerml report RUN|EXPERIMENT... --out report.html [--tables DIR] [--emissions FILE] [--compare TRACKER_FILE]
// powerml report --profile PROFILE.json --out report.html [--tables DIR]
#include <fstream>
#include <memory>
#include <optional>
#include <variant>
#include <set>

#include <fmt/format.h>

#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/experiment/experiment_state.hpp"
#include "powerml/report/emissions_csv.hpp"
#include "powerml/report/html_report.hpp"
#include "powerml/report/profile_report.hpp"
#include "powerml/report/report_tables.hpp"
#include "powerml/report/tracker_comparison.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/store_location.hpp"
#include "run_input.hpp"

#include <nlohmann/json.hpp>

namespace powerml::cli {

void add_report_command(CLI::App& app, int& exit_code) {
    struct Flags {
        std::vector<std::string> targets;
        std::vector<std::string> jobs;
        std::string out;
        std::string tables;
        std::string emissions;
        std::string db;
        std::string project = "powerml";
        std::string compare;
        std::string profile;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("report", "Write the efficiency report (one offline HTML file) for runs and experiments");
    cmd->add_option("targets", flags->targets, "Run ids (or unique prefixes), folders written by measure --out, and experiment names")->expected(-1);
    cmd->add_option("--profile", flags->profile,
                    "Instead of runs: the report of a profile written by 'powerml profile --json FILE' (seed 001's figures)");
    cmd->add_option("--job", flags->jobs,
                    "A distributed job's key (as 'powerml runs job' takes it): its nodes summed, each with its own carbon")
        ->expected(1)
        ->take_all();
    cmd->add_option("--out", flags->out, "The HTML file to write (e.g. report.html)");
    cmd->add_option("--tables", flags->tables, "Write every table of the report as CSV and JSON into this directory");
    cmd->add_option("--emissions", flags->emissions, "Write a CodeCarbon-compatible emissions.csv (one row per run) here");
    cmd->add_option("--project", flags->project, "project_name in emissions.csv")->capture_default_str();
    cmd->add_option("--compare", flags->compare,
                    "A CodeCarbon emissions.csv (2.x or 3.x) or an experiment-impact-tracker log (data.json or its "
                    "directory) for the same job: printed beside PowerML's measurement of the one run given");
    cmd->add_option("--db", flags->db, "Run store: a SQLite file or postgresql://... (default $XDG_DATA_HOME/powerml/runs.sqlite)");
    cmd->footer("An experiment brings its statistics and one representative run per scenario (its first finished\n"
                "repetition); emissions.csv then lists every finished run of the experiment.");
    cmd->callback([flags, &exit_code] {
        if (flags->out.empty() && flags->tables.empty() && flags->emissions.empty() && flags->compare.empty())
            throw Error("report: nothing to write: give --out FILE.html, --tables DIR, --emissions FILE or --compare FILE");
        if (!flags->profile.empty()) {
            if (!flags->targets.empty() || !flags->emissions.empty())
                throw Error("report --profile: give the profile alone (no runs or experiments, no --emissions)");
            std::ifstream in(flags->profile);
            if (!in) throw Error("--profile: cannot open " + flags->profile + " (write one with 'powerml profile --json FILE')");
            workloads::Profile profile;
            try {
                profile = workloads::profile_from_json(nlohmann::json::parse(in));
            } catch (const nlohmann::json::parse_error& e) {
                throw Error("--profile " + flags->profile + ": not JSON: " + e.what());
            } catch (const Error& e) {
                throw Error("--profile " + flags->profile + ": " + e.what());
            }
            if (!flags->out.empty()) {
                const std::filesystem::path out = flags->out;
                if (out.has_parent_path()) store::ensure_writable_dir(out.parent_path());
                store::write_file_atomically(out, report::render_profile_html(profile, "powerml " POWERML_VERSION, utc_now_ms(), flags->profile));
                fmt::print(stderr, "powerml: wrote {}\n", out.string());
            }
            if (!flags->tables.empty()) {
                const std::filesystem::path dir = flags->tables;
                store::ensure_writable_dir(dir);
                const auto tables = report::profile_tables(profile);
                for (const auto& t : tables) {
                    store::write_file_atomically(dir / (t.id + ".csv"), t.to_csv());
                    store::write_file_atomically(dir / (t.id + ".json"), t.to_json());
                }
                fmt::print(stderr, "powerml: wrote {} tables to {}\n", tables.size(), dir.string());
            }
            exit_code = 0;
            return;
        }
        if (flags->targets.empty() && flags->jobs.empty())
            throw Error("report: give run ids, experiment names or --job KEY (or --profile FILE)");
        const auto db = flags->db.empty() ? paths::default_run_db() : std::filesystem::path(flags->db);
        experiment::ExperimentState state(db);
        report::ReportInput input;
        input.generator = "powerml " POWERML_VERSION;
        input.generated_utc_ms = utc_now_ms();
        input.db_path = store::redacted_location(db.string());
        std::vector<report::RunInput> emission_runs;
        for (const auto& given : flags->targets) {
            // A `measure --repeat N --out D` folder stands for its group's experiment.
            const std::string target = measure::group_experiment(given).value_or(given);
            if (!measure::is_run_folder(target) && state.exists(target)) {
                auto results = experiment::load_results(db, target);
                std::set<std::string> shown;
                for (const auto& item : results.items) {
                    if (item.status != "finished") continue;
                    auto in = run_input(measure::load_run(item.run_id, db));
                    emission_runs.push_back(in);
                    if (shown.insert(item.scenario).second) input.runs.push_back(std::move(in));
                }
                input.experiments.push_back(std::move(results));
            } else {
                auto in = run_input(measure::load_run(target, db));  // a run id, prefix or --out folder; throws naming it
                emission_runs.push_back(in);
                input.runs.push_back(std::move(in));
            }
        }
        for (const auto& key : flags->jobs) input.jobs.push_back(measure::load_job(key, db));
        std::optional<report::Table> comparison;
        if (!flags->compare.empty()) {
            if (emission_runs.size() != 1)
                throw Error(fmt::format("report --compare: give exactly one run (the job the tracker watched); got {}",
                                        emission_runs.size()));
            const auto tracker = report::read_tracker_file(flags->compare);
            std::vector<std::string> notes;
            comparison = report::tracker_comparison(emission_runs.front(), tracker, notes);
            fmt::print("{}\n{:<32} {:>16} {:>16} {:>16} {:>9}\n", comparison->title, "component", "PowerML gross J",
                       "PowerML net J", "tracker J", "ratio");
            auto num = [](const report::Cell& c, const char* f) {
                return std::holds_alternative<double>(c) ? fmt::format(fmt::runtime(f), std::get<double>(c)) : std::string("-");
            };
            for (const auto& row : comparison->rows)
                fmt::print("{:<32} {:>16} {:>16} {:>16} {:>9}\n", std::get<std::string>(row[0]), num(row[1], "{:.6g}"),
                           num(row[2], "{:.6g}"), num(row[3], "{:.6g}"), num(row[4], "{:.3f}"));
            for (const auto& n : notes) fmt::print("- {}\n", n);
        }
        if (!flags->out.empty()) {
            const std::filesystem::path out = flags->out;
            if (out.has_parent_path()) store::ensure_writable_dir(out.parent_path());
            store::write_file_atomically(out, report::render_html(input));
            fmt::print(stderr, "powerml: wrote {}\n", out.string());
        }
        if (!flags->tables.empty()) {
            const std::filesystem::path dir = flags->tables;
            store::ensure_writable_dir(dir);
            auto tables = report::all_tables(input);
            if (comparison) tables.push_back(*comparison);
            for (const auto& t : tables) {
                store::write_file_atomically(dir / (t.id + ".csv"), t.to_csv());
                store::write_file_atomically(dir / (t.id + ".json"), t.to_json());
            }
            fmt::print(stderr, "powerml: wrote {} tables to {}\n", tables.size(), dir.string());
        }
        if (!flags->emissions.empty()) {
            const std::filesystem::path out = flags->emissions;
            if (out.has_parent_path()) store::ensure_writable_dir(out.parent_path());
            store::write_file_atomically(out, report::emissions_csv(emission_runs, flags->project));
            fmt::print(stderr, "powerml: wrote {} (CodeCarbon 3.x columns; {})\n", out.string(),
                       report::emissions_basis(emission_runs));
        }
        exit_code = 0;
    });
}

}  // namespace powerml::cli
