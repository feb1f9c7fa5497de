// powerml workload train|infer: a built-in CNN on a data set, reporting its phases and metrics
// over the control channel, so that `powerml measure -- powerml workload ...` attributes energy.
#include <memory>

#include <fmt/format.h>

#include "powerml/cli/commands.hpp"
#include "powerml/workloads/image_dataset.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "workload_cli.hpp"

namespace powerml::cli {

namespace {

struct WorkloadFlags {
    workloads::WorkloadSpec spec;
    std::string data_dir;
    int image_size = 0;
    double time_limit_s = 0;
    bool quiet = false;
};

std::string catalog_help() {
    std::string text = "Data set:";
    for (const auto& [name, description] : workloads::dataset_catalog()) text += "\n  " + name + ": " + description;
    return text;
}

std::string models_help() {
    std::string text = "Built-in model:";
    for (const auto& entry : workloads::zoo_models()) text += "\n  " + entry.name + ": " + entry.description;
    return text;
}

void add_mode(CLI::App& parent, const std::string& name, workloads::WorkloadMode mode, int& exit_code) {
    auto flags = std::make_shared<WorkloadFlags>();
    flags->spec.mode = mode;
    const bool training = mode == workloads::WorkloadMode::train;
    auto* cmd = parent.add_subcommand(name, training ? "Train a built-in CNN (phases train, epoch-N, eval-N)"
                                                     : "Run inference with a built-in CNN (phase infer)");
    cmd->add_option("--model,-m", flags->spec.model, models_help())->capture_default_str();
    cmd->add_option("--dataset,-d", flags->spec.dataset, catalog_help())->capture_default_str();
    cmd->add_option("--batch-size,-b", flags->spec.batch_size, "Samples per batch")->capture_default_str();
    cmd->add_option("--samples,-n", flags->spec.samples,
                    training ? "Training samples per epoch (0: the whole training split; more than the split cycles through it)"
                             : "Samples to infer (0: the whole test split; more cycles through it)")
        ->capture_default_str();
    cmd->add_option("--data-dir", flags->data_dir, "Where the data set's files are (default: where its Debian package puts them)");
    cmd->add_option("--image-size", flags->image_size, "Resize images to this height and width (e.g. 32 for digits with lenet)");
    cmd->add_option("--threads", flags->spec.threads, "CPU threads for Torch (0: every core)")->capture_default_str();
    cmd->add_option("--seed", flags->spec.seed, "Random seed (weights, shuffling, synthetic data)")->capture_default_str();
    cmd->add_flag("--quiet,-q", flags->quiet, "No progress lines on stderr");
    if (training) {
        cmd->add_option("--epochs,-e", flags->spec.epochs, "Training epochs")->capture_default_str();
        cmd->add_option("--eval-samples", flags->spec.eval_samples, "Held-out samples evaluated after each epoch (0: none)")
            ->capture_default_str();
        cmd->add_option("--lr", flags->spec.learning_rate, "SGD learning rate (momentum 0.9, weight decay 5e-4)")->capture_default_str();
        cmd->add_option("--time-limit", flags->time_limit_s, "Stop training after this many seconds (the epoch ends early)");
        cmd->add_option("--freeze", flags->spec.freeze,
                        "Train only part of the model (seed 003's transfer learning): features (all but the classifier), "
                        "all-but-last (only the last fully connected layer), or comma-separated module paths");
    }
    cmd->callback([flags, &exit_code] {
        workloads::WorkloadSpec spec = flags->spec;
        if (!flags->data_dir.empty()) spec.data_dir = flags->data_dir;
        if (flags->image_size != 0) spec.image_size = flags->image_size;
        if (flags->time_limit_s != 0) spec.time_limit_s = flags->time_limit_s;
        const auto result = workloads::run_workload(spec, workload_callbacks(flags->quiet));
        if (!flags->quiet) {
            fmt::print(stderr, "powerml workload: {} on {} ({}, {} classes), {} thread(s), {:.2f} s\n", result.model, result.dataset,
                       workloads::format_image_shape(result.input), result.classes, result.threads, result.total_duration_s);
            if (spec.mode == workloads::WorkloadMode::train)
                fmt::print(stderr, "  trainable parameters: {} of {}{}\n", result.trainable_params, result.total_params,
                           spec.freeze.empty() || spec.freeze == "none" ? "" : " (--freeze " + spec.freeze + ")");
        }
        exit_code = 0;
    });
}

}  // namespace

void add_workload_command(CLI::App& app, int& exit_code) {
    auto* workload = app.add_subcommand("workload", "Built-in ML workloads (LibTorch CNNs on real or synthetic images)");
    workload->require_subcommand(1);
    add_mode(*workload, "train", workloads::WorkloadMode::train, exit_code);
    add_mode(*workload, "infer", workloads::WorkloadMode::infer, exit_code);
}

}  // namespace powerml::cli
