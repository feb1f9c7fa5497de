// The dynamic programme against exhaustive search: on small random instances every subset of
// the window's steps is tried as a schedule (with checkpoint time and energy, min_segment,
// transfer and drift), and the cheapest must equal what the DP finds.
#include "powerml/planner/interruptible_scheduler.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "powerml/planner/planner.hpp"
#include "powerml/planner/window_search.hpp"
#include "synthetic.hpp"

namespace powerml::planner {
namespace {

constexpr UtcMillis k_minute = 60'000;
constexpr UtcMillis k_hour = 3'600'000;

struct Instance {
    carbon::IntensitySeries here_series, origin_series;
    IntensityIntegral here, origin;
    Site site;
    SiteModel model;
};

std::unique_ptr<Instance> random_instance(std::mt19937& rng, bool moved) {
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    auto real = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    auto in = std::make_unique<Instance>();
    in->here_series = test::random_series(rng, "H", 0, 16, 3600.0);
    in->origin_series = test::random_series(rng, "O", 0, 16, 3600.0);
    in->here = IntensityIntegral(in->here_series);
    in->origin = IntensityIntegral(in->origin_series);
    in->site.name = "s";
    SiteModel& m = in->model;
    m.site = &in->site;
    m.here = &in->here;
    m.origin = moved ? &in->origin : nullptr;
    m.power_w = real(100, 400);
    m.run_ms = k_minute * uni(20, 300);
    if (moved) {
        m.transfer_ms = k_minute * uni(1, 90);
        m.transfer_energy_j = real(1e5, 5e6);
    }
    const UtcMillis earliest = k_minute * uni(60, 150);
    m.window_start = earliest + m.transfer_ms;
    // At most 12 steps in the window keeps exhaustive search at 4,096 subsets.
    m.window_end = std::min<UtcMillis>(m.window_start + m.run_ms + k_minute * uni(0, 6 * 60),
                                       (m.window_start / k_hour + 1 + 11) * k_hour + k_minute * uni(0, 59));
    m.reference_end = earliest + m.run_ms;
    m.interruptible = true;
    m.checkpoint.seconds = uni(0, 1) ? real(0, 900) : 0.0;
    m.checkpoint_ms = std::llround(m.checkpoint.seconds * 1000);
    m.checkpoint.energy_j = uni(0, 1) ? real(0, 2e5) : 0.0;
    m.min_segment_ms = k_minute * (uni(0, 2) * 45);
    if (uni(0, 1)) {
        m.loss_pp_per_hour = real(0.01, 0.1);
        m.g_per_accuracy_pp = real(0, 200);
        m.g_per_hour_delay = real(0, 20);
    }
    return in;
}

// Every subset of steps that forms a valid schedule; the cheapest score (infinity if none).
double exhaustive(const SiteModel& m, std::vector<Segment>* best_segments) {
    std::vector<UtcMillis> start, len;
    std::vector<double> value;
    for (std::size_t i = 0; i + 1 < m.here->bounds().size(); ++i) {
        const UtcMillis a = m.here->bounds()[i], b = std::min(m.here->bounds()[i + 1], m.window_end);
        if (a < m.window_start || a >= m.window_end) continue;
        start.push_back(a);
        len.push_back(b - a);
        value.push_back(m.here->value(i));
    }
    const int n = static_cast<int>(start.size());
    EXPECT_LE(n, 13);
    const UtcMillis q = k_hour;
    double best = std::numeric_limits<double>::infinity();
    for (unsigned mask = 1; mask < (1u << n); ++mask) {
        const int last = 31 - std::countl_zero(mask);
        // Segments: maximal runs of consecutive steps.
        std::vector<std::pair<int, int>> segs;  // first step, count
        for (int t = 0; t < n; ++t) {
            if (!(mask >> t & 1)) continue;
            if (!segs.empty() && segs.back().first + segs.back().second == t) ++segs.back().second;
            else segs.push_back({t, 1});
        }
        const int k = static_cast<int>(segs.size()) - 1;
        bool ok = true;
        for (int t = 0; t < last; ++t)
            if ((mask >> t & 1) && len[t] != q) ok = false;
        const UtcMillis rem = m.run_ms + k * m.checkpoint_ms - (std::popcount(mask) - 1) * q;
        if (!ok || rem <= 0 || rem > len[last]) continue;
        if (k > 0) {
            for (int s = 0; s < k; ++s)
                if (segs[s].second * q < m.min_segment_ms) ok = false;
            if ((segs.back().second - 1) * q + rem < m.min_segment_ms) ok = false;
        }
        if (!ok) continue;
        if (m.moved() && !(m.here->covered(start[segs[0].first] - m.transfer_ms, start[segs[0].first]) &&
                           m.origin->covered(start[segs[0].first] - m.transfer_ms, start[segs[0].first])))
            continue;
        double g = 0;
        for (int t = 0; t < last; ++t)
            if (mask >> t & 1) g += m.power_w * value[t] * (q / 1000.0) / 3.6e6;
        g += m.power_w * value[last] * (rem / 1000.0) / 3.6e6;
        for (int s = 0; s < k; ++s) {
            const int end_step = segs[s].first + segs[s].second - 1;
            g += m.checkpoint.energy_j * value[end_step] / 3.6e6;
        }
        g += m.transfer_g(start[segs[0].first]);
        const UtcMillis end = start[last] + rem;
        const double score = g + m.end_penalty_g(end);
        if (score < best) {
            best = score;
            if (best_segments) {
                best_segments->clear();
                for (auto [f, c] : segs)
                    best_segments->push_back({start[f], f + c - 1 == last ? start[last] + rem : start[f] + c * q});
            }
        }
    }
    return best;
}

TEST(InterruptibleSchedulerTest, MatchesExhaustiveSearchOnSmallInstances) {
    std::mt19937 rng(42);
    int found = 0, paused = 0;
    for (int trial = 0; trial < 300; ++trial) {
        SCOPED_TRACE("trial " + std::to_string(trial));
        auto in = random_instance(rng, trial % 3 == 0);
        const SiteModel& m = in->model;
        std::vector<Segment> expected_segments;
        const double expected = exhaustive(m, &expected_segments);
        const auto dp = schedule_interruptible(m);
        if (!std::isfinite(expected)) {
            EXPECT_FALSE(dp.has_value());
            continue;
        }
        ASSERT_TRUE(dp.has_value());
        ++found;
        if (dp->segments.size() > 1) ++paused;
        EXPECT_NEAR(dp->score, expected, 1e-9 * expected);
        // The planner's independent accounting of the DP's schedule gives the same score.
        const PlanOption o = Planner::evaluate(m, dp->segments, 0.0, 0.0);
        EXPECT_NEAR(o.score, dp->score, 1e-9 * expected);
        EXPECT_NEAR(o.g_co2e, dp->g_co2e, 1e-9 * expected);
        EXPECT_LE(dp->segments.back().end, m.window_end);
        EXPECT_GE(dp->segments.front().start, m.window_start);
        // Never worse than the best contiguous run starting on a data boundary.
        for (const WindowCandidate& c : search_windows(m)) {
            if (std::find(m.here->bounds().begin(), m.here->bounds().end(), c.start) != m.here->bounds().end())
                EXPECT_LE(dp->score, c.score + 1e-9 * c.score);
        }
    }
    EXPECT_GT(found, 250);
    EXPECT_GT(paused, 30);  // the instances do exercise pausing
}

TEST(InterruptibleSchedulerTest, SkipsAnExpensivePeakWhenThePauseIsCheaper) {
    // 3 h of work; hours 0-1 cheap, hour 2 very dear, hours 3-4 cheap; deadline at 5 h.
    auto series = test::make_series("H", 0, {100, 100, 1000, 120, 130, 900});
    IntensityIntegral in(series);
    Site site{.name = "s"};
    SiteModel m;
    m.site = &site;
    m.here = &in;
    m.power_w = 1000;
    m.run_ms = 3 * k_hour;
    m.window_end = 5 * k_hour;
    m.reference_end = 3 * k_hour;
    m.interruptible = true;
    m.checkpoint = {60.0, 3600.0};  // 1 minute and 1 Wh
    m.checkpoint_ms = 60'000;
    auto dp = schedule_interruptible(m);
    ASSERT_TRUE(dp);
    ASSERT_EQ(dp->segments.size(), 2u);
    EXPECT_EQ(dp->segments[0].start, 0);
    EXPECT_EQ(dp->segments[0].end, 2 * k_hour);
    EXPECT_EQ(dp->segments[1].start, 3 * k_hour);
    // The pause costs a minute of extra work: the job ends at 04:01.
    EXPECT_EQ(dp->segments[1].end, 4 * k_hour + 60'000);
    EXPECT_NEAR(dp->g_co2e, 100 + 100 + 120 + 130.0 / 60 + 1.0 / 1000 * 100, 1e-9);
}

}  // namespace
}  // namespace powerml::planner
