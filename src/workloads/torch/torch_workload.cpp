// The training and inference loops behind `powerml workload`, `profile` and `demo`.
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/workload_runner.hpp"
#include "../torch_plugin.hpp"
#include "zoo_nets.hpp"

namespace powerml::workloads {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The synthetic source makes at most this many distinct images and cycles through them: the
// energy of a step depends on tensor shapes, not pixel values, and memory stays small.
constexpr std::int64_t k_max_synthetic_images = 4096;

struct Tensors {
    torch::Tensor images;  // N x C x H x W, normalised to [-1, 1]
    torch::Tensor labels;  // N, int64
    ImageShape shape;
    int classes = 0;
    std::string name;
};

Tensors load_tensors(const WorkloadSpec& spec, Split split, std::int64_t wanted) {
    DatasetRequest request;
    request.name = spec.dataset;
    request.split = split;
    request.data_dir = spec.data_dir;
    request.seed = spec.seed;
    request.synthetic_samples = std::min(wanted > 0 ? wanted : std::int64_t{10000}, k_max_synthetic_images);
    ImageDataset set = load_dataset(request);
    if (set.size() == 0) throw Error(fmt::format("--dataset {}: the {} split is empty", spec.dataset, set.name));
    Tensors t;
    t.shape = set.shape;
    t.classes = set.classes;
    t.name = set.name;
    t.images = torch::from_blob(set.pixels.data(), {set.size(), set.shape.channels, set.shape.height, set.shape.width},
                                torch::kFloat32)
                   .clone()
                   .sub_(0.5)
                   .div_(0.5);
    t.labels = torch::from_blob(set.labels.data(), {set.size()}, torch::kInt64).clone();
    if (spec.image_size && (*spec.image_size != set.shape.height || *spec.image_size != set.shape.width)) {
        namespace F = torch::nn::functional;
        t.images = F::interpolate(t.images, F::InterpolateFuncOptions()
                                                .size(std::vector<std::int64_t>{*spec.image_size, *spec.image_size})
                                                .mode(torch::kBilinear)
                                                .align_corners(false));
        t.shape.height = t.shape.width = *spec.image_size;
    }
    return t;
}

// Indices of `count` samples taken in a shuffled order, cycling through the set when `count`
// exceeds it (seed 001 replicated CIFAR-10's test set 5 times to infer over 50k samples).
torch::Tensor sample_order(std::int64_t available, std::int64_t count, bool shuffle) {
    std::vector<torch::Tensor> parts;
    for (std::int64_t taken = 0; taken < count; taken += available) {
        torch::Tensor order = shuffle ? torch::randperm(available, torch::kInt64) : torch::arange(available, torch::kInt64);
        parts.push_back(order.slice(0, 0, std::min(available, count - taken)));
    }
    return torch::cat(parts);
}

struct PassResult {
    std::int64_t samples = 0;
    double loss = 0, accuracy = 0, duration_s = 0;
    bool cut_short = false;
};

PassResult evaluate(zoo::Net& net, const Tensors& data, std::int64_t count, int batch_size) {
    torch::NoGradGuard no_grad;
    net.eval();
    const auto start = Clock::now();
    const torch::Tensor order = sample_order(data.images.size(0), count, false);
    PassResult r;
    double loss_sum = 0;
    std::int64_t correct = 0;
    for (std::int64_t first = 0; first < count; first += batch_size) {
        const torch::Tensor idx = order.slice(0, first, std::min(count, first + batch_size));
        const torch::Tensor x = data.images.index_select(0, idx);
        const torch::Tensor y = data.labels.index_select(0, idx);
        const torch::Tensor out = net.forward(x);
        loss_sum += torch::nn::functional::cross_entropy(out, y).item<double>() * static_cast<double>(idx.size(0));
        correct += out.argmax(1).eq(y).sum().item<std::int64_t>();
        r.samples += idx.size(0);
    }
    r.loss = loss_sum / static_cast<double>(r.samples);
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.samples);
    r.duration_s = seconds_since(start);
    return r;
}

PassResult train_epoch(zoo::Net& net, torch::optim::Optimizer& optimizer, const Tensors& data, std::int64_t count,
                       int batch_size, std::optional<Clock::time_point> deadline) {
    net.train();
    const auto start = Clock::now();
    const torch::Tensor order = sample_order(data.images.size(0), count, true);
    PassResult r;
    double loss_sum = 0;
    std::int64_t correct = 0;
    for (std::int64_t first = 0; first < count; first += batch_size) {
        const torch::Tensor idx = order.slice(0, first, std::min(count, first + batch_size));
        const torch::Tensor x = data.images.index_select(0, idx);
        const torch::Tensor y = data.labels.index_select(0, idx);
        optimizer.zero_grad();
        const torch::Tensor out = net.forward(x);
        const torch::Tensor loss = torch::nn::functional::cross_entropy(out, y);
        loss.backward();
        optimizer.step();
        loss_sum += loss.item<double>() * static_cast<double>(idx.size(0));
        correct += out.argmax(1).eq(y).sum().item<std::int64_t>();
        r.samples += idx.size(0);
        if (deadline && Clock::now() >= *deadline && first + batch_size < count) {
            r.cut_short = true;
            break;
        }
    }
    r.loss = loss_sum / static_cast<double>(r.samples);
    r.accuracy = static_cast<double>(correct) / static_cast<double>(r.samples);
    r.duration_s = seconds_since(start);
    return r;
}

void validate(const WorkloadSpec& spec) {
    check_model_name(spec.model);
    if (spec.batch_size < 1 || spec.batch_size > 65536) throw Error("--batch-size must be between 1 and 65536");
    if (spec.epochs < 1 || spec.epochs > 100000) throw Error("--epochs must be between 1 and 100000");
    if (spec.samples < 0) throw Error("--samples must not be negative (0: the whole split)");
    if (spec.eval_samples < 0) throw Error("--eval-samples must not be negative");
    if (!(spec.learning_rate > 0 && spec.learning_rate < 10)) throw Error("--lr must be between 0 and 10");
    if (spec.threads < 0 || spec.threads > 1024) throw Error("--threads must be between 0 (all cores) and 1024");
    if (spec.image_size && (*spec.image_size < 4 || *spec.image_size > 1024)) throw Error("--image-size must be between 4 and 1024");
    if (spec.time_limit_s && !(*spec.time_limit_s > 0)) throw Error("--time-limit must be positive");
}

WorkloadResult run(const WorkloadSpec& spec, const WorkloadCallbacks& callbacks) {
    validate(spec);
    const auto send = [&](const std::string& line) {
        if (callbacks.control) callbacks.control(line);
    };
    const auto begin = [&](const std::string& phase) { send("begin " + spec.phase_prefix + phase); };
    const auto end = [&](const std::string& phase) { send("end " + spec.phase_prefix + phase); };
    const auto metric = [&](const std::string& name, double value) { send(fmt::format("metric {} {:.9g}", name, value)); };
    const auto progress = [&](const std::string& text) {
        if (callbacks.progress) callbacks.progress(text);
    };

    WorkloadResult result;
    result.threads = spec.threads > 0 ? spec.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(result.threads);  // LibTorch here defaults to one thread
    torch::manual_seed(spec.seed);
    const auto start = Clock::now();
    const bool training = spec.mode == WorkloadMode::train;
    const Tensors data = load_tensors(spec, training ? Split::train : Split::test, spec.samples);
    std::optional<Tensors> held_out;
    if (training && spec.eval_samples > 0) held_out = load_tensors(spec, Split::test, spec.eval_samples);
    result.model = spec.model;
    result.dataset = data.name;
    result.input = data.shape;
    result.classes = data.classes;
    zoo::NetPtr net = zoo::make_net(spec.model, data.shape, data.classes);
    zoo::apply_freeze(*net, spec.model, spec.freeze);
    std::vector<torch::Tensor> trainable;
    for (const auto& p : net->parameters()) {
        result.total_params += p.numel();
        if (p.requires_grad()) {
            result.trainable_params += p.numel();
            trainable.push_back(p);
        }
    }
    const std::int64_t count = spec.samples > 0 ? spec.samples : data.images.size(0);

    if (training) {
        torch::optim::SGD optimizer(trainable,
                                    torch::optim::SGDOptions(spec.learning_rate).momentum(0.9).weight_decay(5e-4));
        std::optional<Clock::time_point> deadline;
        if (spec.time_limit_s)
            deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*spec.time_limit_s));
        begin("train");
        for (int epoch = 1; epoch <= spec.epochs; ++epoch) {
            begin(fmt::format("epoch-{}", epoch));
            const PassResult pass = train_epoch(*net, optimizer, data, count, spec.batch_size, deadline);
            metric("loss", pass.loss);
            metric("accuracy", pass.accuracy);
            metric("samples", static_cast<double>(pass.samples));
            metric("samples_per_s", static_cast<double>(pass.samples) / pass.duration_s);
            end(fmt::format("epoch-{}", epoch));
            EpochResult e{epoch, pass.samples, pass.duration_s, pass.loss, pass.accuracy, {}, {}, pass.cut_short};
            if (held_out) {
                begin(fmt::format("eval-{}", epoch));
                const PassResult eval = evaluate(*net, *held_out, spec.eval_samples, spec.batch_size);
                metric("eval_loss", eval.loss);
                metric("eval_accuracy", eval.accuracy);
                metric("eval_samples", static_cast<double>(eval.samples));
                end(fmt::format("eval-{}", epoch));
                e.eval_loss = eval.loss;
                e.eval_accuracy = eval.accuracy;
            }
            progress(fmt::format("epoch {}: {} samples in {:.2f} s, loss {:.4f}, accuracy {:.3f}{}{}", epoch, pass.samples,
                                 pass.duration_s, pass.loss, pass.accuracy,
                                 e.eval_accuracy ? fmt::format(", held-out accuracy {:.3f}", *e.eval_accuracy) : "",
                                 pass.cut_short ? " (time limit)" : ""));
            result.epochs.push_back(e);
            if (deadline && Clock::now() >= *deadline) break;
        }
        end("train");
    } else {
        begin("infer");
        const PassResult pass = evaluate(*net, data, count, spec.batch_size);
        metric("loss", pass.loss);
        metric("accuracy", pass.accuracy);
        metric("samples", static_cast<double>(pass.samples));
        metric("samples_per_s", static_cast<double>(pass.samples) / pass.duration_s);
        end("infer");
        result.infer_samples = pass.samples;
        result.infer_duration_s = pass.duration_s;
        result.infer_accuracy = pass.accuracy;
        progress(fmt::format("inference: {} samples in {:.2f} s ({:.0f} samples/s)", pass.samples, pass.duration_s,
                             static_cast<double>(pass.samples) / pass.duration_s));
    }
    result.total_duration_s = seconds_since(start);
    return result;
}

}  // namespace

WorkloadResult train_or_infer(const WorkloadSpec& spec, const WorkloadCallbacks& callbacks) {
    try {
        return run(spec, callbacks);
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        // Torch's own messages carry a C++ backtrace; the first line says what went wrong.
        const std::string what = e.what_without_backtrace();
        throw Error(fmt::format("--model {} on --dataset {}: Torch failed: {}", spec.model, spec.dataset, what.substr(0, what.find('\n'))));
    }
}

}  // namespace powerml::workloads

extern "C" const powerml::workloads::TorchPluginEntry* powerml_torch_plugin_entry() {
    static const powerml::workloads::TorchPluginEntry entry{powerml::workloads::k_torch_plugin_abi,
                                                            &powerml::workloads::zoo::count_characteristics,
                                                            &powerml::workloads::train_or_infer};
    return &entry;
}
