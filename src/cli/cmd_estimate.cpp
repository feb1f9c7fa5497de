// powerml estimate: predictions from a profile. A profiled model's whole training is epochs x
// samples x its measured energy per sample (energy is linear in time, seed 001); a model that was
// never profiled gets a power law in its characteristics fitted over the profiled ones, with the
// leave-one-out error of that law.
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/units.hpp"
#include "powerml/workloads/energy_estimator.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/onnx_model_info.hpp"

namespace powerml::cli {

namespace {

struct EstimateFlags {
    std::string profile_path, model, onnx, phase = "train", feature = "auto", format = "text";
    int batch_size = 0;
    int epochs = 1;
    std::int64_t samples = 0;
    bool from_characteristics = false;
};

workloads::Profile read_profile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error("--profile: cannot open " + path + " (write one with 'powerml profile --json FILE')");
    try {
        return workloads::profile_from_json(nlohmann::json::parse(in));
    } catch (const nlohmann::json::parse_error& e) {
        throw Error("--profile " + path + ": not JSON: " + e.what());
    } catch (const Error& e) {
        throw Error("--profile " + path + ": " + e.what());
    }
}

nlohmann::json interval_json(const workloads::Interval& i) { return {{"value", i.value}, {"low", i.low}, {"high", i.high}}; }

bool profiled(const workloads::Profile& p, const std::string& model, int batch) {
    for (const auto& m : p.models)
        if (m.model == model && m.batch_size == batch) return true;
    return false;
}

}  // namespace

void add_estimate_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<EstimateFlags>();
    auto* cmd = app.add_subcommand("estimate", "Predict a full training's energy and duration, or an unprofiled model's energy, from a profile");
    cmd->add_option("--profile,-p", flags->profile_path, "Profile written by 'powerml profile --json FILE'")->required();
    cmd->add_option("--model,-m", flags->model, "Built-in model (profiled: extrapolated; not profiled: from its characteristics)");
    cmd->add_option("--onnx", flags->onnx, "An ONNX model file, estimated from its characteristics");
    cmd->add_option("--batch-size,-b", flags->batch_size, "Batch size (default: the profile's first)");
    cmd->add_option("--epochs,-e", flags->epochs, "Training epochs")->capture_default_str();
    cmd->add_option("--samples,-n", flags->samples, "Samples per epoch (train) or in total (infer); default: the profile's");
    cmd->add_option("--phase", flags->phase, "train or infer (for estimates from characteristics)")
        ->check(CLI::IsMember({"train", "infer"}))
        ->capture_default_str();
    cmd->add_option("--feature", flags->feature, "Characteristic for the power law: auto (least leave-one-out error), macs, params, macs_per_param")
        ->check(CLI::IsMember({"auto", "macs", "params", "macs_per_param"}))
        ->capture_default_str();
    cmd->add_flag("--from-characteristics", flags->from_characteristics,
                  "Estimate a profiled model from its characteristics anyway (to check the power law)");
    cmd->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->callback([flags, &exit_code] {
        if (flags->model.empty() == flags->onnx.empty()) throw Error("estimate: give --model NAME or --onnx FILE (one of them)");
        if (flags->epochs < 1 || flags->epochs > 1000000) throw Error("--epochs must be between 1 and 1000000");
        if (flags->samples < 0) throw Error("--samples must be positive");
        const workloads::Profile profile = read_profile(flags->profile_path);
        if (profile.plan.batch_sizes.empty()) throw Error("--profile: the profile has no batch sizes");
        const int batch = flags->batch_size > 0 ? flags->batch_size : profile.plan.batch_sizes.front();
        const bool train = flags->phase == "train";
        const std::int64_t samples = flags->samples > 0 ? flags->samples : (train ? profile.plan.train_samples : profile.plan.infer_samples);

        if (!flags->model.empty() && !flags->from_characteristics && profiled(profile, flags->model, batch)) {
            if (!train) throw Error("--phase infer: a profiled model's inference is in the profile itself; estimate trains");
            const auto e = workloads::estimate_training(profile, flags->model, batch, flags->epochs, samples);
            if (flags->format == "json") {
                fmt::print("{}\n", nlohmann::json{{"method", "extrapolation"}, {"model", e.model}, {"batch_size", e.batch_size},
                                                  {"epochs", e.epochs}, {"samples_per_epoch", e.samples_per_epoch},
                                                  {"energy_j", interval_json(e.energy_j)}, {"duration_s", interval_json(e.duration_s)},
                                                  {"observations", e.observations}, {"interval", e.interval_basis}}
                                       .dump(2));
            } else {
                fmt::print("{} at batch {}: {} epochs x {} samples, extrapolated from {} profiled epoch(s)\n", e.model, e.batch_size,
                           e.epochs, e.samples_per_epoch, e.observations);
                fmt::print("  energy    {} (95 %: {} .. {}), net of idle\n", units::format_energy(e.energy_j.value),
                           units::format_energy(e.energy_j.low), units::format_energy(e.energy_j.high));
                fmt::print("  duration  {:.1f} s (95 %: {:.1f} .. {:.1f} s)\n", e.duration_s.value, e.duration_s.low, e.duration_s.high);
                fmt::print("  interval: {}\n", e.interval_basis);
            }
            exit_code = 0;
            return;
        }

        workloads::ModelCharacteristics info;
        if (!flags->onnx.empty()) {
            info = workloads::onnx_characteristics(flags->onnx);
        } else {
            workloads::ImageShape input = workloads::dataset_image_shape(profile.plan.dataset);
            if (profile.plan.image_size) input.height = input.width = *profile.plan.image_size;
            info = workloads::builtin_characteristics(flags->model, input, 10);
        }
        const auto fit = flags->feature == "auto" ? workloads::best_characteristic_fit(profile, flags->phase, batch)
                                                  : workloads::fit_characteristic(profile, flags->phase, batch, flags->feature);
        const double per_sample = fit.predict_j_per_sample(info);
        const double total_samples = static_cast<double>(samples) * (train ? flags->epochs : 1);
        const double energy = per_sample * total_samples;
        if (flags->format == "json") {
            nlohmann::json loo = nlohmann::json::array();
            for (const auto& p : fit.loo)
                loo.push_back({{"model", p.model}, {"measured_j_per_sample", p.measured}, {"predicted_j_per_sample", p.predicted},
                               {"relative_error", p.relative_error}});
            fmt::print("{}\n", nlohmann::json{{"method", "characteristics"}, {"model", info.model}, {"phase", fit.phase},
                                              {"batch_size", batch}, {"feature", fit.feature}, {"exponent", fit.exponent},
                                              {"log10_intercept", fit.log_intercept}, {"energy_per_sample_j", per_sample},
                                              {"samples", total_samples}, {"energy_j", energy},
                                              {"loo_mean_abs_error", fit.loo_mean_abs_error},
                                              {"loo_max_abs_error", fit.loo_max_abs_error}, {"leave_one_out", loo}}
                                   .dump(2));
        } else {
            fmt::print("{} ({}): {} of {:.0f} samples at batch {}, from characteristics\n", info.model, info.source, fit.phase,
                       total_samples, batch);
            fmt::print("  energy    {} ({:.3g} J per sample), net of idle\n", units::format_energy(energy), per_sample);
            fmt::print("  law       J/sample = 10^{:.3f} x {}^{:.3f}, fitted over {} profiled models\n", fit.log_intercept, fit.feature,
                       fit.exponent, fit.models.size());
            fmt::print("  error     leave-one-out: mean {:.0f} %, worst {:.0f} %\n", 100 * fit.loo_mean_abs_error,
                       100 * fit.loo_max_abs_error);
            for (const auto& p : fit.loo)
                fmt::print("    {:<22} measured {:.3g} J, predicted without it {:.3g} J ({:+.0f} %)\n", p.model, p.measured,
                           p.predicted, 100 * p.relative_error);
            if (flags->feature == "auto")
                fmt::print("  (feature chosen by least leave-one-out error, so that error is a slightly optimistic guide)\n");
        }
        exit_code = 0;
    });
}

}  // namespace powerml::cli
