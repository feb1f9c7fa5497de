#include "powerml/analysis/efficiency.hpp"

#include <fmt/format.h>

#include "powerml/core/units.hpp"

namespace powerml::analysis {

namespace {

const double* find_metric(const std::map<std::string, double>& metrics, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        const auto it = metrics.find(name);
        if (it != metrics.end()) return &it->second;
    }
    return nullptr;
}

}  // namespace

std::vector<EfficiencyFactor> efficiency_factors(const std::map<std::string, double>& metrics, double energy_j,
                                                 const std::string& energy_label) {
    std::vector<EfficiencyFactor> out;
    if (!(energy_j > 0)) return out;
    const double wh = units::wh_from_joules(energy_j);
    const std::string energy_text = fmt::format("{:.4g} Wh {}", wh, energy_label);
    const double* accuracy = find_metric(metrics, {"accuracy", "val_accuracy", "validation_accuracy"});
    if (accuracy)
        out.push_back({"accuracy_per_wh", *accuracy / wh, "1/Wh", fmt::format("accuracy {:.4g} / {}", *accuracy, energy_text)});
    if (const double* samples = find_metric(metrics, {"samples"}))
        out.push_back({"samples_per_kj", *samples / (energy_j / 1000.0), "samples/kJ",
                       fmt::format("samples {:.6g} / {:.4g} kJ {}", *samples, energy_j / 1000.0, energy_label)});
    if (const double* correct = find_metric(metrics, {"correct"})) {
        out.push_back({"correct_per_wh", *correct / wh, "correct/Wh", fmt::format("correct {:.6g} / {}", *correct, energy_text)});
    } else if (const double* val_samples = find_metric(metrics, {"val_samples", "eval_samples"}); val_samples && accuracy) {
        const double correct_count = *accuracy * *val_samples;
        out.push_back({"correct_per_wh", correct_count / wh, "correct/Wh",
                       fmt::format("accuracy {:.4g} x {:.6g} validation samples / {}", *accuracy, *val_samples, energy_text)});
    }
    return out;
}

}  // namespace powerml::analysis
