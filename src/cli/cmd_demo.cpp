// powerml demo: the quick start's main job. Measures a short built-in CPU-bound training
// workload (logistic regression on synthetic data) with an idle baseline and phases, and
// prints the energy report. `powerml demo-workload` is that workload on its own.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "measure_options.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/measure/measurement.hpp"
#include "powerml/sampler/control_channel.hpp"
#include "text_summary.hpp"

namespace powerml::cli {

namespace {

// Sends a control line when running under a measurement; silently not otherwise, so the
// workload also runs on its own.
void report(const std::string& line) {
    if (const char* path = std::getenv("POWERML_CONTROL"); path && *path) sampler::ControlChannel::send(path, line);
}

// Trains a logistic-regression classifier by full-batch gradient descent on two Gaussian
// classes: a real (if small) training loop whose loss falls and accuracy rises per epoch.
int run_workload(int epochs, int samples, int features) {
    std::mt19937 rng(42);
    std::normal_distribution<double> noise(0.0, 1.0);
    report("begin load-data");
    std::vector<double> x(static_cast<std::size_t>(samples) * features);
    std::vector<int> y(static_cast<std::size_t>(samples));
    for (int i = 0; i < samples; ++i) {
        y[i] = i % 2;
        for (int f = 0; f < features; ++f)
            x[static_cast<std::size_t>(i) * features + f] = noise(rng) + (y[i] ? 0.15 : -0.15) * (f % 3 == 0);
    }
    report("end load-data");
    report("begin train");
    std::vector<double> w(static_cast<std::size_t>(features), 0.0), grad(static_cast<std::size_t>(features));
    double bias = 0;
    const double rate = 0.02;  // small, so the loss visibly falls over the epochs
    const int steps_per_epoch = 300;  // about 0.6 s per epoch on one core of this class of machine
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        report(fmt::format("begin epoch-{}", epoch));
        double loss = 0;
        int correct = 0;
        for (int step = 0; step < steps_per_epoch; ++step) {
            std::fill(grad.begin(), grad.end(), 0.0);
            double grad_bias = 0;
            loss = 0;
            correct = 0;
            for (int i = 0; i < samples; ++i) {
                const double* row = &x[static_cast<std::size_t>(i) * features];
                double z = bias;
                for (int f = 0; f < features; ++f) z += w[f] * row[f];
                const double p = 1.0 / (1.0 + std::exp(-z));
                const double err = p - y[i];
                for (int f = 0; f < features; ++f) grad[f] += err * row[f];
                grad_bias += err;
                loss -= y[i] ? std::log(std::max(p, 1e-12)) : std::log(std::max(1 - p, 1e-12));
                correct += (p >= 0.5) == (y[i] == 1);
            }
            for (int f = 0; f < features; ++f) w[f] -= rate * grad[f] / samples;
            bias -= rate * grad_bias / samples;
        }
        report(fmt::format("metric loss {:.6f}", loss / samples));
        report(fmt::format("metric accuracy {:.6f}", static_cast<double>(correct) / samples));
        report(fmt::format("metric samples {}", static_cast<long long>(samples) * steps_per_epoch));
        report(fmt::format("end epoch-{}", epoch));
    }
    report("end train");
    report("begin idle-wait");
    ::usleep(500000);  // a quiet phase, so the report shows power falling back towards idle
    report("end idle-wait");
    return 0;
}

std::string self_executable() {
    std::error_code ec;
    const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error("cannot find the powerml executable (/proc/self/exe): " + ec.message());
    return path.string();
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
    struct Flags {
        MeasureFlags measure;
        int epochs = 4;
        int samples = 40000;
    };
    auto flags = std::make_shared<Flags>();
    flags->measure.baseline_s = 2.0;
    flags->measure.out = "powerml-demo";
    flags->measure.zone = "CY";  // seed 000's edge site in Cyprus
    auto* demo = app.add_subcommand("demo", "Measure a short built-in training workload and print its energy report");
    add_measure_flags(*demo, flags->measure);
    demo->add_option("--epochs", flags->epochs, "Training epochs of the built-in workload")->check(CLI::Range(1, 1000))->capture_default_str();
    demo->callback([flags, &exit_code] {
        MeasureFlags measure_flags = flags->measure;
        measure_flags.command = {self_executable(), "demo-workload", "--epochs", std::to_string(flags->epochs), "--samples",
                                 std::to_string(flags->samples)};
        fmt::print(stderr,
                   "powerml demo: {:.0f} s idle baseline, then a logistic-regression training of {} epochs on {} "
                   "synthetic samples, sampled every {:.0f} ms\n",
                   measure_flags.baseline_s, flags->epochs, flags->samples, measure_flags.interval_ms);
        measure::Measurement measurement(to_measure_options(measure_flags), carbon_function());
        const auto result = measurement.run_command();
        fmt::print(stderr, "{}", text_summary(result.record, result.notes));
        if (!measure_flags.out.empty())
            fmt::print(stderr, "  files: {0}/summary.json, {0}/samples.csv, {0}/phases.csv\n", measure_flags.out);
        exit_code = result.exit_status;
    });

    auto* workload = app.add_subcommand("demo-workload", "The demo's workload alone (reports phases when measured)");
    workload->group("");  // hidden from --help: an implementation detail of `demo`
    workload->add_option("--epochs", flags->epochs)->check(CLI::Range(1, 1000));
    workload->add_option("--samples", flags->samples)->check(CLI::Range(100, 10000000));
    workload->callback([flags, &exit_code] { exit_code = run_workload(flags->epochs, flags->samples, 64); });
}

}  // namespace powerml::cli
