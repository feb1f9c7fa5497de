#include "powerml/core/units.hpp"
#include "powerml/planner/interruptible_scheduler.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "powerml/core/error.hpp"

namespace powerml::planner {
namespace {

constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr std::int64_t k_max_cells = 60'000'000;  // steps x states: ~240 MB of back-pointers

struct Steps {
    std::vector<UtcMillis> start;
    std::vector<UtcMillis> length;
    std::vector<double> value;  // g/kWh
    std::vector<char> valid;    // false inside a gap in the data
    UtcMillis quantum = 0;
};

// Cuts [first boundary >= window_start, window_end] into equal steps (the gcd of the piece
// lengths); only the step at window_end may be shorter.
Steps make_steps(const SiteModel& m) {
    Steps s;
    const IntensityIntegral& in = *m.here;
    const auto& b = in.bounds();
    auto it = std::lower_bound(b.begin(), b.end(), m.window_start);
    if (it == b.end() || *it >= m.window_end) return s;
    const std::size_t first_piece = static_cast<std::size_t>(it - b.begin());
    UtcMillis q = 0;
    for (std::size_t i = first_piece; i + 1 < b.size() && b[i] < m.window_end; ++i) {
        const UtcMillis len = std::min(b[i + 1], m.window_end) - b[i];
        if (b[i + 1] <= m.window_end) q = std::gcd(q, len);
        else if (q == 0) q = len;
    }
    if (q <= 0) return s;
    s.quantum = q;
    for (std::size_t i = first_piece; i + 1 < b.size() && b[i] < m.window_end; ++i) {
        const UtcMillis end = std::min(b[i + 1], m.window_end);
        for (UtcMillis t = b[i]; t < end; t += q) {
            s.start.push_back(t);
            s.length.push_back(std::min(q, end - t));
            s.value.push_back(in.value(i));
            s.valid.push_back(in.gap(i) ? 0 : 1);
        }
        if (static_cast<std::int64_t>(s.start.size()) > k_max_cells)
            throw Error("interruptible search: too many time steps; give a coarser series or a shorter window");
    }
    return s;
}

}  // namespace

std::optional<Schedule> schedule_interruptible(const SiteModel& m, int max_pauses) {
    const Steps st = make_steps(m);
    const std::int64_t n_steps = static_cast<std::int64_t>(st.start.size());
    if (n_steps == 0) return std::nullopt;
    const UtcMillis q = st.quantum;
    const UtcMillis work = m.run_ms;
    const UtcMillis c = m.checkpoint_ms;

    // Pauses worth considering: each non-final segment has at least one whole step, and the
    // work left must stay positive, so k (q - c) < work when c < q.
    std::int64_t k_max = c < q ? work / (q - c) + 1 : n_steps / 2 + 1;
    k_max = std::min<std::int64_t>(k_max, n_steps / 2 + 1);
    if (max_pauses >= 0) k_max = std::min<std::int64_t>(k_max, max_pauses);
    const std::int64_t n_max = (work + k_max * c) / q + 1;  // whole steps of work
    const std::int64_t seg_cap = std::max<std::int64_t>(1, (m.min_segment_ms + q - 1) / q);
    const std::int64_t n_states = (n_max + 1) * (k_max + 1) * (seg_cap + 1);
    if (n_states * (n_steps + 1) > k_max_cells)
        throw Error(fmt::format("interruptible search: {} steps x {} states is too large; shorten the window or the job",
                                n_steps, n_states));

    auto index = [&](std::int64_t n, std::int64_t k, std::int64_t s) { return (n * (k_max + 1) + k) * (seg_cap + 1) + s; };
    auto unpack = [&](std::int64_t idx, std::int64_t& n, std::int64_t& k, std::int64_t& s) {
        s = idx % (seg_cap + 1);
        idx /= (seg_cap + 1);
        k = idx % (k_max + 1);
        n = idx / (k_max + 1);
    };
    const double ms_to_s = 1.0 / 1000.0;
    auto run_g = [&](std::int64_t t, UtcMillis ms) { return SiteModel::grams(m.power_w, st.value[t] * ms * ms_to_s); };

    // parent[t][state]: state at boundary t-1 it came from; a set high bit marks a pause at
    // boundary t from the running state with that index in the same layer.
    constexpr std::int32_t k_pause_bit = std::int32_t(1) << 30;
    std::vector<std::int32_t> parent(static_cast<std::size_t>((n_steps + 1) * n_states), -1);
    std::vector<double> cur(n_states, k_inf), next(n_states, k_inf);
    cur[index(0, 0, 0)] = 0.0;

    double best_score = k_inf, best_g = 0;
    std::int64_t best_t = -1, best_state = -1;
    UtcMillis best_rem = 0;

    for (std::int64_t t = 0; t < n_steps; ++t) {
        std::fill(next.begin(), next.end(), k_inf);
        std::int32_t* par_next = &parent[static_cast<std::size_t>((t + 1) * n_states)];
        auto relax = [&](std::int64_t to, double cost, std::int64_t from) {
            if (cost < next[to]) {
                next[to] = cost;
                par_next[to] = static_cast<std::int32_t>(from);
            }
        };
        const bool valid = st.valid[t] != 0;
        const UtcMillis len = st.length[t];
        for (std::int64_t idx = 0; idx < n_states; ++idx) {
            const double cost = cur[idx];
            if (cost == k_inf) continue;
            std::int64_t n, k, s;
            unpack(idx, n, k, s);
            if (s == 0) relax(idx, cost, idx);  // wait through this step
            if (!valid) continue;
            double g = cost;
            if (s == 0 && n == 0 && k == 0 && m.moved()) {
                // First start: the data arrive just in time, over [start - transfer, start].
                const UtcMillis from = st.start[t] - m.transfer_ms;
                if (!m.origin->covered(from, st.start[t]) || !m.here->covered(from, st.start[t])) continue;
                g += m.transfer_g(st.start[t]);
            }
            const UtcMillis rem = work + k * c - n * q;
            if (rem <= len) {
                // The job finishes in this step.
                const bool ok_segment = k == 0 || s >= seg_cap || s * q + rem >= m.min_segment_ms;
                if (!ok_segment) continue;
                const UtcMillis end = st.start[t] + rem;
                const double total = g + run_g(t, rem);
                const double score = total + m.end_penalty_g(end);
                if (score < best_score) {
                    best_score = score;
                    best_g = total;
                    best_t = t;
                    best_state = idx;
                    best_rem = rem;
                }
            } else if (len == q && n + 1 <= n_max) {
                relax(index(n + 1, k, std::min(s + 1, seg_cap)), g + run_g(t, q), idx);
            }
        }
        // Pauses at boundary t+1: a running segment long enough may stop here.
        if (t + 1 < n_steps) {
            for (std::int64_t idx = 0; idx < n_states; ++idx) {
                if (next[idx] == k_inf) continue;
                std::int64_t n, k, s;
                unpack(idx, n, k, s);
                if (s < seg_cap || k + 1 > k_max) continue;
                const double g = next[idx] + units::grams_co2e(m.checkpoint.energy_j, st.value[t]);
                const std::int64_t to = index(n, k + 1, 0);
                if (g < next[to]) {
                    next[to] = g;
                    par_next[to] = static_cast<std::int32_t>(idx) | k_pause_bit;
                }
            }
        }
        std::swap(cur, next);
    }
    if (best_t < 0) return std::nullopt;

    // Walk back: which steps ran and where the pauses were.
    std::vector<char> ran(static_cast<std::size_t>(n_steps), 0);
    std::vector<char> pause_at(static_cast<std::size_t>(n_steps + 1), 0);
    ran[best_t] = 1;
    std::int64_t state = best_state;
    for (std::int64_t t = best_t; t > 0;) {
        const std::int32_t p = parent[static_cast<std::size_t>(t * n_states + state)];
        if (p & k_pause_bit) {
            pause_at[t] = 1;
            state = p & ~k_pause_bit;
            continue;  // same boundary, the running state before the pause
        }
        std::int64_t n, k, s;
        unpack(state, n, k, s);
        if (s > 0) ran[t - 1] = 1;
        state = p;
        --t;
    }
    Schedule out;
    out.g_co2e = best_g;
    out.score = best_score;
    for (std::int64_t t = 0; t < n_steps; ++t) {
        if (!ran[t]) continue;
        const UtcMillis end = t == best_t ? st.start[t] + best_rem : st.start[t] + st.length[t];
        if (!out.segments.empty() && out.segments.back().end == st.start[t] && !pause_at[t])
            out.segments.back().end = end;
        else
            out.segments.push_back({st.start[t], end});
    }
    return out;
}

}  // namespace powerml::planner
