#pragma once
// Efficiency factors (seed 003): useful work per unit of energy, from the metrics a workload
// reports over the control channel (`powerml metric accuracy 0.87`, `samples 50000`, ...).
#include <map>
#include <string>
#include <vector>

namespace powerml::analysis {

struct EfficiencyFactor {
    std::string name;   // "accuracy_per_wh", "samples_per_kj", "correct_per_wh"
    double value = 0;
    std::string unit;   // "1/Wh", "samples/kJ", "correct/Wh"
    std::string basis;  // how it was computed, for the reader: "accuracy 0.87 / 0.52 Wh net"
};

// Factors for the metrics present; none when energy_j <= 0 (nothing meaningful to divide by).
// Metric names understood: accuracy (or val_accuracy), samples, correct (or accuracy x
// val_samples when no `correct` is reported).
std::vector<EfficiencyFactor> efficiency_factors(const std::map<std::string, double>& metrics, double energy_j,
                                                 const std::string& energy_label = "net");

}  // namespace powerml::analysis
