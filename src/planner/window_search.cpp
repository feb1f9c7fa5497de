#include "powerml/core/units.hpp"
#include "powerml/planner/window_search.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace powerml::planner {

double SiteModel::transfer_g(UtcMillis start) const {
    if (!moved() || transfer_energy_j <= 0.0) return 0.0;
    const UtcMillis from = start - transfer_ms;
    const double seconds = static_cast<double>(transfer_ms) / 1000.0;
    if (seconds <= 0.0) {
        // Instantaneous transfer (no data time): charge the energy at both ends' current values.
        return units::grams_co2e(transfer_energy_j / 2.0,
                                 (here->integral(start, start + 1) + origin->integral(start, start + 1)) * 1000.0);
    }
    const double half_power = transfer_energy_j / 2.0 / seconds;
    return grams(half_power, origin->integral(from, start)) + grams(half_power, here->integral(from, start));
}

namespace {

// A sorted array seen shifted by `offset`: one source of candidate starts.
struct Stream {
    const UtcMillis* values;
    std::size_t size;
    UtcMillis offset;
    std::size_t i;
};

// At most: the fixed starts, the series at the start and at the end of the run, and the two
// series at the start of a transfer. Held on the stack: a search allocates nothing but `out`.
constexpr std::size_t k_max_streams = 5;

}  // namespace

void search_windows(const SiteModel& m, std::vector<WindowCandidate>& out) {
    out.clear();
    const UtcMillis lo = m.window_start;
    const UtcMillis hi = m.window_end - m.run_ms;
    if (hi < lo || m.here->empty()) return;
    const bool moving = m.moved() && m.transfer_energy_j > 0.0 && m.transfer_ms > 0;

    // The emissions of a start s are piecewise linear in s, with kinks where s, s + run or
    // s - transfer crosses a data boundary (and where the finish passes reference_end, after
    // which delay costs). The minimum lies on a kink or an end of [lo, hi], so these starts
    // are all that must be scored; they are merged in ascending order so that every edge of
    // the window only moves forward.
    std::array<Stream, k_max_streams> streams;
    std::size_t n_streams = 0;
    // A series with equal pieces, shifted, is the same set of times as another with the same
    // step and phase: such streams are merged once (an hourly series and a 5 h run, say).
    std::array<std::pair<UtcMillis, UtcMillis>, k_max_streams> regular;  // (step, phase) already added
    std::size_t n_regular = 0;
    std::size_t bound = 0;  // an upper bound on the number of starts: `out` grows once at most
    auto add = [&](const UtcMillis* values, std::size_t size, UtcMillis offset) {
        const UtcMillis* first = std::lower_bound(values, values + size, lo - offset);
        const UtcMillis* last = std::upper_bound(first, values + size, hi - offset);
        bound += static_cast<std::size_t>(last - first);
        streams[n_streams++] = {values, size, offset, static_cast<std::size_t>(first - values)};
    };
    auto add_series = [&](const IntensityIntegral& series, UtcMillis offset) {
        const std::vector<UtcMillis>& values = series.bounds();
        if (const UtcMillis step = series.step(); step > 0) {
            const std::pair<UtcMillis, UtcMillis> key{step, ((values.front() + offset) % step + step) % step};
            if (std::find(regular.begin(), regular.begin() + n_regular, key) != regular.begin() + n_regular) return;
            regular[n_regular++] = key;
        }
        add(values.data(), values.size(), offset);
    };
    std::array<UtcMillis, 3> fixed = {lo, hi, std::clamp(m.reference_end - m.run_ms, lo, hi)};
    std::sort(fixed.begin(), fixed.end());
    add(fixed.data(), fixed.size(), 0);
    add_series(*m.here, 0);
    add_series(*m.here, -m.run_ms);
    if (moving) {
        add_series(*m.here, m.transfer_ms);
        add_series(*m.origin, m.transfer_ms);
    }
    out.reserve(bound);

    IntensityIntegral::Cursor run_start(*m.here), run_end(*m.here);
    const IntensityIntegral& origin = m.origin ? *m.origin : *m.here;
    IntensityIntegral::Cursor here_from(*m.here), origin_from(origin), origin_to(origin);
    const double half_power = moving ? m.transfer_energy_j / 2.0 / (static_cast<double>(m.transfer_ms) / 1000.0) : 0.0;
    const UtcMillis here_first = m.here->first(), here_last = m.here->last();

    auto consider = [&](UtcMillis s) {
        const UtcMillis e = s + m.run_ms;
        if (s < here_first || e > here_last) return;
        const double i_s = run_start.at(s);
        if (run_end.gap_ms(e) != run_start.gap_ms(s)) return;  // the window touches a hole
        double g = SiteModel::grams(m.power_w, run_end.at(e) - i_s);
        if (moving) {
            const UtcMillis f = s - m.transfer_ms;
            if (f < here_first || f < origin.first() || s > origin.last()) return;
            if (here_from.gap_ms(f) != run_start.gap_ms(s) || origin_from.gap_ms(f) != origin_to.gap_ms(s)) return;
            g += SiteModel::grams(half_power, i_s - here_from.at(f)) +
                 SiteModel::grams(half_power, origin_to.at(s) - origin_from.at(f));
        } else if (m.moved()) {
            g += m.transfer_g(s);
        }
        out.push_back({s, g, g + m.end_penalty_g(e)});
    };

    // k-way merge of the streams; each keeps its next value cached.
    std::array<UtcMillis, k_max_streams> head{};
    constexpr UtcMillis k_done = std::numeric_limits<UtcMillis>::max();
    auto refresh = [&](std::size_t i) {
        const Stream& st = streams[i];
        head[i] = st.i < st.size ? st.values[st.i] + st.offset : k_done;
    };
    for (std::size_t i = 0; i < n_streams; ++i) refresh(i);
    for (;;) {
        UtcMillis next = k_done;
        for (std::size_t i = 0; i < n_streams; ++i) next = std::min(next, head[i]);
        if (next > hi) break;
        consider(next);
        for (std::size_t i = 0; i < n_streams; ++i) {
            while (head[i] == next) {  // equal values from several streams are scored once
                ++streams[i].i;
                refresh(i);
            }
        }
    }
}

}  // namespace powerml::planner
