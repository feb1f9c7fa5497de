// From one measured sweep to per-model energy figures and their correlations with model
// characteristics (seed 001, Sec. 5: MACs, parameters, MACs per parameter against energy).
#include "powerml/workloads/profile.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/analysis/statistics.hpp"

namespace powerml::workloads {

namespace {

const record::PhaseSummary& find_phase(const record::RunSummary& run, const std::string& name) {
    for (const auto& phase : run.phases)
        if (phase.name == name) return phase;
    throw Error(fmt::format("the measured run has no phase '{}': the workload stopped before reporting it (see its output "
                            "above)",
                            name));
}

PhaseEnergy phase_energy(const record::PhaseSummary& phase) {
    PhaseEnergy e;
    e.duration_s = phase.end_s - phase.start_s;
    e.gross_j = phase.gross_j;
    e.net_j = phase.net_j;
    if (const auto it = phase.metrics.find("samples"); it != phase.metrics.end()) e.samples = static_cast<std::int64_t>(it->second);
    return e;
}

Stat stat_of(const std::vector<double>& values) {
    if (values.empty()) return {};
    const analysis::Descriptive d = analysis::describe(values);
    return {d.mean, d.sd};
}

// r or rho from analysis, or nothing where it declines (fewer than 3 models, a constant side).
template <typename F>
std::optional<double> correlation_or_none(F method, const std::vector<double>& x, const std::vector<double>& y) {
    try {
        return method(x, y).r;
    } catch (const Error&) {
        return std::nullopt;
    }
}

PhaseProfile aggregate(const std::vector<const PhaseEnergy*>& phases) {
    std::vector<double> time, energy, power, energy_per_sample, time_per_sample;
    for (const PhaseEnergy* p : phases) {
        time.push_back(p->duration_s);
        energy.push_back(p->net_j);
        power.push_back(p->duration_s > 0 ? p->net_j / p->duration_s : 0.0);
        energy_per_sample.push_back(p->samples > 0 ? p->net_j / static_cast<double>(p->samples) : 0.0);
        time_per_sample.push_back(p->samples > 0 ? p->duration_s / static_cast<double>(p->samples) : 0.0);
    }
    return {stat_of(time), stat_of(energy), stat_of(power), stat_of(energy_per_sample), stat_of(time_per_sample)};
}

double feature_value(const ModelCharacteristics& c, const std::string& feature) {
    if (feature == "macs") return c.macs;
    if (feature == "params") return static_cast<double>(c.total_params);
    return c.macs_per_param();
}

nlohmann::json stat_json(const Stat& s) { return {{"mean", s.mean}, {"sd", s.sd}}; }
Stat stat_from(const nlohmann::json& j) { return {j.at("mean").get<double>(), j.at("sd").get<double>()}; }

nlohmann::json phase_profile_json(const PhaseProfile& p) {
    return {{"time_s", stat_json(p.time_s)},
            {"energy_j", stat_json(p.energy_j)},
            {"power_w", stat_json(p.power_w)},
            {"energy_per_sample_j", stat_json(p.energy_per_sample_j)},
            {"time_per_sample_s", stat_json(p.time_per_sample_s)}};
}
PhaseProfile phase_profile_from(const nlohmann::json& j) {
    return {stat_from(j.at("time_s")), stat_from(j.at("energy_j")), stat_from(j.at("power_w")),
            stat_from(j.at("energy_per_sample_j")), stat_from(j.at("time_per_sample_s"))};
}
nlohmann::json phase_energy_json(const PhaseEnergy& e) {
    return {{"duration_s", e.duration_s}, {"gross_j", e.gross_j}, {"net_j", e.net_j}, {"samples", e.samples}};
}
PhaseEnergy phase_energy_from(const nlohmann::json& j) {
    return {j.at("duration_s").get<double>(), j.at("gross_j").get<double>(), j.at("net_j").get<double>(),
            j.at("samples").get<std::int64_t>()};
}
nlohmann::json optional_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
std::optional<double> optional_from(const nlohmann::json& j) {
    return j.is_null() ? std::nullopt : std::optional<double>(j.get<double>());
}

}  // namespace

std::string step_prefix(const std::string& model, int batch_size, int repeat) {
    return fmt::format("{}/b{}/r{}/", model, batch_size, repeat);
}

const ModelProfile& Profile::find(const std::string& model, int batch_size) const {
    for (const auto& m : models)
        if (m.model == model && m.batch_size == batch_size) return m;
    std::string have;
    for (const auto& m : models) have += fmt::format("{}{} at batch {}", have.empty() ? "" : ", ", m.model, m.batch_size);
    throw Error(fmt::format("the profile has no {} at batch size {} (it has: {})", model, batch_size, have));
}

std::vector<Correlation> profile_correlations(const std::vector<ModelProfile>& models) {
    std::set<int> batch_sizes;
    for (const auto& m : models) batch_sizes.insert(m.batch_size);
    std::vector<Correlation> out;
    for (int batch : batch_sizes) {
        for (const std::string phase : {"train", "infer"}) {
            for (const std::string feature : {"macs", "params", "macs_per_param"}) {
                std::vector<double> x, y;
                for (const auto& m : models) {
                    if (m.batch_size != batch) continue;
                    x.push_back(feature_value(m.characteristics, feature));
                    y.push_back((phase == "train" ? m.train : m.infer).energy_per_sample_j.mean);
                }
                out.push_back({phase, batch, feature, static_cast<int>(x.size()), correlation_or_none(analysis::pearson, x, y),
                               correlation_or_none(analysis::spearman, x, y)});
            }
        }
    }
    return out;
}

std::vector<PowerLawFit> profile_fits(const std::vector<ModelProfile>& models) {
    std::set<int> batch_sizes;
    for (const auto& m : models) batch_sizes.insert(m.batch_size);
    std::vector<PowerLawFit> out;
    for (int batch : batch_sizes) {
        for (const std::string phase : {"train", "infer"}) {
            for (const std::string feature : {"macs", "params", "macs_per_param"}) {
                std::vector<double> x, y;
                for (const auto& m : models) {
                    const double energy = (phase == "train" ? m.train : m.infer).energy_per_sample_j.mean;
                    const double value = feature_value(m.characteristics, feature);
                    if (m.batch_size != batch || !(energy > 0) || !(value > 0)) continue;  // no logarithm of <= 0
                    x.push_back(std::log10(value));
                    y.push_back(std::log10(energy));
                }
                try {
                    const analysis::LinearFit f = analysis::linear_regression(x, y);
                    out.push_back({phase, batch, feature, static_cast<int>(f.n), f.intercept, f.slope, f.r_squared});
                } catch (const Error&) {
                    // fewer than 3 usable models, or one feature value for all: no line to draw
                }
            }
        }
    }
    return out;
}

Profile build_profile(const ProfilePlan& plan, const record::RunSummary& run,
                      const std::map<std::string, ModelCharacteristics>& characteristics) {
    Profile profile;
    profile.plan = plan;
    for (const auto& c : run.components) {
        if (c.summed) profile.baseline_power_w += c.baseline_power_w;
        profile.sensors.push_back(fmt::format("{}: {} {}{}{}", c.name, c.source, record::to_string(c.kind), c.model_id.empty() ? "" : " (" + c.model_id + ")",
                                              c.summed ? "" : ", contained in " + c.contained_in));
    }
    profile.run_relative_uncertainty = run.net_j > 0 ? run.uncertainty_j / run.net_j : 0.0;
    profile.notes = run.notes;
    for (const auto& model : plan.models) {
        const auto info = characteristics.find(model);
        if (info == characteristics.end()) throw Error("no characteristics for model " + model);
        for (int batch : plan.batch_sizes) {
            std::vector<const PhaseEnergy*> train, infer;
            for (int r = 1; r <= plan.repeat; ++r) {
                const std::string prefix = step_prefix(model, batch, r);
                ProfileStep step{model, batch, r, phase_energy(find_phase(run, prefix + "epoch-1")),
                                 phase_energy(find_phase(run, prefix + "infer"))};
                profile.steps.push_back(step);
            }
            for (auto it = profile.steps.end() - plan.repeat; it != profile.steps.end(); ++it) {
                train.push_back(&it->train);
                infer.push_back(&it->infer);
            }
            ModelProfile m;
            m.model = model;
            m.batch_size = batch;
            m.repeats = plan.repeat;
            m.train = aggregate(train);
            m.infer = aggregate(infer);
            if (m.infer.time_per_sample_s.mean > 0) m.train_infer_time_ratio = m.train.time_per_sample_s.mean / m.infer.time_per_sample_s.mean;
            if (m.infer.energy_per_sample_j.mean > 0)
                m.train_infer_energy_ratio = m.train.energy_per_sample_j.mean / m.infer.energy_per_sample_j.mean;
            m.characteristics = info->second;
            m.characteristics.layers.clear();  // the profile keeps totals; model-info shows layers
            profile.models.push_back(std::move(m));
        }
    }
    profile.correlations = profile_correlations(profile.models);
    profile.fits = profile_fits(profile.models);
    return profile;
}

nlohmann::json to_json(const Profile& p) {
    nlohmann::json plan = {{"models", p.plan.models},       {"batch_sizes", p.plan.batch_sizes},
                           {"repeat", p.plan.repeat},       {"train_samples", p.plan.train_samples},
                           {"infer_samples", p.plan.infer_samples}, {"dataset", p.plan.dataset},
                           {"threads", p.plan.threads},     {"freeze", p.plan.freeze},     {"image_size", p.plan.image_size ? nlohmann::json(*p.plan.image_size) : nlohmann::json(nullptr)}};
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : p.steps)
        steps.push_back({{"model", s.model}, {"batch_size", s.batch_size}, {"repeat", s.repeat},
                         {"train", phase_energy_json(s.train)}, {"infer", phase_energy_json(s.infer)}});
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : p.models)
        models.push_back({{"model", m.model},
                          {"batch_size", m.batch_size},
                          {"repeats", m.repeats},
                          {"train", phase_profile_json(m.train)},
                          {"infer", phase_profile_json(m.infer)},
                          {"train_infer_time_ratio", m.train_infer_time_ratio},
                          {"train_infer_energy_ratio", m.train_infer_energy_ratio},
                          {"characteristics", to_json(m.characteristics, false)}});
    nlohmann::json correlations = nlohmann::json::array();
    for (const auto& c : p.correlations)
        correlations.push_back({{"phase", c.phase}, {"batch_size", c.batch_size}, {"feature", c.feature}, {"n", c.n},
                                {"pearson", optional_json(c.pearson)}, {"spearman", optional_json(c.spearman)}});
    nlohmann::json fits = nlohmann::json::array();
    for (const auto& f : p.fits)
        fits.push_back({{"phase", f.phase}, {"batch_size", f.batch_size}, {"feature", f.feature}, {"n", f.n},
                        {"log10_intercept", f.log_intercept}, {"exponent", f.exponent}, {"r_squared", f.r_squared}});
    return {{"schema", "powerml.profile/1"}, {"host", p.host},   {"run_id", p.run_id}, {"fits", fits}, {"sensors", p.sensors},
            {"baseline_power_w", p.baseline_power_w}, {"run_relative_uncertainty", p.run_relative_uncertainty},
            {"plan", plan}, {"steps", steps}, {"models", models}, {"correlations", correlations}, {"notes", p.notes}};
}

Profile profile_from_json(const nlohmann::json& j) {
    if (!j.is_object() || j.value("schema", "") != "powerml.profile/1")
        throw Error("not a PowerML profile: 'schema' must be \"powerml.profile/1\" (write one with 'powerml profile --json FILE')");
    try {
        Profile p;
        const auto& plan = j.at("plan");
        p.plan.models = plan.at("models").get<std::vector<std::string>>();
        p.plan.batch_sizes = plan.at("batch_sizes").get<std::vector<int>>();
        p.plan.repeat = plan.at("repeat").get<int>();
        p.plan.train_samples = plan.at("train_samples").get<std::int64_t>();
        p.plan.infer_samples = plan.at("infer_samples").get<std::int64_t>();
        p.plan.dataset = plan.at("dataset").get<std::string>();
        p.plan.threads = plan.value("threads", 0);
        p.plan.freeze = plan.value("freeze", "");
        if (plan.contains("image_size") && !plan["image_size"].is_null()) p.plan.image_size = plan["image_size"].get<int>();
        p.host = j.value("host", "");
        p.run_id = j.value("run_id", "");
        p.baseline_power_w = j.value("baseline_power_w", 0.0);
        p.run_relative_uncertainty = j.value("run_relative_uncertainty", 0.0);
        for (const auto& s : j.at("steps"))
            p.steps.push_back({s.at("model").get<std::string>(), s.at("batch_size").get<int>(), s.at("repeat").get<int>(),
                               phase_energy_from(s.at("train")), phase_energy_from(s.at("infer"))});
        for (const auto& m : j.at("models")) {
            ModelProfile mp;
            mp.model = m.at("model").get<std::string>();
            mp.batch_size = m.at("batch_size").get<int>();
            mp.repeats = m.at("repeats").get<int>();
            mp.train = phase_profile_from(m.at("train"));
            mp.infer = phase_profile_from(m.at("infer"));
            mp.train_infer_time_ratio = m.value("train_infer_time_ratio", 0.0);
            mp.train_infer_energy_ratio = m.value("train_infer_energy_ratio", 0.0);
            mp.characteristics = characteristics_from_json(m.at("characteristics"));
            p.models.push_back(std::move(mp));
        }
        for (const auto& c : j.at("correlations"))
            p.correlations.push_back({c.at("phase").get<std::string>(), c.at("batch_size").get<int>(), c.at("feature").get<std::string>(),
                                      c.at("n").get<int>(), optional_from(c.at("pearson")), optional_from(c.at("spearman"))});
        if (j.contains("sensors")) p.sensors = j.at("sensors").get<std::vector<std::string>>();
        if (j.contains("fits"))
            for (const auto& f : j.at("fits"))
                p.fits.push_back({f.at("phase").get<std::string>(), f.at("batch_size").get<int>(), f.at("feature").get<std::string>(),
                                  f.at("n").get<int>(), f.at("log10_intercept").get<double>(), f.at("exponent").get<double>(),
                                  f.at("r_squared").get<double>()});
        if (j.contains("notes")) p.notes = j.at("notes").get<std::vector<std::string>>();
        return p;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("profile: missing or malformed field: ") + e.what());
    }
}

std::string format_profile(const Profile& p) {
    std::string out = fmt::format(
        "Profile: {} training and {} inference samples per step, data {}, {} repeat(s), baseline {:.2f} W subtracted{}\n\n",
        p.plan.train_samples, p.plan.infer_samples, p.plan.dataset, p.plan.repeat, p.baseline_power_w,
        p.plan.freeze.empty() ? "" : ", training with --freeze " + p.plan.freeze);
    out += fmt::format("{:<14} {:>5} {:>10} {:>9} {:>10} {:>8} {:>12} {:>9} {:>9} {:>10} {:>12} {:>6}\n", "model", "batch", "MACs",
                       "params", "train s", "train J", "train J/smp", "train W", "infer s", "infer J", "infer J/smp", "ratio");
    for (const auto& m : p.models) {
        out += fmt::format("{:<14} {:>5} {:>10.3g} {:>9.3g} {:>10.3f} {:>8.2f} {:>12.3g} {:>9.2f} {:>9.3f} {:>10.2f} {:>12.3g} {:>6.2f}\n",
                           m.model, m.batch_size, m.characteristics.macs, static_cast<double>(m.characteristics.total_params),
                           m.train.time_s.mean, m.train.energy_j.mean, m.train.energy_per_sample_j.mean, m.train.power_w.mean,
                           m.infer.time_s.mean, m.infer.energy_j.mean, m.infer.energy_per_sample_j.mean, m.train_infer_time_ratio);
    }
    out += "\n(J = net joules above the idle baseline; ratio = training time / inference time per sample; seed 001 found ~3)\n";
    out += "\nCorrelation of energy per sample with model characteristics (across models):\n";
    out += fmt::format("{:<6} {:>5} {:<15} {:>3} {:>8} {:>9}\n", "phase", "batch", "feature", "n", "pearson", "spearman");
    const auto text = [](const std::optional<double>& v) { return v ? fmt::format("{:.3f}", *v) : std::string("-"); };
    for (const auto& c : p.correlations)
        out += fmt::format("{:<6} {:>5} {:<15} {:>3} {:>8} {:>9}\n", c.phase, c.batch_size, c.feature, c.n, text(c.pearson), text(c.spearman));
    if (!p.correlations.empty() && p.correlations.front().n < 3) out += "(correlations need at least 3 models: '-' where fewer)\n";
    return out;
}

}  // namespace powerml::workloads
