// powerml runs list | show RUN | export RUN --out DIR
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "powerml/measure/run_source.hpp"
#include "powerml/record/summary_json.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/units.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"
#include "powerml/store/store_location.hpp"

namespace powerml::cli {

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
    runs->add_option("--db", flags->db, "Run store: a SQLite file or postgresql://... (default $XDG_DATA_HOME/powerml/runs.sqlite)");
    auto db_path = [flags] { return flags->db.empty() ? paths::default_run_db() : std::filesystem::path(flags->db); };

    auto* list = runs->add_subcommand("list", "Most recent runs first");
    list->add_option("--limit", flags->limit, "How many")->capture_default_str();
    list->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    list->callback([flags, db_path, &exit_code] {
        std::vector<store::RunListItem> items;
        if (store::run_store_exists(db_path()))
            items = store::RunStore(db_path(), store::RunStore::Mode::read_only).list(flags->limit);
        if (flags->format == "json") {
            nlohmann::json out = nlohmann::json::array();
            const auto opt = [](const auto& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
            for (const auto& r : items) {
                nlohmann::json item = {{"id", r.id},
                                       {"status", r.status},
                                       {"started", format_rfc3339(r.started_utc_ms)},
                                       {"duration_s", r.duration_s},
                                       {"exit_status", opt(r.exit_status)},
                                       {"net_j", opt(r.net_j)},
                                       {"g_co2e", opt(r.g_co2e)},
                                       {"command", r.command}};
                if (!r.problem.empty()) item["problem"] = r.problem;
                out.push_back(std::move(item));
            }
            fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        } else {
            // One unit for the whole energy column, chosen by its largest value.
            double largest = 0;
            for (const auto& r : items)
                if (r.net_j) largest = std::max(largest, std::fabs(*r.net_j));
            const auto unit = units::energy_unit_for_max(largest);
            fmt::print("{:<24} {:<11} {:<20} {:>10} {:>5} {:>11} {:>12}  {}\n", "run", "status", "started", "duration [s]", "exit",
                       fmt::format("net [{}]", unit.symbol), "CO2e [g]", "command");
            for (const auto& r : items) {
                fmt::print("{:<24} {:<11} {:<20} {:>10} {:>5} {:>11} {:>12}  {}\n", r.id, r.status,
                           format_rfc3339(r.started_utc_ms), units::format_significant(r.duration_s),
                           r.exit_status ? std::to_string(*r.exit_status) : "-",
                           r.net_j ? units::format_significant(*r.net_j / unit.joules_per_unit) : "-",
                           r.g_co2e ? units::format_significant(*r.g_co2e) : "-", r.problem.empty() ? r.command : "(" + r.problem + ")");
            }
        }
        exit_code = 0;
    });

    auto* show = runs->add_subcommand("show", "Print a run's summary.json");
    show->add_option("run", flags->id, "Run id, a unique prefix, or a folder written by measure --out")->required();
    show->callback([flags, db_path, &exit_code] {
        fmt::print("{}", record::summary_json(measure::load_run(flags->id, db_path()).record));
        exit_code = 0;
    });

    auto* export_cmd = runs->add_subcommand("export", "Write a run's summary.json, samples.csv and phases.csv");
    export_cmd->add_option("run", flags->id, "Run id, a unique prefix, or a folder written by measure --out")->required();
    export_cmd->add_option("--out", flags->out, "Directory")->required();
    export_cmd->callback([flags, db_path, &exit_code] {
        const auto run = measure::load_run(flags->id, db_path());
        store::write_run_files(flags->out, run.record, run.timeline);
        const std::filesystem::path dir = flags->out;
        fmt::print(stderr, "powerml: wrote {}/summary.json, samples.csv, phases.csv\n", dir.string());
        exit_code = 0;
    });
}

}  // namespace powerml::cli
