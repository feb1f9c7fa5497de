#include "demo_plan.hpp"

#include <fmt/format.h>

#include "powerml/carbon/sources.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/time.hpp"
#include "powerml/planner/planner.hpp"

namespace powerml::cli {

std::string demo_plan(const workloads::TrainingEstimate& estimate) {
    try {
        if (!(estimate.duration_s.value > 0) || !(estimate.energy_j.value > 0))
            return "  when and where: the measured net energy is not positive (the idle baseline was as busy as the run), "
                   "so there is nothing to plan\n";
        planner::JobSpec job;
        job.name = "the full LeNet training";
        job.duration_s = estimate.duration_s.value;
        job.power_w = estimate.energy_j.value / estimate.duration_s.value;  // net, as the run is charged
        job.profile_origin = "the demo's prediction";
        const UtcMillis now = utc_now_ms();
        job.deadline = now + static_cast<UtcMillis>((24 * 3600 + estimate.duration_s.value) * 1000);
        job.data_gb = 0.03;  // Fashion-MNIST's four gzipped files
        // Seed 000's comparison: its edge site in Cyprus against Great Britain and Sweden.
        job.sites = {{"cyprus", "CY", "EU", true},
                     {"great-britain", "GB", "UK", false},
                     {"sweden", "SE", "EU", false}};
        const Config config = Config::load_user();
        planner::SeriesSource source = [&config](const std::string& zone, UtcMillis from, UtcMillis to) {
            return carbon::fetch_series("embedded", zone, from, to, config);
        };
        planner::PlanSettings settings;
        settings.now = now;
        settings.alternatives_per_site = 0;
        const planner::Plan plan = planner::Planner(source).plan(job, settings);
        std::string out = "\nWhen and where (planner, embedded grid data, start within 24 h):\n";
        out += fmt::format("  now in Cyprus      {:.3g} g CO2e\n", plan.baseline.g_co2e);
        out += fmt::format("  best: {} from {}  {:.3g} g CO2e ({:.0f} % less)\n", plan.best.site, format_rfc3339(plan.best.start),
                           plan.best.g_co2e, plan.best.savings_pct);
        for (const auto& option : plan.options)
            if (option.site != plan.best.site)
                out += fmt::format("  or {} from {}  {:.3g} g CO2e\n", option.site, format_rfc3339(option.start), option.g_co2e);
        out += "  ('powerml plan --job FILE' plans your own jobs with deadlines, data transfer and drift)\n";
        return out;
    } catch (const Error& e) {
        return std::string("  when and where: the planner could not plan this job: ") + e.what() + "\n";
    }
}

}  // namespace powerml::cli
