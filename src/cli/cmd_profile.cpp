// powerml profile: seed 001's study on this machine. Per model and batch size, one training
// epoch and one inference pass over a fixed number of samples, repeated, inside one measurement
// with one idle baseline; then time, energy, power, energy per sample, the train/infer ratio and
// the correlations of energy with MACs, parameters and MACs per parameter.
#include <fstream>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "measure_options.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/measure/measurement.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/profile.hpp"
#include "workload_cli.hpp"

namespace powerml::cli {

namespace {

struct ProfileFlags {
    MeasureFlags measure;
    std::string models = "lenet,shufflenetv2,mobilenetv2";
    std::string batch_sizes = "32,128";
    workloads::ProfilePlan plan;
    int image_size = 0;
    std::string json_path;
    std::string format = "text";
    bool quick = false;
};

workloads::ProfilePlan plan_from(const ProfileFlags& flags) {
    workloads::ProfilePlan plan = flags.plan;
    plan.models = flags.models == "seed001" ? workloads::seed001_models() : split_list(flags.models, "--models");
    for (const auto& m : plan.models) workloads::check_model_name(m);
    plan.batch_sizes = split_ints(flags.batch_sizes, "--batch-sizes", 1, 65536);
    if (plan.repeat < 1 || plan.repeat > 100) throw Error("--repeat must be between 1 and 100");
    if (plan.train_samples < 1 || plan.infer_samples < 1) throw Error("--train-samples and --infer-samples must be positive");
    if (flags.image_size != 0) plan.image_size = flags.image_size;
    return plan;
}

// The arguments that make `profile-run` execute the same plan in the measured child.
std::vector<std::string> run_arguments(const workloads::ProfilePlan& plan, const ProfileFlags& flags) {
    std::vector<std::string> args = {self_executable(), "profile-run", "--models", flags.models, "--batch-sizes", flags.batch_sizes,
                                     "--repeat", std::to_string(plan.repeat), "--train-samples", std::to_string(plan.train_samples),
                                     "--infer-samples", std::to_string(plan.infer_samples), "--dataset", plan.dataset,
                                     "--threads", std::to_string(plan.threads)};
    if (!plan.freeze.empty()) {
        args.push_back("--freeze");
        args.push_back(plan.freeze);
    }
    if (plan.image_size) {
        args.push_back("--image-size");
        args.push_back(std::to_string(*plan.image_size));
    }
    return args;
}

void add_plan_flags(CLI::App& cmd, ProfileFlags& flags) {
    cmd.add_option("--models", flags.models, "Built-in models, comma-separated, or seed001 (its sixteen CIFAR-10 models)")
        ->capture_default_str();
    cmd.add_option("--batch-sizes", flags.batch_sizes, "Batch sizes, comma-separated")->capture_default_str();
    cmd.add_option("--repeat", flags.plan.repeat, "Repetitions of every step (3 or more give intervals)")->capture_default_str();
    cmd.add_option("--train-samples", flags.plan.train_samples, "Samples in the one training epoch of a step")->capture_default_str();
    cmd.add_option("--infer-samples", flags.plan.infer_samples, "Samples inferred in a step")->capture_default_str();
    cmd.add_option("--dataset", flags.plan.dataset, "synthetic (default: pure energy profiling), fashion-mnist, digits, cifar10")
        ->capture_default_str();
    cmd.add_option("--image-size", flags.image_size, "Resize images to this height and width");
    cmd.add_option("--threads", flags.plan.threads, "CPU threads for Torch (0: every core)")->capture_default_str();
    cmd.add_option("--freeze", flags.plan.freeze,
                   "Train only part of every model: features, all-but-last, or module paths (trainable vs total parameters "
                   "are in the profile)");
}

}  // namespace

void add_profile_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<ProfileFlags>();
    flags->measure.baseline_s = 3.0;
    auto* cmd = app.add_subcommand("profile", "Measure training and inference of built-in models at several batch sizes (seed 001)");
    add_plan_flags(*cmd, *flags);
    add_measure_flags(*cmd, flags->measure);
    cmd->add_option("--json", flags->json_path, "Also write the profile (powerml.profile/1) to this file, for 'powerml estimate'");
    cmd->add_option("--format", flags->format, "text or json on stdout")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->add_flag("--quick", flags->quick,
                  "A smoke profile for CI: synthetic data, batch size 8, 16 training and 16 inference samples, one repeat, "
                  "0.5 s baseline (options given explicitly still win); its energies are too short to mean much");
    cmd->callback([cmd, flags, &exit_code] {
        if (flags->quick) {
            const auto unset = [cmd](const char* option) { return cmd->count(option) == 0; };
            if (unset("--batch-sizes")) flags->batch_sizes = "8";
            if (unset("--train-samples")) flags->plan.train_samples = 16;
            if (unset("--infer-samples")) flags->plan.infer_samples = 16;
            if (unset("--repeat")) flags->plan.repeat = 1;
            if (unset("--dataset")) flags->plan.dataset = "synthetic";
            if (unset("--baseline")) flags->measure.baseline_s = 0.5;
        }
        const workloads::ProfilePlan plan = plan_from(*flags);
        if (!workloads::torch_available()) throw Error(workloads::k_no_torch_message);
        workloads::ImageShape input = workloads::dataset_image_shape(plan.dataset);
        if (plan.image_size) input.height = input.width = *plan.image_size;
        std::map<std::string, workloads::ModelCharacteristics> characteristics;
        for (const auto& m : plan.models) characteristics[m] = workloads::builtin_characteristics(m, input, 10, plan.freeze);

        MeasureFlags measure_flags = flags->measure;
        measure_flags.command = run_arguments(plan, *flags);
        if (!measure_flags.quiet)
            fmt::print(stderr, "powerml profile: {:.0f} s idle baseline, then {} model(s) x {} batch size(s) x {} repeat(s)\n",
                       measure_flags.baseline_s, plan.models.size(), plan.batch_sizes.size(), plan.repeat);
        measure::Measurement measurement(to_measure_options(measure_flags), carbon_function());
        const auto result = measurement.run_command();
        if (result.start_error) throw Error(*result.start_error);
        if (result.exit_status != 0)
            throw Error(fmt::format("the profiling workload failed (exit status {}); its message is above", result.exit_status));
        workloads::Profile profile = workloads::build_profile(plan, result.record.summary, characteristics);
        profile.host = result.record.host;
        profile.run_id = result.record.id;
        for (const auto& note : result.notes) profile.notes.push_back(note);
        const nlohmann::json json = workloads::to_json(profile);
        if (!flags->json_path.empty()) {
            std::ofstream out(flags->json_path);
            if (!(out << json.dump(2) << '\n')) throw Error("--json: cannot write " + flags->json_path);
        }
        if (!measure_flags.out.empty()) {
            std::ofstream out(std::filesystem::path(measure_flags.out) / "profile.json");
            out << json.dump(2) << '\n';
        }
        if (flags->format == "json")
            fmt::print("{}\n", json.dump(2));
        else
            fmt::print("{}", workloads::format_profile(profile));
        if (!measure_flags.quiet)
            for (const auto& note : result.notes) fmt::print(stderr, "  note: {}\n", note);
        exit_code = 0;
    });

    // The measured child: runs the plan's steps one after another, reporting phases.
    auto run_flags = std::make_shared<ProfileFlags>();
    auto* run = app.add_subcommand("profile-run", "The steps of 'powerml profile', run under its measurement");
    run->group("");  // an implementation detail of `profile`
    add_plan_flags(*run, *run_flags);
    run->callback([run_flags, &exit_code] {
        const workloads::ProfilePlan plan = plan_from(*run_flags);
        const auto callbacks = workload_callbacks(true);
        for (int r = 1; r <= plan.repeat; ++r) {
            for (const auto& model : plan.models) {
                for (int batch : plan.batch_sizes) {
                    workloads::WorkloadSpec spec;
                    spec.model = model;
                    spec.batch_size = batch;
                    spec.dataset = plan.dataset;
                    spec.image_size = plan.image_size;
                    spec.threads = plan.threads;
                    spec.freeze = plan.freeze;
                    spec.phase_prefix = workloads::step_prefix(model, batch, r);
                    spec.mode = workloads::WorkloadMode::train;
                    spec.epochs = 1;
                    spec.samples = plan.train_samples;
                    const auto trained = workloads::run_workload(spec, callbacks);
                    spec.mode = workloads::WorkloadMode::infer;
                    spec.samples = plan.infer_samples;
                    const auto inferred = workloads::run_workload(spec, callbacks);
                    fmt::print(stderr, "  {} batch {} repeat {}: train {:.2f} s, infer {:.2f} s\n", model, batch, r,
                               trained.epochs.front().duration_s, inferred.infer_duration_s);
                }
            }
        }
        exit_code = 0;
    });
}

}  // namespace powerml::cli
