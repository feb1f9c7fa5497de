// powerml predict RUN [--after K] [--epochs N] [--format text|json]
#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/analysis/prediction.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/units.hpp"
#include "powerml/measure/run_source.hpp"

namespace powerml::cli {

namespace {

nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

// "12.3 Wh (95 % prediction interval 11.9 to 12.8 Wh)": the figure and its interval in one unit.
std::string energy_line(double value, const std::optional<double>& lo, const std::optional<double>& hi) {
    const auto unit = units::energy_unit_for({value, hi.value_or(value)});
    if (!lo || !hi) return units::format_energy_in(value, unit) + " (no interval: see the notes)";
    return fmt::format("{} (95 % prediction interval {} to {} {})", units::format_energy_in(value, unit),
                       units::format_significant(*lo / unit.joules_per_unit), units::format_significant(*hi / unit.joules_per_unit),
                       unit.symbol);
}

std::string duration_line(double value, const std::optional<double>& lo, const std::optional<double>& hi) {
    // Seconds, or minutes or hours for long runs: one unit for the figure and its interval.
    const double top = std::max(value, hi.value_or(value));
    const double per = top >= 7200 ? 3600.0 : top >= 120 ? 60.0 : 1.0;
    const char* symbol = per == 3600.0 ? "h" : per == 60.0 ? "min" : "s";
    if (!lo || !hi) return fmt::format("{} {} (no interval: see the notes)", units::format_significant(value / per), symbol);
    return fmt::format("{} {} (95 % prediction interval {} to {} {})", units::format_significant(value / per), symbol,
                       units::format_significant(*lo / per), units::format_significant(*hi / per), symbol);
}

}  // namespace

void add_predict_command(CLI::App& app, int& exit_code) {
    struct Flags {
        std::string id;
        std::size_t after = 0;
        std::size_t epochs = 0;
        std::string format = "text";
        std::string db;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("predict", "Predict a run's total energy and duration from its first epochs");
    cmd->add_option("run", flags->id, "Run id, a unique prefix, or a folder written by measure --out")->required();
    cmd->add_option("--after", flags->after, "Use only the first K epochs (default: all finished epochs)");
    cmd->add_option("--epochs", flags->epochs, "Epochs in the whole run (default: the job's 'metric epochs_total N', "
                                               "or the epochs a finished run has)");
    cmd->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    cmd->add_option("--db", flags->db, "Run store: a SQLite file or postgresql://... (default $XDG_DATA_HOME/powerml/runs.sqlite)");
    cmd->footer("Epochs are phases named epoch... ('powerml mark epoch-3'). Each further epoch is assumed to cost what the\n"
                "observed ones did (energy linear in time, seed 001); the interval is a 95 % prediction interval.\n"
                "On a finished run the prediction is compared with what the run really used.");
    cmd->callback([flags, &exit_code] {
        const auto loaded = measure::load_run(flags->id, flags->db.empty() ? paths::default_run_db() : std::filesystem::path(flags->db));
        const auto& run = loaded.record;
        const auto& timeline = loaded.timeline;
        const auto windows = analysis::epoch_windows(timeline);
        if (windows.empty())
            throw Error("run " + run.id + " has no finished epoch phase: mark epochs with 'powerml mark epoch-N' in the job");
        std::size_t total = flags->epochs;
        if (total == 0) total = analysis::declared_epochs_total(timeline).value_or(0);
        if (total == 0 && run.status == "finished") total = windows.size();
        if (total == 0)
            throw Error("--epochs: the run did not declare its epochs (metric epochs_total N) and did not finish; give --epochs N");
        const std::size_t k = flags->after ? flags->after : std::min(windows.size(), total);
        const auto p = analysis::predict_from_epochs(timeline, k, total);
        const bool truth_known = run.status == "finished" && windows.size() >= total;
        const auto truth = analysis::run_totals(timeline);
        if (flags->format == "json") {
            nlohmann::json out = {{"run_id", run.id},
                                  {"epochs_done", p.epochs_done},
                                  {"epochs_total", p.epochs_total},
                                  {"level", p.level},
                                  {"energy_model", p.energy_model},
                                  {"duration_model", p.duration_model},
                                  {"energy_j", {{"predicted", p.energy_j}, {"low", optional_json(p.energy_low_j)}, {"high", optional_json(p.energy_high_j)}}},
                                  {"duration_s", {{"predicted", p.duration_s}, {"low", optional_json(p.duration_low_s)}, {"high", optional_json(p.duration_high_s)}}},
                                  {"epoch_energy_j", {{"mean", p.epoch_energy_mean_j}, {"sd", p.epoch_energy_sd_j}}},
                                  {"epoch_duration_s", {{"mean", p.epoch_duration_mean_s}, {"sd", p.epoch_duration_sd_s}}},
                                  {"notes", p.notes}};
            if (truth_known) {
                out["actual"] = {{"energy_j", truth.energy_j}, {"duration_s", truth.duration_s},
                                 {"energy_error_pct", (p.energy_j - truth.energy_j) / truth.energy_j * 100.0},
                                 {"duration_error_pct", (p.duration_s - truth.duration_s) / truth.duration_s * 100.0}};
                nlohmann::json back = nlohmann::json::array();
                for (const auto& b : analysis::backtest_prediction(timeline, total))
                    back.push_back({{"k", b.k}, {"energy_error_pct", b.energy_error_pct}, {"duration_error_pct", b.duration_error_pct},
                                    {"energy_to_last_epoch_error_pct", b.energy_to_last_epoch_error_pct},
                                    {"duration_to_last_epoch_error_pct", b.duration_to_last_epoch_error_pct},
                                    {"energy_in_interval", b.energy_in_interval}, {"duration_in_interval", b.duration_in_interval}});
                out["backtest"] = back;
            }
            fmt::print("{}\n", out.dump(2));
        } else {
            fmt::print("run {}: after {} of {} epochs (epoch model: energy {}, duration {})\n", run.id, p.epochs_done,
                       p.epochs_total, p.energy_model, p.duration_model);
            fmt::print("  energy:   {}\n", energy_line(p.energy_j, p.energy_low_j, p.energy_high_j));
            fmt::print("  duration: {}\n", duration_line(p.duration_s, p.duration_low_s, p.duration_high_s));
            const auto epoch_unit = units::energy_unit_for({p.epoch_energy_mean_j});
            fmt::print("  per epoch: {} ± {} {} (sd), {} ± {} s\n", units::format_significant(p.epoch_energy_mean_j / epoch_unit.joules_per_unit),
                       units::format_significant(p.epoch_energy_sd_j / epoch_unit.joules_per_unit), epoch_unit.symbol,
                       units::format_significant(p.epoch_duration_mean_s), units::format_significant(p.epoch_duration_sd_s));
            if (truth_known) {
                const auto unit = units::energy_unit_for({truth.energy_j});
                fmt::print("  actual:   {} and {} s: error {:+.1f} % energy, {:+.1f} % duration\n",
                           units::format_energy_in(truth.energy_j, unit), units::format_significant(truth.duration_s),
                           (p.energy_j - truth.energy_j) / truth.energy_j * 100.0,
                           (p.duration_s - truth.duration_s) / truth.duration_s * 100.0);
            }
            for (const auto& n : p.notes) fmt::print("  note: {}\n", n);
        }
        exit_code = 0;
    });
}

}  // namespace powerml::cli
