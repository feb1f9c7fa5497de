#include "measure_options.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/carbon/run_carbon.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::cli {

void add_measure_flags(CLI::App& cmd, MeasureFlags& flags) {
    cmd.add_option("--interval", flags.interval_ms, "Sampling interval in milliseconds (1 to 60000)")
        ->capture_default_str();
    cmd.add_option("--baseline", flags.baseline_s, "Seconds of idle machine to sample before the command, subtracted as baseline")
        ->capture_default_str();
    cmd.add_option("--zone", flags.zone, "Grid zone for emissions (Electricity Maps id, country code or cloud region)");
    cmd.add_option("--source", flags.source, "Grid-data source for --zone (embedded, csv:PATH, a provider name)")
        ->capture_default_str();
    cmd.add_option("--pue", flags.pue, "Power usage effectiveness of the site (1.0 to 5.0)")->capture_default_str();
    cmd.add_option("--out", flags.out, "Write summary.json, samples.csv and phases.csv to this directory");
    cmd.add_option("--db", flags.db, "Run store (SQLite); default $XDG_DATA_HOME/powerml/runs.sqlite");
    cmd.add_option("--gpus", flags.gpus,
                   "GPUs the job was given (indices or UUIDs, comma-separated); default: $CUDA_VISIBLE_DEVICES, else all");
    cmd.add_flag("--no-db", flags.no_db, "Do not record the run in the run store");
    cmd.add_flag("--quiet,-q", flags.quiet, "Do not print the summary on stderr");
}

measure::MeasureOptions to_measure_options(const MeasureFlags& flags) {
    measure::MeasureOptions options;
    options.interval_s = flags.interval_ms / 1000.0;
    options.baseline_s = flags.baseline_s;
    if (!flags.zone.empty()) {
        carbon::yearly_average(flags.zone);  // an unknown zone fails here, before anything runs
        options.zone = flags.zone;
    }
    options.carbon_source = flags.source;
    options.pue = flags.pue;
    if (!flags.out.empty()) options.out_dir = flags.out;
    if (!flags.no_db) options.db_path = flags.db.empty() ? paths::default_run_db() : std::filesystem::path(flags.db);
    options.command = flags.command;
    // The NVML source reads its GPU selection from POWERML_GPUS (flag > env, as everywhere).
    if (!flags.gpus.empty()) ::setenv("POWERML_GPUS", flags.gpus.c_str(), 1);
    return options;
}

measure::CarbonFunction carbon_function() {
    return [](const sampler::Timeline& timeline, const measure::MeasureOptions& options) {
        // Each interval's energy, weighed by the intensity at its time. With an idle baseline
        // the job is charged its net energy (what it added to the idle machine), as in seed 001.
        const auto summary = analysis::summarize(timeline);
        double baseline_w = 0;
        for (const auto& c : summary.components)
            if (c.summed) baseline_w += c.baseline_power_w;
        std::vector<carbon::EnergyPiece> net_pieces, gross_pieces;
        for (std::size_t i = 1; i < timeline.rows.size(); ++i) {
            const auto& before = timeline.rows[i - 1];
            const auto& row = timeline.rows[i];
            const double lo = std::max(before.t_s, timeline.job_start_s), hi = std::min(row.t_s, timeline.job_end_s);
            if (hi <= lo || row.t_s <= before.t_s) continue;
            const double share = (hi - lo) / (row.t_s - before.t_s);
            double energy = 0;
            for (std::size_t c = 0; c < timeline.channels.size(); ++c)
                if (timeline.channels[c].summed) energy += row.energy_j[c];
            const UtcMillis at = timeline.start_utc_ms + static_cast<UtcMillis>(lo * 1000.0);
            gross_pieces.push_back({at, share * energy});
            net_pieces.push_back({at, share * energy - baseline_w * (hi - lo)});
        }
        const Config config = Config::load_user();
        const bool net = timeline.baseline_end_s > 0;
        const auto result = carbon::run_carbon(*options.zone, options.carbon_source, net ? net_pieces : gross_pieces,
                                               options.pue, config);
        store::RunCarbon out;
        out.zone = result.zone;
        out.g_co2e = result.g_co2e;
        const double energy = net ? summary.net_j : summary.gross_j;
        out.g_co2e_uncertainty = energy != 0 ? std::fabs(result.g_co2e * summary.uncertainty_j / energy) : 0.0;
        out.intensity_source = result.intensity_source;
        out.intensity_g_per_kwh = result.mean_g_per_kwh;
        out.pue = options.pue;
        out.note = std::string("charged on the job's ") + (net ? "net energy (gross minus idle baseline)" : "gross energy (no baseline)") +
                   (result.time_resolved ? ", intensity of each sample's hour" : ", yearly average intensity");
        return out;
    };
}

}  // namespace powerml::cli
