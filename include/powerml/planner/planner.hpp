#pragma once
// When and where to run a job: builds one SiteModel per allowed site from the series it is
// handed, searches every start exactly (contiguous, and the optimal pause schedule for
// interruptible jobs), and returns the baseline, the best option and the ranked alternatives
// with the numbers behind them. It never fetches data: the caller supplies a SeriesSource.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/planner/job_spec.hpp"
#include "powerml/planner/site_model.hpp"

namespace powerml::planner {

// Intensity for `zone` covering [from, to]. Throws Error for an unknown zone.
using SeriesSource = std::function<carbon::IntensitySeries(const std::string& zone, UtcMillis from, UtcMillis to)>;

struct PlanOption {
    std::string site;
    std::string zone;
    std::string jurisdiction;
    bool moved = false;  // the data leave the current site
    UtcMillis start = 0;
    UtcMillis end = 0;
    std::vector<Segment> segments;  // one for a contiguous run
    double run_s = 0.0;             // time spent running (incl. checkpoint overhead)
    double energy_j = 0.0;          // compute, incl. PUE and checkpoint energy
    double transfer_energy_j = 0.0;
    double transfer_s = 0.0;
    double compute_g = 0.0;         // incl. checkpoints
    double transfer_g = 0.0;
    double g_co2e = 0.0;
    // Range from the stated error of forecast/estimated points; equal to g_co2e when the
    // data are measured. uncertainty_known is false when such points carry no stated error.
    double g_co2e_low = 0.0;
    double g_co2e_high = 0.0;
    bool uncertainty_known = true;
    double uncertain_share = 0.0;   // share of g_co2e that rests on forecast/estimated points
    double mean_intensity = 0.0;    // g/kWh over the run, energy-weighted
    double accuracy_loss_pp = 0.0;
    double delay_s = 0.0;           // after the earliest possible finish at the current site
    double score = 0.0;             // what was minimised (g CO2e equivalent)
    double savings_g = 0.0;         // against the baseline
    double savings_pct = 0.0;
};

struct ExcludedSite {
    std::string site;
    std::string reason;
};

struct SeriesInfo {
    std::string zone;
    std::string provider;
    std::string signal;
    std::string note;
    std::string attribution;
    double relative_uncertainty = 0.0;
    std::size_t points = 0;
    std::size_t uncertain_points = 0;
};

struct Plan {
    std::string job;
    UtcMillis earliest_start = 0;
    bool earliest_is_now = false;
    UtcMillis deadline = 0;
    PlanOption baseline;
    PlanOption best;
    std::vector<PlanOption> options;  // ranked by score; options[0] is best
    bool clearly_best = true;         // best's range lies below the runner-up's
    std::string comparison;           // one sentence about best vs runner-up
    std::vector<ExcludedSite> excluded;
    std::vector<SeriesInfo> series;
};

struct PlanSettings {
    UtcMillis now = 0;               // used when the job has no earliest_start
    int alternatives_per_site = 2;   // further non-overlapping starts listed per site
    int max_pauses = -1;             // interruptible jobs; < 0: no cap
    // Score only this start (contiguous) at every allowed site, the baseline included, instead
    // of searching: "what if we start at 18:00?". The window's constraints still hold.
    std::optional<UtcMillis> fixed_start;
};

class Planner {
public:
    explicit Planner(SeriesSource source) : m_source(std::move(source)) {}

    // Throws Error for an inconsistent job (naming the field) or missing data (naming the zone).
    Plan plan(const JobSpec& job, const PlanSettings& settings) const;

    // Full accounting of one schedule at one site (public so tests can check it directly).
    static PlanOption evaluate(const SiteModel& model, const std::vector<Segment>& segments,
                               double relative_uncertainty_here, double relative_uncertainty_origin);

private:
    SeriesSource m_source;
};

}  // namespace powerml::planner
