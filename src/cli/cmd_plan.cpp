// powerml plan --job FILE [--source SPEC]... [--format json|text] [--emit slurm|kubernetes]
// Reads the job file, hands the planner one intensity series per zone from the carbon data
// layer, and prints the plan (or the scheduler hand-off).
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/cli/commands.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/planner/handoff.hpp"
#include "powerml/planner/job_file.hpp"
#include "powerml/planner/plan_inputs.hpp"
#include "powerml/planner/plan_report.hpp"
#include "powerml/planner/series_uncertainty.hpp"
#include "powerml/planner/planner.hpp"

namespace powerml::cli {

namespace {

struct PlanFlags {
    std::string job;
    std::vector<std::string> sources;
    std::string format = "text";
    std::string emit;
    std::string start;
    int alternatives = 2;
};

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<PlanFlags>();
    auto* cmd = app.add_subcommand("plan", "Recommend when and where to run a job (docs/reference/job-file.md)");
    cmd->add_option("--job", flags->job, "Job file (TOML)")->required();
    cmd->add_option("--source", flags->sources,
                    "Intensity source: SPEC for every zone or ZONE=SPEC for one (embedded, csv:PATH, a provider); repeatable");
    cmd->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->add_option("--emit", flags->emit, "Print the hand-off instead: slurm or kubernetes")
        ->check(CLI::IsMember({"slurm", "kubernetes"}));
    cmd->add_option("--start", flags->start, "Score this start (RFC 3339) at every allowed site instead of searching");
    cmd->add_option("--alternatives", flags->alternatives, "Further non-overlapping starts listed per site")
        ->capture_default_str()
        ->check(CLI::Range(0, 50));
    cmd->callback([flags, &exit_code] {
        const Config config = Config::load_user();
        const planner::JobSpec job = planner::load_job_file(flags->job, planner::run_from_store);
        const planner::SeriesSource source = planner::grid_series_source(flags->sources, config);
        planner::PlanSettings settings;
        settings.now = utc_now_ms();
        settings.alternatives_per_site = flags->alternatives;
        if (!flags->start.empty()) settings.fixed_start = parse_rfc3339(flags->start);
        const planner::Plan plan = planner::Planner(source).plan(job, settings);
        if (flags->emit == "slurm") {
            fmt::print("{}", planner::slurm_commands(plan, job));
        } else if (flags->emit == "kubernetes") {
            fmt::print("{}", planner::kubernetes_manifest(plan, job));
        } else if (flags->format == "json") {
            fmt::print("{}\n", planner::plan_to_json(plan).dump(2));
        } else {
            fmt::print("{}", planner::plan_to_text(plan));
        }
        exit_code = 0;
    });
}

}  // namespace powerml::cli
