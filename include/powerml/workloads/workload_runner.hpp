#pragma once
// `powerml workload`: trains or runs inference with a built-in CNN on a data set and reports
// what it does over the control channel, so that `measure`, `profile` and `experiment` can
// attribute energy to it. No Torch in this header; the implementation is the Torch part.
//
// Phases reported (each name prefixed with `phase_prefix`):
//   train           all of training           infer      the inference pass
//     epoch-N         one pass over the training samples (metrics loss, accuracy, samples)
//     eval-N          accuracy on held-out samples after epoch N (metrics eval_loss, eval_accuracy)
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

enum class WorkloadMode { train, infer };

struct WorkloadSpec {
    WorkloadMode mode = WorkloadMode::train;
    std::string model = "lenet";
    int batch_size = 128;
    int epochs = 1;
    std::int64_t samples = 0;       // per epoch (train) or in total (infer); 0 = the whole split
    std::int64_t eval_samples = 0;  // held-out samples evaluated after each epoch; 0 = none
    std::string dataset = "synthetic";
    std::optional<std::filesystem::path> data_dir;
    std::optional<int> image_size;  // resize images to this height and width (e.g. digits to 32)
    double learning_rate = 0.01;    // SGD with momentum 0.9 and weight decay 5e-4 (seed 001's optimiser)
    int threads = 0;                // 0 = every core
    std::uint32_t seed = 1;
    std::optional<double> time_limit_s;  // stop training after the batch that crosses this
    // Layers left out of training (seed 003's transfer learning): "" / "none", "all-but-last"
    // (only the final fully connected layer trains), or module paths such as "features".
    // Frozen parameters get no gradient and no update; their batch norms still track statistics.
    std::string freeze;
    std::string phase_prefix;
};

struct EpochResult {
    int epoch = 0;
    std::int64_t samples = 0;
    double duration_s = 0;
    double loss = 0;
    double accuracy = 0;
    std::optional<double> eval_loss, eval_accuracy;
    bool cut_short = false;  // the time limit ended it
};

struct WorkloadResult {
    std::string model;
    std::string dataset;
    ImageShape input;
    int classes = 0;
    int threads = 0;
    std::int64_t total_params = 0;
    std::int64_t trainable_params = 0;  // after WorkloadSpec::freeze
    std::vector<EpochResult> epochs;  // training
    std::int64_t infer_samples = 0;   // inference
    double infer_duration_s = 0;
    double infer_accuracy = 0;
    double total_duration_s = 0;
};

struct WorkloadCallbacks {
    std::function<void(const std::string& line)> control;  // one control-channel line
    std::function<void(const std::string& text)> progress; // a human progress line
};

// Throws Error for bad options (naming the flag), a missing data set, or no Torch.
WorkloadResult run_workload(const WorkloadSpec& spec, const WorkloadCallbacks& callbacks);

}  // namespace powerml::workloads
