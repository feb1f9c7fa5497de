#include "powerml/analysis/prediction.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "powerml/analysis/distributions.hpp"
#include "powerml/analysis/run_summary.hpp"
#include "powerml/analysis/statistics.hpp"
#include "powerml/core/error.hpp"

namespace powerml::analysis {

namespace {

bool is_epoch_name(const std::string& name) {
    if (name.size() < 5) return false;
    std::string head = name.substr(0, 5);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return head == "epoch";
}

double summed_energy(const sampler::Timeline& timeline, double from_s, double to_s) {
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

// What the epochs after the first k will add, with the half-width of its prediction interval.
struct Remaining {
    double sum = 0;
    std::optional<double> half_width;
    std::string model = "constant";
};

// Each further epoch costs what the observed ones did (their mean): the m future epochs vary
// like the observed ones (m s^2) and their mean is known from k epochs only (m^2 s^2 / k).
// From 5 epochs on, when epochs 2..k lie on a clearly sloped line (slope t test, p < 0.01), the
// line a + b i is summed over the future indices instead, with the variance of that sum from
// the fit's parameter covariance plus m new residuals.
Remaining remaining(const std::vector<double>& observed, std::size_t total, double level) {
    Remaining out;
    const std::size_t k = observed.size();
    const double m = static_cast<double>(total - k);
    if (m <= 0) {
        out.half_width = 0.0;
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
                out.sum = m * fit.intercept + fit.slope * future_index_sum;
                const double s2 = fit.residual_sd * fit.residual_sd;
                const double spread_of_line = m * fit.x_mean - future_index_sum;
                const double variance = s2 * (m * m / n + spread_of_line * spread_of_line / fit.sxx) + m * s2;
                out.half_width = student_t_quantile(0.5 + level / 2.0, df) * std::sqrt(variance);
                out.model = "trend";
                return out;
            }
        }
    }
    const MeanSd ms = mean_sd(observed);
    out.sum = m * ms.mean;
    if (k >= 2)
        out.half_width = student_t_quantile(0.5 + level / 2.0, static_cast<double>(k - 1)) * ms.sd *
                         std::sqrt(m + m * m / static_cast<double>(k));
    return out;
}

}  // namespace

std::vector<EpochWindow> epoch_windows(const sampler::Timeline& timeline) {
    std::map<std::string, double> open;  // name -> start (absolute seconds)
    std::vector<EpochWindow> out;
    for (const auto& event : timeline.phases) {
        if (!is_epoch_name(event.name)) continue;
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
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto& w = out[i];
        w.gross_j = summed_energy(timeline, w.start_s, w.end_s);
        const double cycle_start = i == 0 ? w.start_s : std::min(out[i - 1].end_s, w.start_s);
        w.cycle_j = summed_energy(timeline, cycle_start, w.end_s);
        w.cycle_s = w.end_s - cycle_start;
        w.start_s -= timeline.job_start_s;
        w.end_s -= timeline.job_start_s;
    }
    return out;
}

RunTotals run_totals(const sampler::Timeline& timeline) {
    const double end = std::max(timeline.job_end_s, timeline.job_start_s);
    return {summed_energy(timeline, timeline.job_start_s, end), end - timeline.job_start_s};
}

Prediction predict_from_epochs(const sampler::Timeline& timeline, std::size_t k, std::size_t epochs_total, double level) {
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
    const Remaining energy = remaining(energies, epochs_total, level);
    const Remaining duration = remaining(durations, epochs_total, level);
    p.energy_model = energy.model;
    p.duration_model = duration.model;
    p.energy_j = p.observed_energy_j + energy.sum;
    p.duration_s = p.observed_duration_s + duration.sum;
    if (energy.half_width) {
        p.energy_low_j = p.energy_j - *energy.half_width;
        p.energy_high_j = p.energy_j + *energy.half_width;
    }
    if (duration.half_width) {
        p.duration_low_s = p.duration_s - *duration.half_width;
        p.duration_high_s = p.duration_s + *duration.half_width;
    }
    if (k == 1 && epochs_total > 1)
        p.notes.push_back("one epoch gives no spread: no interval until a second epoch has finished");
    if (energy.model == "trend" || duration.model == "trend")
        p.notes.push_back("the epochs so far grow or shrink steadily (epochs 2 on, slope p < 0.01): the trend is extrapolated");
    if (epochs_total > k) p.notes.push_back("work after the last epoch (final evaluation, saving) is not part of the prediction");
    return p;
}

std::vector<BacktestPoint> backtest_prediction(const sampler::Timeline& timeline, std::size_t epochs_total) {
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

std::optional<std::size_t> declared_epochs_total(const sampler::Timeline& timeline) {
    std::optional<std::size_t> out;
    for (const auto& m : timeline.metrics)
        if (m.name == "epochs_total" && m.value >= 1 && m.value < 1e9) out = static_cast<std::size_t>(std::llround(m.value));
    return out;
}

}  // namespace powerml::analysis
