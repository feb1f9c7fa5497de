// powerml demo: the quick start's main job. With Torch it trains LeNet on Fashion-MNIST for a
// short, bounded time, measures it with an idle baseline, and predicts the energy, duration and
// emissions of the full training from the measured epochs (seed 001: energy is linear in time).
// Without Torch it measures the built-in logistic-regression workload instead and says so;
// `powerml demo-workload` is that fallback workload on its own.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "demo_prediction.hpp"
#include "measure_options.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/measure/measurement.hpp"
#include "powerml/sampler/control_channel.hpp"
#include "powerml/workloads/image_dataset.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/core/time.hpp"
#include "powerml/report/html_report.hpp"
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"
#include "powerml/store/store_location.hpp"
#include "run_input.hpp"
#include "text_summary.hpp"
#include "workload_cli.hpp"

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

}  // namespace

// The HTML report of the demo's run, from the run store (where the whole timeline is kept).
void write_demo_report(const measure::MeasureOptions& options, const std::string& run_id) {
    if (!options.db_path || !options.out_dir) {
        fmt::print(stderr, "  report: not written (it is built from the run store and --out; drop --no-db)\n");
        return;
    }
    try {
        report::ReportInput input;
        input.runs.push_back(run_input(measure::load_run(run_id, *options.db_path)));
        input.generator = "powerml " POWERML_VERSION;
        input.generated_utc_ms = utc_now_ms();
        input.db_path = store::redacted_location(options.db_path->string());
        const auto file = *options.out_dir / "report.html";
        store::write_file_atomically(file, report::render_html(input));
        fmt::print(stderr, "  report: {} (open it in a browser; it works offline)\n", file.string());
    } catch (const std::exception& e) {
        fmt::print(stderr, "  report: not written: {}\n", e.what());
    }
}

void add_demo_command(CLI::App& app, int& exit_code) {
    struct Flags {
        MeasureFlags measure;
        int epochs = 4;
        int samples = 40000;
        bool builtin = false;        // force the Torch-free fallback workload
        int cnn_epochs = 3;          // measured epochs of the CNN demo
        int cnn_samples = 10000;     // Fashion-MNIST images per measured epoch
        double time_limit_s = 45;    // bound on the measured training, so the demo stays short
        int full_epochs = 20;        // the training the prediction is for
    };
    auto flags = std::make_shared<Flags>();
    flags->measure.baseline_s = 2.0;
    flags->measure.out = "powerml-demo";
    flags->measure.zone = "CY";  // seed 000's edge site in Cyprus
    auto* demo = app.add_subcommand("demo", "Measure a short built-in training workload and print its energy report");
    add_measure_flags(*demo, flags->measure);
    demo->add_option("--epochs", flags->epochs, "Training epochs of the built-in workload")->check(CLI::Range(1, 1000))->capture_default_str();
    demo->add_option("--full-epochs", flags->full_epochs, "Epochs of the full Fashion-MNIST training the demo predicts")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    demo->add_option("--time-limit", flags->time_limit_s, "Bound in seconds on the measured CNN training")
        ->check(CLI::Range(1.0, 3600.0))
        ->capture_default_str();
    demo->add_flag("--builtin", flags->builtin, "Measure the Torch-free logistic-regression workload instead of the CNN");
    demo->callback([flags, &exit_code] {
        MeasureFlags measure_flags = flags->measure;
        std::string dataset = "fashion-mnist";
        bool cnn = !flags->builtin && workloads::torch_available();
        if (!flags->builtin && !workloads::torch_available())
            fmt::print(stderr, "powerml demo: {}.\n  Falling back to the built-in logistic-regression workload.\n",
                       workloads::k_no_torch_message);
        if (cnn) {
            try {
                workloads::DatasetRequest probe;
                probe.name = dataset;
                probe.split = workloads::Split::test;
                workloads::load_dataset(probe);
            } catch (const Error& e) {
                fmt::print(stderr, "powerml demo: {}\n  Training on synthetic 28x28 images instead.\n", e.what());
                dataset = "synthetic:1x28x28";
            }
        }
        if (cnn) {
            measure_flags.command = {self_executable(), "workload", "train", "--model", "lenet", "--dataset", dataset,
                                     "--batch-size", "64", "--epochs", std::to_string(flags->cnn_epochs), "--samples",
                                     std::to_string(flags->cnn_samples), "--eval-samples", "2000", "--time-limit",
                                     fmt::format("{}", flags->time_limit_s)};
            fmt::print(stderr,
                       "powerml demo: {:.0f} s idle baseline, then LeNet-5 trained on {} ({} epochs of {} images, at most "
                       "{:.0f} s), sampled every {:.0f} ms\n",
                       measure_flags.baseline_s, dataset, flags->cnn_epochs, flags->cnn_samples, flags->time_limit_s,
                       measure_flags.interval_ms);
        } else {
            measure_flags.command = {self_executable(), "demo-workload", "--epochs", std::to_string(flags->epochs), "--samples",
                                     std::to_string(flags->samples)};
            fmt::print(stderr,
                       "powerml demo: {:.0f} s idle baseline, then a logistic-regression training of {} epochs on {} "
                       "synthetic samples, sampled every {:.0f} ms\n",
                       measure_flags.baseline_s, flags->epochs, flags->samples, measure_flags.interval_ms);
        }
        measure::Measurement measurement(to_measure_options(measure_flags), carbon_function());
        const auto result = measurement.run_command();
        fmt::print(stderr, "{}", text_summary(result.record, result.notes));
        if (!measure_flags.out.empty())
            fmt::print(stderr, "  files: {0}/summary.json, {0}/samples.csv, {0}/phases.csv\n", measure_flags.out);
        if (cnn && result.exit_status == 0) {
            // 60,000 images: the size of Fashion-MNIST's training split.
            fmt::print(stderr, "{}", demo_prediction(result.record, flags->full_epochs, 60000));
        }
        write_demo_report(to_measure_options(measure_flags), result.record.id);
        exit_code = result.exit_status;
    });

    auto* workload = app.add_subcommand("demo-workload", "The demo's workload alone (reports phases when measured)");
    workload->group("");  // hidden from --help: an implementation detail of `demo`
    workload->add_option("--epochs", flags->epochs)->check(CLI::Range(1, 1000));
    workload->add_option("--samples", flags->samples)->check(CLI::Range(100, 10000000));
    workload->callback([flags, &exit_code] { exit_code = run_workload(flags->epochs, flags->samples, 64); });
}

}  // namespace powerml::cli
