// powerml_nvml_check: reads the real NVML for a while and compares, per GPU, the driver's
// energy counter with power integrated over the same time (trapezoids at --interval). Start a
// GPU load separately if you want a busy reading. Prints one JSON document on stdout; exits 1
// with a message when NVML cannot be used.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/sensors/gpu_energy_check.hpp"
#include "powerml/sensors/nvml_sensor.hpp"

using namespace powerml::sensors;

namespace {

struct GpuTrack {
    const NvmlGpu* gpu;
    int energy = -1, power = -1, util = -1;
    double first_energy = NAN, last_energy = NAN;
    double integrated_j = 0, last_power = NAN, last_t = NAN;
    double util_sum = 0;
    int util_n = 0, power_failures = 0, energy_failures = 0, counter_steps = 0;
    double previous_energy = NAN;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Compare NVML's energy counter with integrated NVML power on this machine's GPUs"};
    double duration_s = 10.0;
    double interval_ms = 50.0;
    std::optional<std::string> gpus;
    auto options = NvmlOptions::from_env();
    app.add_option("--duration", duration_s, "seconds to measure (default 10)")->check(CLI::PositiveNumber);
    app.add_option("--interval", interval_ms, "power sampling interval in ms (default 50)")->check(CLI::PositiveNumber);
    app.add_option("--gpus", gpus, "GPU indices or UUIDs (default: CUDA_VISIBLE_DEVICES, else all)");
    app.add_option("--library", options.library_path, "NVML library (default: POWERML_NVML_LIBRARY or libnvidia-ml.so.1)");
    CLI11_PARSE(app, argc, argv);
    if (gpus) options.gpus = gpus;

    try {
        auto sensor = NvmlSensor::open(options.library_path, GpuSelection::choose(options.gpus, options.cuda_visible_devices));
        std::vector<GpuTrack> tracks;
        for (const auto& gpu : sensor->gpus()) {
            GpuTrack t{&gpu};
            const int idx = static_cast<int>(gpu.index);
            if (gpu.energy_counter) t.energy = sensor->push_signal("NVML::GPU_ENERGY", idx);
            t.power = sensor->push_signal("NVML::GPU_POWER", idx);
            try {
                t.util = sensor->push_signal("NVML::GPU_UTIL", idx);
            } catch (const powerml::Error&) {
            }
            tracks.push_back(t);
        }
        using clock = std::chrono::steady_clock;
        const auto start = clock::now();
        const auto step = std::chrono::duration<double, std::milli>(interval_ms);
        int samples = 0;
        double elapsed = 0;
        for (auto next = start;; next += std::chrono::duration_cast<clock::duration>(step)) {
            std::this_thread::sleep_until(next);
            sensor->read_batch();
            elapsed = std::chrono::duration<double>(clock::now() - start).count();
            ++samples;
            for (auto& t : tracks) {
                const double p = sensor->sample(t.power);
                if (std::isnan(p)) {
                    ++t.power_failures;
                } else {
                    if (!std::isnan(t.last_power)) t.integrated_j += 0.5 * (p + t.last_power) * (elapsed - t.last_t);
                    t.last_power = p;
                    t.last_t = elapsed;
                }
                if (t.energy >= 0) {
                    const double e = sensor->sample(t.energy);
                    if (std::isnan(e)) {
                        ++t.energy_failures;
                    } else {
                        if (std::isnan(t.first_energy)) t.first_energy = e;
                        if (!std::isnan(t.previous_energy) && e != t.previous_energy) ++t.counter_steps;
                        t.previous_energy = t.last_energy = e;
                    }
                }
                if (t.util >= 0 && !std::isnan(sensor->sample(t.util))) {
                    t.util_sum += sensor->sample(t.util);
                    ++t.util_n;
                }
            }
            if (elapsed >= duration_s) break;
        }
        nlohmann::json doc{{"schema", "powerml.nvml-check/1"},
                           {"library", options.library_path},
                           {"duration_s", elapsed},
                           {"interval_s", interval_ms / 1000.0},
                           {"samples", samples},
                           {"gpus", nlohmann::json::array()}};
        for (const auto& t : tracks) {
            const double counter_j = t.energy >= 0 ? t.last_energy - t.first_energy : NAN;
            // Power was integrated from the first good power sample: same span as the counter.
            const auto check = reconcile_gpu_energy(counter_j, t.integrated_j, elapsed);
            auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
            doc["gpus"].push_back({{"index", t.gpu->index},
                                   {"name", t.gpu->name},
                                   {"uuid", t.gpu->uuid},
                                   {"mig_enabled", t.gpu->mig_enabled},
                                   {"power_kind", t.gpu->instant_power ? "instant" : "average"},
                                   {"energy_counter", t.gpu->energy_counter},
                                   {"counter_j", num(counter_j)},
                                   {"integrated_j", num(t.integrated_j)},
                                   {"difference_j", num(check.difference_j)},
                                   {"relative_difference", num(check.relative_difference)},
                                   {"method", check.method},
                                   {"note", check.note},
                                   {"mean_power_w", num(elapsed > 0 ? t.integrated_j / elapsed : NAN)},
                                   {"mean_gpu_util", num(t.util_n ? t.util_sum / t.util_n : NAN)},
                                   {"counter_steps", t.counter_steps},
                                   {"mean_counter_period_s", num(t.counter_steps ? elapsed / t.counter_steps : NAN)},
                                   {"power_read_failures", t.power_failures},
                                   {"energy_read_failures", t.energy_failures}});
        }
        fmt::print("{}\n", doc.dump(2));
        return 0;
    } catch (const powerml::Error& e) {
        fmt::print(stderr, "powerml_nvml_check: {}\n", e.what());
        return 1;
    }
}
