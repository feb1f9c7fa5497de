#include "powerml/planner/planner.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/units.hpp"
#include "powerml/planner/intensity_integral.hpp"
#include "powerml/planner/interruptible_scheduler.hpp"
#include "powerml/planner/window_search.hpp"

namespace powerml::planner {
namespace {

// What a thread keeps between plans, at most: the candidate buffer (a year of hourly data at
// 20 sites needs 8 MB) and the zones' prefix sums (0.23 MB a zone-year of hourly data). A
// server's worker threads each keep theirs, so both are bounded; a bigger plan frees its excess.
constexpr std::size_t k_scratch_kept = (std::size_t{16} << 20) / sizeof(WindowCandidate);
constexpr std::size_t k_zone_bytes_kept = std::size_t{16} << 20;

// Zones' data kept between plans, in number (more than a job usually names).
constexpr std::size_t k_zones_kept = 64;

UtcMillis ms(double seconds) { return static_cast<UtcMillis>(std::llround(seconds * 1000.0)); }

struct ZoneData {
    carbon::IntensitySeries series;
    IntensityIntegral integral;
};

// Scores compared at a microgram: options that differ only by rounding noise tie, and ties go
// to the earlier start (candidates are scanned in time order) and the site listed first, so
// that "start later for 0 g less" is never recommended.
long long score_key(double score) { return std::llround(score * 1e6); }

bool overlaps(const std::vector<Segment>& a, UtcMillis start, UtcMillis end) {
    for (const Segment& s : a)
        if (start < s.end && s.start < end) return true;
    return false;
}

std::string describe_comparison(const PlanOption& best, const PlanOption& runner, bool clearly) {
    const std::string who = fmt::format("{} starting {}", runner.site, format_rfc3339(runner.start));
    if (!best.uncertainty_known || !runner.uncertainty_known)
        return fmt::format("Cannot say whether the best option is clearly better than the runner-up ({}): "
                           "part of the data is forecast or estimated with no stated error.", who);
    if (clearly)
        return fmt::format("The best option is clearly better than the runner-up ({}): even at the ends of their "
                           "ranges it emits less ({} at most vs {} at least).",
                           who, units::format_mass_co2e(best.g_co2e_high), units::format_mass_co2e(runner.g_co2e_low));
    return fmt::format("The best option is not clearly better than the runner-up ({}): their ranges overlap "
                       "({} to {} vs {} to {}).",
                       who, units::format_mass_co2e(best.g_co2e_low), units::format_mass_co2e(best.g_co2e_high),
                       units::format_mass_co2e(runner.g_co2e_low), units::format_mass_co2e(runner.g_co2e_high));
}

}  // namespace

PlanOption Planner::evaluate(const SiteModel& m, const std::vector<Segment>& segments, double u_here, double u_origin) {
    if (segments.empty()) throw Error("planner: an option needs at least one segment");
    PlanOption o;
    o.site = m.site->name;
    o.zone = m.site->zone;
    o.jurisdiction = m.site->jurisdiction;
    o.moved = m.moved();
    o.segments = segments;
    o.start = segments.front().start;
    o.end = segments.back().end;
    double unc_here = 0.0, unc_origin = 0.0;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const Segment& s = segments[i];
        o.run_s += static_cast<double>(s.end - s.start) / 1000.0;
        o.compute_g += SiteModel::grams(m.power_w, m.here->integral(s.start, s.end));
        unc_here += SiteModel::grams(m.power_w, m.here->uncertain_integral(s.start, s.end));
        if (i + 1 < segments.size()) {
            // Checkpoint energy at the intensity of the last millisecond before the pause.
            const double g_per_kwh = m.here->integral(s.end - 1, s.end) * 1000.0;
            const double unc_per_kwh = m.here->uncertain_integral(s.end - 1, s.end) * 1000.0;
            o.compute_g += units::grams_co2e(m.checkpoint.energy_j, g_per_kwh);
            unc_here += units::grams_co2e(m.checkpoint.energy_j, unc_per_kwh);
            o.energy_j += m.checkpoint.energy_j;
        }
    }
    o.energy_j += m.power_w * o.run_s;
    if (m.moved()) {
        o.transfer_energy_j = m.transfer_energy_j;
        o.transfer_s = static_cast<double>(m.transfer_ms) / 1000.0;
        o.transfer_g = m.transfer_g(o.start);
        if (m.transfer_ms > 0 && m.transfer_energy_j > 0) {
            const UtcMillis from = o.start - m.transfer_ms;
            const double half_power = m.transfer_energy_j / 2.0 / o.transfer_s;
            unc_here += SiteModel::grams(half_power, m.here->uncertain_integral(from, o.start));
            unc_origin += SiteModel::grams(half_power, m.origin->uncertain_integral(from, o.start));
        }
    }
    o.g_co2e = o.compute_g + o.transfer_g;
    const double spread = u_here * unc_here + u_origin * unc_origin;
    o.g_co2e_low = std::max(0.0, o.g_co2e - spread);
    o.g_co2e_high = o.g_co2e + spread;
    o.uncertainty_known = !((unc_here > 0 && u_here <= 0) || (unc_origin > 0 && u_origin <= 0));
    o.uncertain_share = o.g_co2e > 0 ? (unc_here + unc_origin) / o.g_co2e : 0.0;
    const double compute_kwh = units::kwh_from_joules(o.energy_j);
    o.mean_intensity = compute_kwh > 0 ? o.compute_g / compute_kwh : 0.0;
    o.accuracy_loss_pp = m.accuracy_loss_pp(o.end);
    o.delay_s = m.delay_h(o.end) * 3600.0;
    o.score = o.g_co2e + m.end_penalty_g(o.end);
    return o;
}

Plan Planner::plan(const JobSpec& job, const PlanSettings& settings) const {
    Plan plan;
    plan.job = job.name;
    plan.earliest_is_now = !job.earliest_start.has_value();
    plan.earliest_start = job.earliest_start.value_or(settings.now);
    plan.deadline = job.deadline;
    const UtcMillis earliest = plan.earliest_start;
    if (job.sites.empty()) throw Error("job: no [[site]] given");
    if (!(job.power_w > 0)) throw Error(fmt::format("job: [job] power_w: must be > 0 (got {})", job.power_w));
    if (earliest + ms(job.duration_s) > job.deadline)
        throw Error(fmt::format("job: [job] deadline: {} is before the earliest start ({}{}) + duration",
                                format_rfc3339(job.deadline), plan.earliest_is_now ? "now, " : "",
                                format_rfc3339(earliest)));
    const Site& current = job.current_site();

    // One series per zone, covering everything from the earliest transfer to the deadline.
    std::map<std::string, std::unique_ptr<ZoneData>> zones;
    // Zone data is kept between plans on this thread, as the candidate buffer below is: a
    // year's prefix sums at 20 zones are 4.5 MB, faulted in afresh each plan otherwise.
    thread_local std::vector<std::unique_ptr<ZoneData>> pool;
    struct GiveBack {
        std::map<std::string, std::unique_ptr<ZoneData>>& zones;
        ~GiveBack() {
            std::size_t bytes = 0;
            for (const auto& kept : pool) bytes += kept->integral.capacity_bytes();
            for (auto& [zone, data] : zones) {
                const std::size_t more = data->integral.capacity_bytes();
                if (pool.size() >= k_zones_kept || bytes + more > k_zone_bytes_kept) continue;
                bytes += more;
                pool.push_back(std::move(data));
            }
        }
    } give_back{zones};
    auto zone_data = [&](const Site& site) -> const ZoneData& {
        auto it = zones.find(site.zone);
        if (it != zones.end()) return *it->second;
        std::unique_ptr<ZoneData> data;
        if (pool.empty()) {
            data = std::make_unique<ZoneData>();
        } else {
            data = std::move(pool.back());
            pool.pop_back();
        }
        try {
            data->series = m_source(site.zone, earliest, job.deadline);
        } catch (const Error& e) {
            throw Error(fmt::format("job: [[site]] '{}' zone '{}': {}", site.name, site.zone, e.what()));
        }
        data->integral.assign(data->series);
        // The integral holds what the search needs; keep the series' description only.
        const std::size_t n_points = data->series.points.size();
        std::size_t n_uncertain = 0;
        for (const auto& p : data->series.points) n_uncertain += p.kind != carbon::PointKind::measured ? 1 : 0;
        SeriesInfo info{site.zone, data->series.provider, std::string(carbon::to_string(data->series.signal)),
                        data->series.note, data->series.attribution, data->series.relative_uncertainty,
                        n_points, n_uncertain};
        plan.series.push_back(std::move(info));
        data->series.points = {};
        return *zones.emplace(site.zone, std::move(data)).first->second;
    };

    const ZoneData& origin = zone_data(current);
    const UtcMillis reference_end = earliest + ms(job.duration_s / current.speed);
    UtcMillis drift_end = job.deadline;
    if (job.drift && job.drift->max_loss_pp && job.drift->loss_pp_per_hour > 0) {
        const double hours = *job.drift->max_loss_pp / job.drift->loss_pp_per_hour;
        drift_end = std::min<UtcMillis>(drift_end, reference_end + ms(hours * 3600.0));
    }

    auto make_model = [&](const Site& site, const ZoneData& here) {
        SiteModel m;
        m.site = &site;
        m.here = &here.integral;
        m.power_w = site.power_w.value_or(job.power_w) * site.pue;
        m.run_ms = ms(job.duration_s / site.speed);
        if (!site.current) {
            m.origin = &origin.integral;
            const double gbps = std::min(site.bandwidth_gbps, current.bandwidth_gbps);
            m.transfer_ms = ms(job.data_gb * 8.0 / gbps);
            m.transfer_energy_j = units::joules_from_kwh(job.data_gb * site.network_kwh_per_gb);
        }
        m.window_start = earliest + m.transfer_ms;
        m.window_end = drift_end;
        m.reference_end = reference_end;
        m.loss_pp_per_hour = job.drift ? job.drift->loss_pp_per_hour : 0.0;
        m.g_per_accuracy_pp = job.objective.g_per_accuracy_pp;
        m.g_per_hour_delay = job.objective.g_per_hour_delay;
        m.interruptible = job.interruptible;
        m.checkpoint = job.checkpoint;
        m.checkpoint_ms = ms(job.checkpoint.seconds);
        m.min_segment_ms = ms(job.min_segment_s);
        return m;
    };

    // Baseline: start as early as possible (or at the fixed start) where the job is now, in one piece.
    {
        const UtcMillis start = settings.fixed_start.value_or(earliest);
        if (settings.fixed_start && (start < earliest || start > job.deadline))
            throw Error(fmt::format("start {} is outside the job's window {} to {}", format_rfc3339(start),
                                    format_rfc3339(earliest), format_rfc3339(job.deadline)));
        SiteModel m = make_model(current, origin);
        const UtcMillis end = start + m.run_ms;
        if (!origin.integral.covered(start, end))
            throw Error(fmt::format("job: [[site]] '{}' zone '{}': no intensity data for the baseline run {} to {}",
                                    current.name, current.zone, format_rfc3339(start), format_rfc3339(end)));
        plan.baseline = evaluate(m, {{start, end}}, origin.series.relative_uncertainty, 0.0);
    }

    // Reused by every site and by every plan on this thread: a year at 20 sites scores ~340,000
    // starts (8 MB), and fresh memory that size costs more in page faults than the search
    // itself whatever the allocator does with it. Released when a plan needed an unusual amount.
    thread_local std::vector<WindowCandidate> candidates;
    struct Release {
        ~Release() {
            if (candidates.capacity() > k_scratch_kept) candidates = {};
        }
    } release;
    for (const Site& site : job.sites) {
        if (!job.jurisdiction_allowed(site.jurisdiction)) {
            plan.excluded.push_back({site.name, fmt::format("jurisdiction '{}' is not in allowed_jurisdictions",
                                                            site.jurisdiction)});
            continue;
        }
        const ZoneData& here = zone_data(site);
        const SiteModel m = make_model(site, here);
        if (m.window_end - m.window_start < m.run_ms) {
            plan.excluded.push_back(
                {site.name, fmt::format("cannot finish in time: {} of transfer and {} of running from {} end after {}",
                                        units::format_duration(static_cast<double>(m.transfer_ms) / 1000.0),
                                        units::format_duration(static_cast<double>(m.run_ms) / 1000.0),
                                        format_rfc3339(earliest), format_rfc3339(m.window_end))});
            continue;
        }
        search_windows(m, candidates);
        if (settings.fixed_start) {
            const UtcMillis s = *settings.fixed_start;
            const bool fits = s >= m.window_start && s + m.run_ms <= m.window_end &&
                              here.integral.covered(s, s + m.run_ms) &&
                              (!m.moved() || (here.integral.covered(s - m.transfer_ms, s) &&
                                              origin.integral.covered(s - m.transfer_ms, s)));
            if (!fits) {
                plan.excluded.push_back({site.name, fmt::format("cannot start at {}: the transfer, the window or the data do "
                                                                "not allow it", format_rfc3339(s))});
                continue;
            }
            plan.options.push_back(evaluate(m, {{s, s + m.run_ms}}, here.series.relative_uncertainty,
                                            origin.series.relative_uncertainty));
            continue;
        }
        std::vector<std::vector<Segment>> chosen;
        if (job.interruptible) {
            auto schedule = schedule_interruptible(m, settings.max_pauses);
            auto best_window = std::min_element(candidates.begin(), candidates.end(),
                                                [](const auto& a, const auto& b) { return score_key(a.score) < score_key(b.score); });
            if (schedule && (best_window == candidates.end() || score_key(schedule->score) < score_key(best_window->score)))
                chosen.push_back(schedule->segments);
        }
        // The best contiguous start, then the best ones not overlapping those already taken:
        // a few linear scans instead of sorting a year of candidates.
        const std::size_t wanted = chosen.size() + 1 + static_cast<std::size_t>(std::max(0, settings.alternatives_per_site));
        while (chosen.size() < wanted) {
            const WindowCandidate* pick = nullptr;
            long long pick_key = 0;
            for (const WindowCandidate& c : candidates) {
                // Rounding is monotonic: a score not below the pick's cannot have a lower key
                // (NaN compares false and takes the exact path).
                if (pick && c.score >= pick->score) continue;
                const long long key = score_key(c.score);
                if (pick && key >= pick_key) continue;
                bool clash = false;
                for (const auto& segs : chosen) clash = clash || overlaps(segs, c.start, c.start + m.run_ms);
                if (!clash) {
                    pick = &c;
                    pick_key = key;
                }
            }
            if (!pick) break;
            chosen.push_back({{pick->start, pick->start + m.run_ms}});
        }
        if (chosen.empty()) {
            plan.excluded.push_back({site.name, "no intensity data covers a run that fits the window"});
            continue;
        }
        for (const auto& segs : chosen)
            plan.options.push_back(evaluate(m, segs, here.series.relative_uncertainty, origin.series.relative_uncertainty));
    }
    if (plan.options.empty()) {
        std::string why;
        for (const auto& e : plan.excluded) why += fmt::format("; {}: {}", e.site, e.reason);
        throw Error("job: no site can run the job within its constraints" + why);
    }
    std::stable_sort(plan.options.begin(), plan.options.end(),
                     [](const PlanOption& a, const PlanOption& b) { return score_key(a.score) < score_key(b.score); });
    for (PlanOption& o : plan.options) {
        o.savings_g = plan.baseline.g_co2e - o.g_co2e;
        o.savings_pct = plan.baseline.g_co2e > 0 ? 100.0 * o.savings_g / plan.baseline.g_co2e : 0.0;
    }
    plan.baseline.savings_g = 0.0;
    plan.baseline.savings_pct = 0.0;
    plan.best = plan.options.front();
    if (plan.options.size() > 1) {
        const PlanOption& best = plan.options[0];
        const PlanOption& runner = plan.options[1];
        const double best_high = best.score + (best.g_co2e_high - best.g_co2e);
        const double runner_low = runner.score - (runner.g_co2e - runner.g_co2e_low);
        plan.clearly_best = best.uncertainty_known && runner.uncertainty_known && best_high < runner_low;
        plan.comparison = describe_comparison(best, runner, plan.clearly_best);
    } else {
        plan.comparison = "Only one option fits the constraints.";
    }
    return plan;
}

}  // namespace powerml::planner
