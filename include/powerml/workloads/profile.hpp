#pragma once
// Seed 001's protocol on this machine: per model and batch size, one training epoch and one
// inference pass over a fixed number of samples, each repeated, all inside one measurement
// with one idle baseline, so that every phase's energy is net of the idle machine. A profile
// is what `powerml profile` writes and `powerml estimate` reads (schema powerml.profile/1).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/workloads/model_characteristics.hpp"

namespace powerml::workloads {

struct ProfilePlan {
    std::vector<std::string> models;
    std::vector<int> batch_sizes;
    int repeat = 1;
    std::int64_t train_samples = 1024;  // one training epoch
    std::int64_t infer_samples = 1024;
    std::string dataset = "synthetic";
    std::optional<int> image_size;
    int threads = 0;
    std::string freeze;  // WorkloadSpec::freeze for every training step ("" = train everything)
};

// "lenet/b32/r1/": the prefix of one step's phase names.
std::string step_prefix(const std::string& model, int batch_size, int repeat);

struct PhaseEnergy {
    double duration_s = 0;
    double gross_j = 0;
    double net_j = 0;
    std::int64_t samples = 0;
};

struct ProfileStep {
    std::string model;
    int batch_size = 0;
    int repeat = 0;
    PhaseEnergy train, infer;
};

// Mean and sample standard deviation over repeats.
struct Stat {
    double mean = 0;
    double sd = 0;
};

struct PhaseProfile {
    Stat time_s, energy_j, power_w, energy_per_sample_j, time_per_sample_s;
};

struct ModelProfile {
    std::string model;
    int batch_size = 0;
    int repeats = 0;
    PhaseProfile train, infer;
    double train_infer_time_ratio = 0;    // time per training sample / time per inference sample
    double train_infer_energy_ratio = 0;  // the same for net energy
    ModelCharacteristics characteristics;
};

struct Correlation {
    std::string phase;    // "train" | "infer"
    int batch_size = 0;
    std::string feature;  // "macs" | "params" | "macs_per_param"
    int n = 0;            // models
    std::optional<double> pearson, spearman;
};

// Seed 001's fits: log10(energy per sample) = log_intercept + exponent x log10(feature), least
// squares over the models of one batch size (analysis::linear_regression), for the figures.
struct PowerLawFit {
    std::string phase;    // "train" | "infer"
    int batch_size = 0;
    std::string feature;  // "macs" | "params" | "macs_per_param"
    int n = 0;            // models with positive energy and feature
    double log_intercept = 0;
    double exponent = 0;
    double r_squared = 0;
};

struct Profile {
    ProfilePlan plan;
    std::string host;
    std::string run_id;
    double baseline_power_w = 0;
    double run_relative_uncertainty = 0;  // the measurement's 1-sigma net-energy uncertainty / net energy
    // What measured it, one line per energy component: "package-0: rapl counter", "cpu: model
    // model (MODEL_ID)"; a modelled component is an estimate from utilisation, not a meter.
    std::vector<std::string> sensors;
    std::vector<ProfileStep> steps;
    std::vector<ModelProfile> models;
    std::vector<Correlation> correlations;
    std::vector<PowerLawFit> fits;  // where at least 3 models have positive energy
    std::vector<std::string> notes;

    // Throws Error naming the model and batch size when the profile does not hold them.
    const ModelProfile& find(const std::string& model, int batch_size) const;
};

// Reads the steps' phases out of the measured run and aggregates them. Throws Error naming the
// missing phase when a step did not report (the workload failed part-way).
Profile build_profile(const ProfilePlan& plan, const record::RunSummary& run,
                      const std::map<std::string, ModelCharacteristics>& characteristics);

// Correlations of energy per sample with MACs, parameters and MACs per parameter across the
// models of each batch size (recomputed by build_profile).
std::vector<Correlation> profile_correlations(const std::vector<ModelProfile>& models);
// The power laws for every batch size, phase and feature that has 3 or more usable models.
std::vector<PowerLawFit> profile_fits(const std::vector<ModelProfile>& models);

nlohmann::json to_json(const Profile& profile);
// Throws Error naming the field when `j` is not a powerml.profile/1 document.
Profile profile_from_json(const nlohmann::json& j);
// The per-model table and the correlations, for people.
std::string format_profile(const Profile& profile);

}  // namespace powerml::workloads
