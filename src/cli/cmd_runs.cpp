// powerml runs list | show RUN | job KEY | export RUN --out DIR
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "powerml/measure/job_ranks.hpp"
#include "powerml/measure/run_source.hpp"
#include "powerml/record/summary_json.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/units.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"
#include "powerml/store/store_location.hpp"

namespace powerml::cli {

namespace {

// The job as a table: one line per node, the total, the phases by wall time, the notes.
std::string job_summary_text(const record::JobSummary& job) {
    double largest = std::fabs(job.net_j);
    const auto unit = units::energy_unit_for_max(largest);
    const auto basis = [](const std::optional<record::EnergyBasis>& b) { return b ? std::string(record::to_string(*b)) : "mixed"; };
    std::string out = fmt::format("job {}: {} node{} reported{}\n", job.key, job.nodes.size(), job.nodes.size() == 1 ? "" : "s",
                                  job.complete() ? "" : fmt::format(", {} MISSING: {}", job.missing_nodes.size(),
                                                                    fmt::join(job.missing_nodes, ", ")));
    out += fmt::format("{:<20} {:>6} {:>12} {:>12} {:>8} {:>8} {:>12}  {}\n", "node", "ranks", fmt::format("gross [{}]", unit.symbol),
                       fmt::format("net [{}]", unit.symbol), "basis", "zone", "CO2e [g]", "runs");
    const auto row = [&](const std::string& node, const std::string& ranks, double gross, double net, const std::string& b,
                         const std::string& zone, const std::optional<double>& g, const std::string& runs) {
        out += fmt::format("{:<20} {:>6} {:>12} {:>12} {:>8} {:>8} {:>12}  {}\n", node, ranks,
                           units::format_significant(gross / unit.joules_per_unit), units::format_significant(net / unit.joules_per_unit),
                           b, zone, g ? units::format_significant(*g) : "-", runs);
    };
    for (const auto& n : job.nodes)
        row(n.node, fmt::format("{}/{}", n.ranks, n.local_world_size), n.gross_j, n.net_j, basis(n.basis), n.zone.value_or("-"),
            n.g_co2e, fmt::format("{}", fmt::join(n.run_ids, " ")));
    for (const auto& m : job.missing_nodes) out += fmt::format("{:<20} never reported\n", m);
    row("total", fmt::format("{}", job.ranks_reported), job.gross_j, job.net_j, basis(job.basis), "", job.g_co2e,
        fmt::format("(+/- {} {})", units::format_significant(job.uncertainty_j / unit.joules_per_unit), unit.symbol));
    if (!job.phases.empty()) {
        out += "phases (by wall time):\n";
        for (const auto& p : job.phases)
            out += fmt::format("  {}  {:<20} {:<28} {:>10} s {:>12} net\n", format_rfc3339(p.start_utc_ms), p.node, p.name,
                               units::format_significant((p.end_utc_ms - p.start_utc_ms) / 1000.0),
                               units::format_energy(p.net_j));
    }
    for (const auto& n : job.notes) out += "note: " + n + "\n";
    return out;
}

}  // namespace

void add_runs_command(CLI::App& app, int& exit_code) {
    struct Flags {
        std::string db;
        std::string id;
        std::string out;
        std::size_t limit = 20;
        std::string format = "text";
        std::string expect_nodes;
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

    auto* job = runs->add_subcommand("job", "Sum one distributed job across its nodes (runs sharing a job key)");
    job->add_option("key", flags->id, "The job key: slurm:JOB.STEP, torchrun:ID@HOST:PORT, or what --job-key gave")->required();
    job->add_option("--expect-nodes", flags->expect_nodes,
                    "Nodes the job ran on (Slurm host list, e.g. node[01-04]), besides those its runs name");
    job->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    job->footer("Exit status: 0 when every expected node reported, 3 when some never did (named in the output).");
    job->callback([flags, db_path, &exit_code] {
        const auto summary =
            measure::load_job(flags->id, db_path(), flags->expect_nodes.empty() ? std::vector<std::string>{}
                                                                                 : measure::expand_hostlist(flags->expect_nodes));
        if (flags->format == "json") fmt::print("{}", record::job_summary_json(summary));
        else fmt::print("{}", job_summary_text(summary));
        exit_code = summary.complete() ? 0 : 3;
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
