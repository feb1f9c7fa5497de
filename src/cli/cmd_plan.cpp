// powerml plan --job FILE [--source SPEC]... [--format json|text] [--emit slurm|kubernetes]
// Reads the job file, hands the planner one intensity series per zone from the carbon data
// layer, and prints the plan (or the scheduler hand-off).
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/history_forecast.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/planner/handoff.hpp"
#include "powerml/planner/job_file.hpp"
#include "powerml/planner/plan_report.hpp"
#include "powerml/planner/planner.hpp"
#include "powerml/store/run_store.hpp"

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

// "--source GB=ukgrid" applies to one zone, "--source csv:/x.csv" to every other zone.
std::string spec_for(const std::vector<std::string>& sources, const std::string& zone) {
    std::string fallback = "embedded";
    for (const std::string& s : sources) {
        const auto eq = s.find('=');
        const bool per_zone = eq != std::string::npos && s.find_first_of(":/") > eq;
        if (per_zone) {
            if (s.substr(0, eq) == zone) return s.substr(eq + 1);
        } else {
            fallback = s;
        }
    }
    return fallback;
}

// `run = "<id>"` in a job file: the run's wall time and mean gross power from the run store.
std::optional<planner::RunProfile> run_from_store(const std::string& id) {
    const auto db_file = paths::default_run_db();
    if (!std::filesystem::exists(db_file)) return std::nullopt;
    store::RunStore db(db_file);
    const store::StoredRun run = db.load(id);
    if (run.summary_json.empty())
        throw Error(fmt::format("run '{}' was interrupted and has no summary; measure it again", run.id));
    const auto summary = nlohmann::json::parse(run.summary_json);
    planner::RunProfile p;
    p.duration_s = summary.at("duration_s").get<double>();
    const double gross = summary.at("energy_j").at("gross").get<double>();
    p.power_w = p.duration_s > 0 ? gross / p.duration_s : 0.0;
    p.origin = "run " + run.id + " in " + db_file.string();
    return p;
}

// Forecast or estimated points whose source states no error get the built-in forecaster's
// measured error instead: its mean absolute percentage error 25-48 h ahead on the zone's most
// recent shipped year (HistoryForecast::backtest, docs/accuracy.md). A typical profile errs at
// least as much, so this is a lower bound, and said so. Zones without hourly data keep
// "unknown".
void state_missing_error(carbon::IntensitySeries& s) {
    if (s.relative_uncertainty > 0) return;
    bool uncertain = false;
    for (const auto& p : s.points) uncertain = uncertain || p.kind != carbon::PointKind::measured;
    if (!uncertain) return;
    auto& data = carbon::EmbeddedData::instance();
    std::string zone;
    try {
        zone = data.resolve(s.zone).zone;
    } catch (const Error&) {
        return;
    }
    const auto years = data.hourly_years(zone);
    if (years.empty()) return;
    const auto year = data.hourly(zone, years.back());
    for (const auto& row : carbon::HistoryForecast::backtest(*year, s.basis)) {
        if (row.horizon_from_h != 25 || !(row.mape_pct > 0)) continue;
        s.relative_uncertainty = row.mape_pct / 100.0;
        s.note += fmt::format("{}range +-{:.0f} %: the built-in forecaster's measured error 25-48 h ahead on {} {} "
                              "(a lower bound for a typical profile)",
                              s.note.empty() ? "" : "; ", row.mape_pct, zone, year->year);
    }
}

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
        const planner::JobSpec job = planner::load_job_file(flags->job, run_from_store);
        planner::SeriesSource source = [flags, &config](const std::string& zone, UtcMillis from, UtcMillis to) {
            carbon::IntensitySeries s = carbon::fetch_series(spec_for(flags->sources, zone), zone, from, to, config);
            state_missing_error(s);
            return s;
        };
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
