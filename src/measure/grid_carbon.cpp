#include "powerml/measure/grid_carbon.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "powerml/carbon/run_carbon.hpp"

namespace powerml::measure {

void check_zone(const std::string& zone) { carbon::yearly_average(zone); }

CarbonFunction grid_carbon_function() {
    return [](const record::Timeline& timeline, const record::RunSummary& summary, const MeasureOptions& options) {
        // Each interval's energy, weighed by the intensity at its time. With an idle baseline
        // the job is charged its net energy (what it added to the idle machine), as in seed 001.
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
        record::RunCarbon out;
        out.zone = result.zone;
        out.g_co2e = result.g_co2e;
        out.basis = net ? record::EnergyBasis::net : record::EnergyBasis::gross;
        const double energy = net ? summary.net_j : summary.gross_j;
        out.energy_j = energy;
        out.g_co2e_uncertainty = energy != 0 ? std::fabs(result.g_co2e * summary.uncertainty_j / energy) : 0.0;
        out.intensity_source = result.intensity_source;
        out.intensity_g_per_kwh = result.mean_g_per_kwh;
        out.pue = options.pue;
        out.note = "charged on the job's " + std::string(record::describe(out.basis)) +
                   (result.time_resolved ? ", intensity of each sample's hour" : ", yearly average intensity");
        return out;
    };
}

}  // namespace powerml::measure
