// powerml meter import|fit: a wall meter's log over a time window, and the per-machine
// correction wall = a x sensors + b fitted from a run that had both.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/time.hpp"
#include "powerml/core/units.hpp"
#include "powerml/sensors/meter_log.hpp"
#include "powerml/sensors/wall_correction.hpp"

namespace powerml::cli {

namespace {

struct ImportArgs {
    std::string log, from, to, format = "text";
    double offset_s = 0.0;
};

struct FitArgs {
    std::string meter, sensors, format = "text";
    std::optional<std::string> machine, store;
    double offset_s = 0.0;
};

void run_import(const ImportArgs& a) {
    const auto log = sensors::MeterLog::load(a.log);
    const UtcMillis from = a.from.empty() ? log.rows().front().time : parse_rfc3339(a.from);
    const UtcMillis to = a.to.empty() ? log.rows().back().time + static_cast<UtcMillis>(log.step_s() * 1000) : parse_rfc3339(a.to);
    if (to <= from) throw Error("--to must be later than --from");
    const auto w = log.window(from, to, a.offset_s);
    if (a.format == "json") {
        nlohmann::json doc{{"schema", "powerml.meter-window/1"}, {"log", a.log},
                           {"from", format_rfc3339(from)},   {"to", format_rfc3339(to)},
                           {"offset_s", a.offset_s},         {"energy_j", w.energy_j},
                           {"mean_power_w", w.mean_power_w}, {"covered_s", w.covered_s},
                           {"gap_s", w.gap_s},               {"rows", w.rows},
                           {"step_s", log.step_s()}};
        fmt::print("{}\n", doc.dump(2));
    } else {
        fmt::print("{} to {}: {} at the wall, mean {:.1f} W over {:.0f} s covered by {} rows", format_rfc3339(from),
                   format_rfc3339(to), units::format_energy(w.energy_j), w.mean_power_w, w.covered_s, w.rows);
        fmt::print("{}\n", w.gap_s > 0 ? fmt::format("; {:.0f} s not covered by the log", w.gap_s) : "");
    }
}

void run_fit(const FitArgs& a) {
    const auto meter = sensors::MeterLog::load(a.meter);
    // The sensors' summed power uses the same time,watts CSV shape as a meter log.
    const auto sensor_log = sensors::MeterLog::load(a.sensors);
    std::vector<sensors::TimedPower> samples;
    for (const auto& r : sensor_log.rows()) samples.push_back({r.time, r.watts});
    auto c = sensors::WallCorrection::fit(meter.pair_with(samples, a.offset_s));
    c.fitted_at = utc_now_ms();
    c.source = a.meter;
    const std::string machine = a.machine.value_or(sensors::WallCorrectionStore::this_machine());
    const auto file = a.store ? std::filesystem::path(*a.store) : sensors::WallCorrectionStore::default_file();
    sensors::WallCorrectionStore(file).save(machine, c);
    if (a.format == "json") {
        nlohmann::json doc{{"schema", "powerml.wall-correction/1"}, {"machine", machine}, {"store", file.string()},
                           {"a", c.a}, {"b_w", c.b}, {"r2", c.r2}, {"rmse_w", c.rmse_w}, {"points", c.points},
                           {"sensor_min_w", c.sensor_min_w}, {"sensor_max_w", c.sensor_max_w}};
        fmt::print("{}\n", doc.dump(2));
    } else {
        fmt::print("{}\nsensor range {:.1f}-{:.1f} W, residual {:.1f} W; saved for machine {} in {}\n", c.label(),
                   c.sensor_min_w, c.sensor_max_w, c.rmse_w, machine, file.string());
    }
}

}  // namespace

void add_meter_command(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("meter", "Wall power meter logs and the per-machine wall correction");
    cmd->require_subcommand(1);

    auto import_args = std::make_shared<ImportArgs>();
    auto* imp = cmd->add_subcommand("import", "Energy a meter log (CSV: time,watts) shows over a time window");
    imp->add_option("log", import_args->log, "meter log CSV")->required()->check(CLI::ExistingFile);
    imp->add_option("--from", import_args->from, "window start, RFC 3339 (default: the log's first row)");
    imp->add_option("--to", import_args->to, "window end, RFC 3339 (default: the log's end)");
    imp->add_option("--offset", import_args->offset_s, "meter clock minus run clock, seconds");
    imp->add_option("--format", import_args->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    imp->callback([import_args, &exit_code] {
        run_import(*import_args);
        exit_code = 0;
    });

    auto fit_args = std::make_shared<FitArgs>();
    auto* fit = cmd->add_subcommand("fit", "Fit wall = a x sensors + b from a run with both, and store it for this machine");
    fit->add_option("--meter", fit_args->meter, "meter log CSV (time,watts)")->required()->check(CLI::ExistingFile);
    fit->add_option("--sensors", fit_args->sensors, "the run's summed sensor power, CSV (time,watts)")
        ->required()
        ->check(CLI::ExistingFile);
    fit->add_option("--offset", fit_args->offset_s, "meter clock minus run clock, seconds");
    fit->add_option("--machine", fit_args->machine, "machine id (default: /etc/machine-id or host name)");
    fit->add_option("--store", fit_args->store, "corrections file (default: user data dir/wall-corrections.json)");
    fit->add_option("--format", fit_args->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    fit->callback([fit_args, &exit_code] {
        run_fit(*fit_args);
        exit_code = 0;
    });
}

}  // namespace powerml::cli
