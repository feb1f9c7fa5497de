#include "powerml/analysis/prediction.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "powerml/analysis/distributions.hpp"
#include "powerml/analysis/run_summary.hpp"
#include "powerml/analysis/statistics.hpp"
#include "powerml/core/error.hpp"

namespace powerml::analysis {

namespace {

bool is_epoch_name(std::string_view name) {
    if (name.size() < 5) return false;
    std::string head(name.substr(0, 5));
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return head == "epoch";
}

double summed_energy(const record::Timeline& timeline, double from_s, double to_s) {
    double total = 0;
    for (std::size_t c = 0; c < timeline.channels.size(); ++c)
        if (timeline.channels[c].summed) total += channel_energy(timeline, c, from_s, to_s);
    return total;
}

struct MeanSd {
    double mean = 0, sd = 0;
};

MeanSd mean_sd(const std::vector<double>& v) {
    MeanSd out;
    for (const double x : v) out.mean += x;
    out.mean /= static_cast<double>(v.size());
    if (v.size() > 1) {
        double ss = 0;
        for (const double x : v) ss += (x - out.mean) * (x - out.mean);
        out.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
    }
    return out;
}

// What the epochs after the first k will add, with its prediction interval. The bounds are
// never below zero: energies and durations cannot be negative.
struct Remaining {
    double sum = 0;
    std::optional<double> low, high;
    std::string model = "constant";
    std::string interval_note;  // how the interval was made when it is not the usual one, or why none
};


// Each further epoch costs what the observed ones did (their mean). Epoch costs are positive
// and vary multiplicatively, so the interval is made on their logarithms: the mean log of m
// future epochs differs from that of the k observed ones with variance s^2 (1/m + 1/k), which
// bounds the sum of the m future epochs at m x mean x exp(-/+ t s sqrt(1/m + 1/k)).
// From 5 epochs on, when epochs 2..k lie on a clearly sloped line (slope t test, p < 0.01), the
// line a + b i is summed over the future indices instead, with the variance of that sum from
// the fit's parameter covariance plus m new residuals; its lower bound is cut at zero.
// After one epoch, `within_epoch_sd_rel` (the spread of the epoch's own slices, when known)
// stands in for the epoch-to-epoch spread.
Remaining remaining(const std::vector<double>& observed, std::size_t total, double level,
                    std::optional<double> within_epoch_sd_rel = std::nullopt) {
    Remaining out;
    const std::size_t k = observed.size();
    const double m = static_cast<double>(total - k);
    if (m <= 0) {
        out.interval_note = "all epochs are observed: nothing is left to predict";
        return out;
    }
    if (k >= 5) {
        // The first epoch is left out of the trend: it often carries warm-up (caches, JIT,
        // autotuning) whose decay is not a line and must not be extrapolated.
        const std::vector<double> tail(observed.begin() + 1, observed.end());
        std::vector<double> index(tail.size());
        for (std::size_t i = 0; i < tail.size(); ++i) index[i] = static_cast<double>(i + 2);
        const bool spread = std::any_of(tail.begin(), tail.end(), [&](double v) { return v != tail[0]; });
        if (spread) {
            const LinearFit fit = linear_regression(index, tail);
            const double n = static_cast<double>(tail.size());
            const double df = n - 2.0;
            const bool significant = fit.slope_se == 0 ? fit.slope != 0
                                                       : student_t_two_sided_p(fit.slope / fit.slope_se, df) < 0.01;
            if (significant) {
                const double future_index_sum = (static_cast<double>(k + 1 + total)) * m / 2.0;
                out.sum = std::max(0.0, m * fit.intercept + fit.slope * future_index_sum);
                const double s2 = fit.residual_sd * fit.residual_sd;
                const double spread_of_line = m * fit.x_mean - future_index_sum;
                const double variance = s2 * (m * m / n + spread_of_line * spread_of_line / fit.sxx) + m * s2;
                const double half = student_t_quantile(0.5 + level / 2.0, df) * std::sqrt(variance);
                out.low = std::max(0.0, out.sum - half);
                out.high = out.sum + half;
                out.model = "trend";
                if (out.sum - half < 0) out.interval_note = "the trend's interval is cut at zero (no epoch costs less than nothing)";
                return out;
            }
        }
    }
    const Extrapolated e = extrapolate_units(observed, m, level, within_epoch_sd_rel);
    out.sum = e.sum;
    out.low = e.low;
    out.high = e.high;
    if (k == 1)
        out.interval_note = within_epoch_sd_rel && e.low ? "after one epoch the interval comes from the spread of power within "
                                                           "that epoch; epoch-to-epoch changes are not in it"
                                                         : "one epoch gives no spread: no interval until a second epoch has finished";
    else
        out.interval_note = e.interval_note;
    return out;
}

// The relative spread of one epoch's energy, from the power in four equal slices of it: the
// standard deviation of the slices' mean power over their mean, divided by sqrt(4) for the
// whole epoch. Nothing when the epoch holds too few samples for four slices.
std::optional<double> within_epoch_spread(const record::Timeline& timeline, double from_s, double to_s) {
    constexpr int k_slices = 4;
    const double width = (to_s - from_s) / k_slices;
    if (!(width > 0)) return std::nullopt;
    std::size_t rows_inside = 0;
    for (const auto& row : timeline.rows)
        if (row.t_s > from_s && row.t_s <= to_s) ++rows_inside;
    if (rows_inside < 2 * k_slices) return std::nullopt;
    std::vector<double> power;
    for (int i = 0; i < k_slices; ++i)
        power.push_back(summed_energy(timeline, from_s + i * width, from_s + (i + 1) * width) / width);
    double mean = 0, ss = 0;
    for (const double p : power) mean += p;
    mean /= k_slices;
    if (!(mean > 0)) return std::nullopt;
    for (const double p : power) ss += (p - mean) * (p - mean);
    return std::sqrt(ss / (k_slices - 1)) / mean / std::sqrt(static_cast<double>(k_slices));
}

}  // namespace

Extrapolated extrapolate_units(const std::vector<double>& observed, double m, double level, std::optional<double> single_sd_rel) {
    Extrapolated out;
    const std::size_t k = observed.size();
    if (k == 0) throw Error("nothing to extrapolate: no observation");
    double mean = 0;
    for (const double x : observed) mean += x;
    mean /= static_cast<double>(k);
    out.sum = m * mean;
    if (!(m > 0)) return out;
    const bool positive = std::all_of(observed.begin(), observed.end(), [](double v) { return v > 0; });
    if (!positive) {
        out.interval_note = "an observation measured no energy or time (or less than none): no interval";
        return out;
    }
    // exp(-/+ half-width on the log scale): a log-normal interval, positive by construction.
    const auto bounds = [&](double half_log) {
        out.low = out.sum * std::exp(-half_log);
        out.high = out.sum * std::exp(half_log);
    };
    if (k >= 2) {
        double log_mean = 0, ss = 0;
        for (const double x : observed) log_mean += std::log(x);
        log_mean /= static_cast<double>(k);
        for (const double x : observed) ss += (std::log(x) - log_mean) * (std::log(x) - log_mean);
        const double s_log = std::sqrt(ss / static_cast<double>(k - 1));
        bounds(student_t_quantile(0.5 + level / 2.0, static_cast<double>(k - 1)) * s_log *
               std::sqrt(1.0 / m + 1.0 / static_cast<double>(k)));
        out.interval_note = fmt::format("log-normal {:.0f} % prediction interval from {} observations", 100 * level, k);
    } else if (single_sd_rel) {
        bounds(normal_quantile(0.5 + level / 2.0) * *single_sd_rel * std::sqrt(1.0 / m + 1.0));
        out.interval_note = "one observation: the interval comes from its own relative spread, not from a repetition";
    } else {
        out.interval_note = "one observation gives no spread: no interval";
    }
    return out;
}

std::vector<EpochWindow> epoch_windows(const record::Timeline& timeline) {
    std::map<std::string, double> open;  // name -> start (absolute seconds)
    std::vector<EpochWindow> out;
    // Ranks of a data-parallel job run their epochs in step: the epochs are read from one
    // rank's lane (the first that reports one), not counted once per rank.
    std::optional<std::string> epoch_lane;
    for (const auto& event : timeline.phases) {
        const std::string_view lane = record::phase_lane(event.name);
        if (!is_epoch_name(record::phase_bare_name(event.name))) continue;
        if (!epoch_lane) epoch_lane = std::string(lane);
        if (lane != *epoch_lane) continue;
        if (event.begin) {
            open[event.name] = event.t_s;
        } else if (const auto it = open.find(event.name); it != open.end()) {
            EpochWindow w;
            w.name = event.name;
            w.start_s = it->second;
            w.end_s = event.t_s;
            out.push_back(w);
            open.erase(it);
        }
    }
    std::sort(out.begin(), out.end(), [](const EpochWindow& a, const EpochWindow& b) { return a.start_s < b.start_s; });
    // Every time above is on the timeline's clock (the idle baseline comes first); the cycle of
    // an epoch starts where the previous one ended, on the same clock. Only then are the times
    // made job-relative for the caller.
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto& w = out[i];
        w.gross_j = summed_energy(timeline, w.start_s, w.end_s);
        const double cycle_start = i == 0 ? w.start_s : std::min(out[i - 1].end_s, w.start_s);
        w.cycle_j = summed_energy(timeline, cycle_start, w.end_s);
        w.cycle_s = w.end_s - cycle_start;
    }
    for (auto& w : out) {
        w.start_s -= timeline.job_start_s;
        w.end_s -= timeline.job_start_s;
    }
    return out;
}

RunTotals run_totals(const record::Timeline& timeline) {
    const double end = std::max(timeline.job_end_s, timeline.job_start_s);
    return {summed_energy(timeline, timeline.job_start_s, end), end - timeline.job_start_s};
}

Prediction predict_from_epochs(const record::Timeline& timeline, std::size_t k, std::size_t epochs_total, double level) {
    if (k < 1) throw Error("prediction: at least one finished epoch is needed");
    if (k > epochs_total)
        throw Error(fmt::format("prediction: {} epochs observed but the run has only {} (epochs_total)", k, epochs_total));
    const auto windows = epoch_windows(timeline);
    if (windows.size() < k)
        throw Error(fmt::format("prediction: the run has {} finished epoch phase(s) (phases named 'epoch...'), {} needed",
                                windows.size(), k));
    Prediction p;
    p.epochs_done = k;
    p.epochs_total = epochs_total;
    p.level = level;
    std::vector<double> energies, durations;
    for (std::size_t i = 0; i < k; ++i) {
        energies.push_back(windows[i].cycle_j);
        durations.push_back(windows[i].cycle_s);
    }
    const MeanSd e = mean_sd(energies), d = mean_sd(durations);
    p.epoch_energy_mean_j = e.mean;
    p.epoch_energy_sd_j = e.sd;
    p.epoch_duration_mean_s = d.mean;
    p.epoch_duration_sd_s = d.sd;
    const double end_k = windows[k - 1].end_s;  // seconds since the job started
    p.observed_duration_s = end_k;
    p.observed_energy_j = summed_energy(timeline, timeline.job_start_s, timeline.job_start_s + end_k);
    // After one epoch, its own slices say how steady its power was (the job-relative window
    // is shifted back onto the timeline's clock).
    std::optional<double> within;
    if (k == 1) {
        const double first_start = windows[0].start_s + timeline.job_start_s;
        within = within_epoch_spread(timeline, first_start, windows[0].end_s + timeline.job_start_s);
    }
    const Remaining energy = remaining(energies, epochs_total, level, within);
    const Remaining duration = remaining(durations, epochs_total, level);
    p.energy_model = energy.model;
    p.duration_model = duration.model;
    p.energy_j = p.observed_energy_j + energy.sum;
    p.duration_s = p.observed_duration_s + duration.sum;
    // What is already observed is a floor: the whole run costs at least that.
    if (energy.low) {
        p.energy_low_j = p.observed_energy_j + *energy.low;
        p.energy_high_j = p.observed_energy_j + *energy.high;
    }
    if (duration.low) {
        p.duration_low_s = p.observed_duration_s + *duration.low;
        p.duration_high_s = p.observed_duration_s + *duration.high;
    }
    if (!energy.interval_note.empty()) p.notes.push_back("energy: " + energy.interval_note);
    if (!duration.interval_note.empty() && duration.interval_note != energy.interval_note)
        p.notes.push_back("duration: " + duration.interval_note);
    if (energy.model == "trend" || duration.model == "trend")
        p.notes.push_back("the epochs so far grow or shrink steadily (epochs 2 on, slope p < 0.01): the trend is extrapolated");
    if (epochs_total > k) p.notes.push_back("work after the last epoch (final evaluation, saving) is not part of the prediction");
    return p;
}

std::vector<BacktestPoint> backtest_prediction(const record::Timeline& timeline, std::size_t epochs_total) {
    std::vector<BacktestPoint> out;
    const auto windows = epoch_windows(timeline);
    if (windows.size() < epochs_total)
        throw Error(fmt::format("backtest: the run finished {} of its {} epochs; the truth is unknown", windows.size(),
                                epochs_total));
    const RunTotals truth = run_totals(timeline);
    const double last_end_s = windows[epochs_total - 1].end_s;
    const double to_last_j = summed_energy(timeline, timeline.job_start_s, timeline.job_start_s + last_end_s);
    for (std::size_t k = 2; k < epochs_total; ++k) {
        BacktestPoint point;
        point.k = k;
        point.prediction = predict_from_epochs(timeline, k, epochs_total);
        const auto& p = point.prediction;
        point.energy_error_pct = truth.energy_j != 0 ? (p.energy_j - truth.energy_j) / truth.energy_j * 100.0 : 0.0;
        point.duration_error_pct = truth.duration_s != 0 ? (p.duration_s - truth.duration_s) / truth.duration_s * 100.0 : 0.0;
        point.energy_to_last_epoch_error_pct = to_last_j != 0 ? (p.energy_j - to_last_j) / to_last_j * 100.0 : 0.0;
        point.duration_to_last_epoch_error_pct = last_end_s != 0 ? (p.duration_s - last_end_s) / last_end_s * 100.0 : 0.0;
        point.energy_in_interval = p.energy_low_j && truth.energy_j >= *p.energy_low_j && truth.energy_j <= *p.energy_high_j;
        point.duration_in_interval =
            p.duration_low_s && truth.duration_s >= *p.duration_low_s && truth.duration_s <= *p.duration_high_s;
        out.push_back(std::move(point));
    }
    return out;
}

std::optional<std::size_t> declared_epochs_total(const record::Timeline& timeline) {
    std::optional<std::size_t> out;
    // Any rank's declaration counts ("rank0/epochs_total" in a job of several ranks).
    for (const auto& m : timeline.metrics) {
        if (record::phase_bare_name(m.name) == "epochs_total" && m.value >= 1 && m.value < 1e9) out = static_cast<std::size_t>(std::llround(m.value));
    }
    return out;
}

}  // namespace powerml::analysis
