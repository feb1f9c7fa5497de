#include "powerml/power_models/fitter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "powerml/core/error.hpp"

namespace powerml::power_models {

namespace {

struct Line {
    double a = 0, b = 0;  // y = a + b x
};

// Weighted least squares for y = a + b x with b >= 0 (power cannot fall with load).
Line fit_line(const std::vector<Sample>& s, const std::vector<double>& x) {
    double sw = 0, sx = 0, sy = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        sw += s[i].weight;
        sx += s[i].weight * x[i];
        sy += s[i].weight * s[i].watts;
    }
    const double mx = sx / sw, my = sy / sw;
    double sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        sxx += s[i].weight * (x[i] - mx) * (x[i] - mx);
        sxy += s[i].weight * (x[i] - mx) * (s[i].watts - my);
    }
    if (sxx <= 0 || sxy <= 0) return {my, 0};
    const double b = sxy / sxx;
    return {my - b * mx, b};
}

double weighted_sse(const std::vector<Sample>& s, const PowerModel& m) {
    double sse = 0;
    for (const auto& x : s) {
        const double e = m.watts_at(x.u) - x.watts;
        sse += x.weight * e * e;
    }
    return sse;
}

PowerModel fit_power(const std::vector<Sample>& s) {
    // Variable projection: for a fixed exponent r the model is linear in (idle, max - idle),
    // so search r alone (log-spaced grid, then golden section) and solve the rest exactly.
    std::vector<double> x(s.size());
    auto model_for = [&](double r) {
        for (std::size_t i = 0; i < s.size(); ++i) x[i] = std::pow(std::clamp(s[i].u, 0.0, 1.0), r);
        const Line line = fit_line(s, x);
        PowerModel m;
        m.form = Form::power;
        m.idle_w = std::max(0.0, line.a);
        m.max_w = m.idle_w + line.b;
        m.exponent = r;
        return m;
    };
    double best_r = 1, best_sse = std::numeric_limits<double>::infinity();
    const double lo_log = std::log(0.1), hi_log = std::log(10.0);
    constexpr int steps = 40;
    for (int k = 0; k <= steps; ++k) {
        const double r = std::exp(lo_log + (hi_log - lo_log) * k / steps);
        const double sse = weighted_sse(s, model_for(r));
        if (sse < best_sse) {
            best_sse = sse;
            best_r = r;
        }
    }
    const double step = (hi_log - lo_log) / steps;
    double a = std::log(best_r) - step, b = std::log(best_r) + step;
    const double g = (std::sqrt(5.0) - 1) / 2;
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = weighted_sse(s, model_for(std::exp(c))), fd = weighted_sse(s, model_for(std::exp(d)));
    for (int it = 0; it < 60 && b - a > 1e-7; ++it) {
        if (fc < fd) {
            b = d, d = c, fd = fc;
            c = b - g * (b - a);
            fc = weighted_sse(s, model_for(std::exp(c)));
        } else {
            a = c, c = d, fc = fd;
            d = a + g * (b - a);
            fd = weighted_sse(s, model_for(std::exp(d)));
        }
    }
    return model_for(std::exp((a + b) / 2));
}

// Straight lines through knots: least squares on hat functions, solved by Gaussian elimination
// with partial pivoting (a handful of unknowns).
PowerModel fit_piecewise(const std::vector<Sample>& s, const std::vector<double>& knots) {
    const std::size_t k = knots.size();
    std::vector<double> ata(k * k, 0.0), aty(k, 0.0), row(k);
    for (const auto& x : s) {
        std::fill(row.begin(), row.end(), 0.0);
        const double u = std::clamp(x.u, knots.front(), knots.back());
        for (std::size_t j = 1; j < k; ++j) {
            if (u <= knots[j] || j == k - 1) {
                const double t = (u - knots[j - 1]) / (knots[j] - knots[j - 1]);
                row[j - 1] = 1 - t;
                row[j] = t;
                break;
            }
        }
        for (std::size_t i = 0; i < k; ++i) {
            aty[i] += x.weight * row[i] * x.watts;
            for (std::size_t j = 0; j < k; ++j) ata[i * k + j] += x.weight * row[i] * row[j];
        }
    }
    for (std::size_t col = 0; col < k; ++col) {
        std::size_t pivot = col;
        for (std::size_t r = col + 1; r < k; ++r)
            if (std::abs(ata[r * k + col]) > std::abs(ata[pivot * k + col])) pivot = r;
        if (std::abs(ata[pivot * k + col]) < 1e-12)
            throw Error(fmt::format("piecewise form: no samples near utilisation {} (knot {}); measure across the whole load range "
                                    "or give --knots that the samples cover",
                                    knots[col], col + 1));
        for (std::size_t j = 0; j < k; ++j) std::swap(ata[col * k + j], ata[pivot * k + j]);
        std::swap(aty[col], aty[pivot]);
        for (std::size_t r = 0; r < k; ++r) {
            if (r == col) continue;
            const double f = ata[r * k + col] / ata[col * k + col];
            for (std::size_t j = col; j < k; ++j) ata[r * k + j] -= f * ata[col * k + j];
            aty[r] -= f * aty[col];
        }
    }
    PowerModel m;
    m.form = Form::piecewise;
    for (std::size_t i = 0; i < k; ++i) m.points.emplace_back(knots[i], std::max(0.0, aty[i] / ata[i * k + i]));
    return m;
}

void check_samples(const std::vector<Sample>& samples) {
    if (samples.size() < 4) throw Error(fmt::format("{} samples are too few to fit a power model (need at least 4)", samples.size()));
    for (const auto& s : samples)
        if (!std::isfinite(s.u) || !std::isfinite(s.watts) || !(s.weight > 0))
            throw Error("a sample has a non-finite utilisation, power or weight");
}

struct Errors {
    double rmse = 0, mape = 0;
};
Errors errors_of(const std::vector<Sample>& s, const std::vector<double>& predicted) {
    double sw = 0, sse = 0, ape = 0;
    std::size_t n_ape = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const double e = predicted[i] - s[i].watts;
        sse += s[i].weight * e * e;
        sw += s[i].weight;
        if (s[i].watts > 0) {
            ape += std::abs(e) / s[i].watts;
            ++n_ape;
        }
    }
    return {std::sqrt(sse / sw), n_ape ? ape / static_cast<double>(n_ape) : 0.0};
}

}  // namespace

PowerModel fit_form(const std::vector<Sample>& samples, Form form, const std::vector<double>& knots) {
    check_samples(samples);
    PowerModel m;
    m.form = form;
    switch (form) {
        case Form::constant: {
            double sw = 0, sy = 0;
            for (const auto& s : samples) sw += s.weight, sy += s.weight * s.watts;
            m.watts = sy / sw;
            return m;
        }
        case Form::linear: {
            std::vector<double> x(samples.size());
            for (std::size_t i = 0; i < samples.size(); ++i) x[i] = std::clamp(samples[i].u, 0.0, 1.0);
            const Line line = fit_line(samples, x);
            m.idle_w = std::max(0.0, line.a);
            m.max_w = m.idle_w + line.b;
            return m;
        }
        case Form::power: return fit_power(samples);
        case Form::piecewise: {
            if (knots.size() < 2 || knots.front() != 0.0 || knots.back() != 1.0 || !std::is_sorted(knots.begin(), knots.end()) ||
                std::adjacent_find(knots.begin(), knots.end()) != knots.end())
                throw Error("--knots must increase strictly from 0 to 1 (for example 0,0.1,0.5,1)");
            return fit_piecewise(samples, knots);
        }
        case Form::dram:
        case Form::network: break;
    }
    throw Error(fmt::format("form '{}' is not fitted from utilisation; fit constant, linear, power or piecewise", to_string(form)));
}

FitResult fit_power_model(const std::vector<Sample>& samples, const FitOptions& options) {
    check_samples(samples);
    const std::vector<Form> forms =
        options.forms.empty() ? std::vector<Form>{Form::constant, Form::linear, Form::power, Form::piecewise} : options.forms;
    const int folds = std::clamp<int>(options.folds, 2, static_cast<int>(samples.size()));
    FitResult result;
    std::string skipped;
    for (const Form form : forms) {
        FormFit fit;
        fit.form = form;
        try {
            fit.model = fit_form(samples, form, options.knots);
            // k-fold cross-validation, folds interleaved in time so each holds every load level.
            std::vector<double> predicted(samples.size());
            for (int f = 0; f < folds; ++f) {
                std::vector<Sample> train;
                for (std::size_t i = 0; i < samples.size(); ++i)
                    if (static_cast<int>(i % static_cast<std::size_t>(folds)) != f) train.push_back(samples[i]);
                const PowerModel m = fit_form(train, form, options.knots);
                for (std::size_t i = static_cast<std::size_t>(f); i < samples.size(); i += static_cast<std::size_t>(folds))
                    predicted[i] = m.watts_at(samples[i].u);
            }
            const Errors held = errors_of(samples, predicted);
            fit.heldout_rmse_w = held.rmse;
            fit.heldout_mape = held.mape;
            for (std::size_t i = 0; i < samples.size(); ++i) predicted[i] = fit.model.watts_at(samples[i].u);
            const Errors all = errors_of(samples, predicted);
            fit.rmse_w = all.rmse;
            fit.mape = all.mape;
            double sw = 0, sy = 0;
            for (const auto& s : samples) sw += s.weight, sy += s.weight * s.watts;
            double ss_tot = 0;
            for (const auto& s : samples) ss_tot += s.weight * (s.watts - sy / sw) * (s.watts - sy / sw);
            const double ss_res = all.rmse * all.rmse * sw;
            fit.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : (ss_res <= 1e-12 ? 1.0 : 0.0);
        } catch (const Error& e) {
            if (forms.size() == 1) throw;
            skipped += fmt::format("{}{}: {}", skipped.empty() ? "" : "; ", to_string(form), e.what());
            continue;
        }
        result.tried.push_back(std::move(fit));
    }
    if (result.tried.empty()) throw Error("no form could be fitted: " + skipped);
    double best = std::numeric_limits<double>::infinity();
    for (const auto& f : result.tried) best = std::min(best, f.heldout_rmse_w);
    for (std::size_t i = 0; i < result.tried.size(); ++i) {
        if (result.tried[i].heldout_rmse_w <= best * (1 + options.preference) + 1e-12) {
            result.chosen = i;
            break;
        }
    }
    return result;
}

}  // namespace powerml::power_models
