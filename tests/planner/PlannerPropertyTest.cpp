// Property tests: on random series and random jobs (fixed seeds) the planner's best option
// equals what a brute-force enumerator finds by scoring every minute of the window at every
// allowed site with naive sums, and every option honours the constraints.
#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "powerml/planner/planner.hpp"
#include "synthetic.hpp"

namespace powerml::planner {
namespace {

constexpr UtcMillis k_minute = 60'000;
constexpr UtcMillis k_hour = 3'600'000;

struct Case {
    JobSpec job;
    std::map<std::string, carbon::IntensitySeries> zones;
};

// Everything lands on whole minutes (start, run time, transfer time), so every kink of the
// emissions as a function of the start is on the brute force's minute grid.
Case random_case(std::mt19937& rng) {
    Case c;
    const UtcMillis base = parse_rfc3339("2023-06-15T00:00:00Z");
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto real = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    c.zones["Z0"] = test::random_series(rng, "Z0", base - 3 * k_hour, 80, 3600.0);
    c.zones["Z1"] = test::random_series(rng, "Z1", base - 3 * k_hour, 160, 1800.0);
    c.zones["Z2"] = test::random_series(rng, "Z2", base - 3 * k_hour, 80, 3600.0);
    c.zones["Z2"].relative_uncertainty = 0.1;
    for (auto& p : c.zones["Z2"].points) p.kind = carbon::PointKind::forecast;

    JobSpec& j = c.job;
    j.name = "random";
    j.duration_s = 120.0 * uni(15, 300);  // even minutes: exact at speeds 0.5, 1 and 2
    j.power_w = real(50, 500);
    j.earliest_start = base + k_minute * uni(0, 180);
    j.deadline = *j.earliest_start + static_cast<UtcMillis>(j.duration_s * 1000) + k_minute * uni(0, 36 * 60);
    const int transfer_min = uni(0, 120);
    j.data_gb = 7.5 * transfer_min;  // at 1 Gbit/s: transfer_min minutes
    if (uni(0, 1)) j.allowed_jurisdictions = {"EU", "UK"};
    if (uni(0, 1)) {
        Drift d;
        d.loss_pp_per_hour = real(0.01, 0.2);
        if (uni(0, 1)) d.max_loss_pp = real(0.2, 3.0);
        j.drift = d;
        j.objective.g_per_accuracy_pp = real(0, 300);
    }
    if (uni(0, 2) == 0) j.objective.g_per_hour_delay = real(0, 50);
    const char* jurisdictions[] = {"EU", "UK", "US"};
    const double speeds[] = {0.5, 1.0, 2.0};
    const int n_sites = uni(1, 4);
    for (int i = 0; i < n_sites; ++i) {
        Site s;
        s.name = "site" + std::to_string(i);
        s.zone = "Z" + std::to_string(uni(0, 2));
        s.current = i == 0;
        s.jurisdiction = jurisdictions[uni(0, 2)];
        s.pue = real(1.0, 1.6);
        s.speed = speeds[uni(0, 2)];
        if (uni(0, 3) == 0) s.power_w = real(50, 500);
        s.network_kwh_per_gb = real(0.0, 0.1);
        s.bandwidth_gbps = 1.0;
        j.sites.push_back(s);
    }
    return c;
}

struct Scored {
    double score = std::numeric_limits<double>::infinity();
    double g = 0;
};

// Emissions and score of a contiguous run at `site` starting at `s`, by naive sums, or
// nothing when it breaks a constraint or lacks data.
std::optional<Scored> naive_score(const Case& c, const Site& site, UtcMillis s) {
    const JobSpec& j = c.job;
    const Site& cur = j.current_site();
    const auto& here = c.zones.at(site.zone);
    const auto& origin = c.zones.at(cur.zone);
    const UtcMillis run = std::llround(j.duration_s / site.speed * 1000.0);
    const UtcMillis transfer = site.current ? 0 : std::llround(j.data_gb * 8.0 / 1.0 * 1000.0);
    const UtcMillis earliest = *j.earliest_start;
    const UtcMillis ref_end = earliest + std::llround(j.duration_s / cur.speed * 1000.0);
    UtcMillis latest_end = j.deadline;
    if (j.drift && j.drift->max_loss_pp)
        latest_end = std::min<UtcMillis>(latest_end, ref_end + std::llround(*j.drift->max_loss_pp / j.drift->loss_pp_per_hour * 3.6e6));
    if (s < earliest + transfer || s + run > latest_end) return std::nullopt;
    const auto run_area = test::naive_integral(here, s, s + run);
    if (!run_area) return std::nullopt;
    const double power = site.power_w.value_or(j.power_w) * site.pue;
    Scored out;
    out.g = power * *run_area / 3.6e6;
    if (!site.current && transfer > 0) {
        const auto a = test::naive_integral(origin, s - transfer, s);
        const auto b = test::naive_integral(here, s - transfer, s);
        if (!a || !b) return std::nullopt;
        const double energy = j.data_gb * site.network_kwh_per_gb * 3.6e6;
        out.g += energy / 2.0 / (transfer / 1000.0) * (*a + *b) / 3.6e6;
    }
    const double delay_h = std::max<double>(0.0, static_cast<double>(s + run - ref_end) / 3.6e6);
    const double loss = j.drift ? j.drift->loss_pp_per_hour * delay_h : 0.0;
    out.score = out.g + j.objective.g_per_accuracy_pp * loss + j.objective.g_per_hour_delay * delay_h;
    return out;
}

TEST(PlannerPropertyTest, BestMatchesBruteForceOverEveryMinuteAtEverySite) {
    std::mt19937 rng(20230615);
    int same_start = 0, cases = 0;
    for (int trial = 0; trial < 120; ++trial) {
        Case c = random_case(rng);
        const JobSpec& j = c.job;
        // Brute force: every minute start (plus the window's own ends) at every allowed site.
        double best_score = std::numeric_limits<double>::infinity();
        std::string best_site;
        UtcMillis best_start = 0;
        std::map<std::string, double> best_per_site;
        for (const Site& site : j.sites) {
            if (!j.jurisdiction_allowed(site.jurisdiction)) continue;
            for (UtcMillis s = *j.earliest_start; s <= j.deadline; s += k_minute) {
                auto r = naive_score(c, site, s);
                if (!r) continue;
                auto& b = best_per_site.try_emplace(site.name, r->score).first->second;
                b = std::min(b, r->score);
                if (r->score < best_score) {
                    best_score = r->score;
                    best_site = site.name;
                    best_start = s;
                }
            }
        }
        Planner planner(test::source_from(c.zones));
        if (best_site.empty()) {
            EXPECT_THROW(planner.plan(j, {}), Error) << "trial " << trial;
            continue;
        }
        const Plan plan = planner.plan(j, {});
        ++cases;
        SCOPED_TRACE("trial " + std::to_string(trial));
        // Same optimum (ties broken either way), and the planner's accounting of its own
        // choice agrees with the naive sums to 0.01 %.
        EXPECT_NEAR(plan.best.score, best_score, 1e-7 * best_score);
        const Site* chosen = nullptr;
        for (const Site& s : j.sites)
            if (s.name == plan.best.site) chosen = &s;
        ASSERT_NE(chosen, nullptr);
        auto check = naive_score(c, *chosen, plan.best.start);
        ASSERT_TRUE(check.has_value());
        EXPECT_NEAR(plan.best.g_co2e, check->g, 1e-4 * check->g);
        EXPECT_NEAR(plan.best.score, check->score, 1e-4 * check->score);
        // Where the best site wins clearly, it is the same site.
        bool clear = true;
        for (const auto& [name, score] : best_per_site)
            if (name != best_site && score < best_score * (1 + 1e-4)) clear = false;
        if (clear) EXPECT_EQ(plan.best.site, best_site);
        if (plan.best.site == best_site && plan.best.start == best_start) ++same_start;

        // Constraints on every option.
        for (const PlanOption& o : plan.options) {
            EXPECT_LE(o.end, j.deadline);
            EXPECT_TRUE(j.jurisdiction_allowed(o.jurisdiction));
            const Site* site = nullptr;
            for (const Site& s : j.sites)
                if (s.name == o.site) site = &s;
            ASSERT_NE(site, nullptr);
            EXPECT_EQ(o.end - o.start, std::llround(j.duration_s / site->speed * 1000.0));
            if (!site->current) {
                EXPECT_TRUE(o.moved);
                EXPECT_DOUBLE_EQ(o.transfer_s, j.data_gb * 8.0);
                EXPECT_GE(o.start, *j.earliest_start + static_cast<UtcMillis>(o.transfer_s * 1000));
                EXPECT_NEAR(o.transfer_energy_j, j.data_gb * site->network_kwh_per_gb * 3.6e6, 1e-6);
            }
            EXPECT_GE(o.score, plan.best.score - 1e-9);
        }
        // Baseline: at the current site, as early as possible.
        EXPECT_EQ(plan.baseline.start, *j.earliest_start);
        EXPECT_EQ(plan.baseline.site, j.current_site().name);
        auto base = naive_score(c, j.current_site(), *j.earliest_start);
        if (base) EXPECT_NEAR(plan.baseline.g_co2e, base->g, 1e-4 * base->g);
    }
    EXPECT_GT(cases, 100);
    EXPECT_GT(same_start, cases / 2);  // ties aside, the very same start
}

TEST(PlannerPropertyTest, ForecastPointsGiveRangesFromTheStatedError) {
    const UtcMillis base = parse_rfc3339("2023-06-15T00:00:00Z");
    std::map<std::string, carbon::IntensitySeries> zones;
    zones["A"] = test::make_series("A", base, std::vector<double>(48, 400.0), 3600, carbon::PointKind::forecast);
    zones["A"].relative_uncertainty = 0.2;
    zones["A"].points[10].g_per_kwh = 390.0;  // 10:00 barely cheaper
    JobSpec j;
    j.name = "t";
    j.duration_s = 3600;
    j.power_w = 1000;
    j.earliest_start = base;
    j.deadline = base + 24 * k_hour;
    j.sites.push_back({.name = "a", .zone = "A", .current = true});
    const Plan plan = Planner(test::source_from(zones)).plan(j, {});
    EXPECT_EQ(plan.best.start, base + 10 * k_hour);
    EXPECT_NEAR(plan.best.g_co2e, 390.0, 1e-9);
    EXPECT_NEAR(plan.best.g_co2e_low, 390.0 * 0.8, 1e-9);
    EXPECT_NEAR(plan.best.g_co2e_high, 390.0 * 1.2, 1e-9);
    EXPECT_FALSE(plan.clearly_best);
    EXPECT_NE(plan.comparison.find("not clearly better"), std::string::npos);

    zones["A"].relative_uncertainty = 0.001;
    const Plan sure = Planner(test::source_from(zones)).plan(j, {});
    EXPECT_TRUE(sure.clearly_best);

    zones["A"].relative_uncertainty = 0.0;  // forecast without a stated error
    const Plan unknown = Planner(test::source_from(zones)).plan(j, {});
    EXPECT_FALSE(unknown.best.uncertainty_known);
    EXPECT_FALSE(unknown.clearly_best);
}

}  // namespace
}  // namespace powerml::planner
