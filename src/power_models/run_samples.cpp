#include "powerml/power_models/run_samples.hpp"

#include <cmath>

#include <fmt/format.h>

#include "powerml/core/error.hpp"

namespace powerml::power_models {

namespace {
bool is_energy(const sampler::Channel& c) {
    return c.energy_kind == sampler::EnergyKind::counter || c.energy_kind == sampler::EnergyKind::integrated_power;
}
}  // namespace

RunSamples samples_from_run(const sampler::Timeline& timeline, ComponentKind component) {
    RunSamples out;
    const auto& channels = timeline.channels;
    // The utilisation input.
    std::optional<std::size_t> input;
    for (std::size_t c = 0; c < channels.size(); ++c) {
        const auto& info = channels[c].info;
        const bool wanted = component == ComponentKind::gpu
                                ? info.name.find("GPU_UTIL") != std::string::npos
                                : info.name == "PROCFS::CPU_UTIL" && info.domain_idx == 0;
        if (wanted && info.unit == "ratio") {
            input = c;
            break;
        }
    }
    if (!input)
        throw Error(component == ComponentKind::gpu ? "the run has no GPU utilisation channel (an NVML *GPU_UTIL gauge)"
                                                    : "the run has no PROCFS::CPU_UTIL@cpu channel");
    out.input = channels[*input].column();
    // The measured power: hardware energy channels of the component, never one inside another
    // of the same component (RAPL core inside package).
    std::vector<std::size_t> power;
    const std::string want(to_string(component));
    for (std::size_t c = 0; c < channels.size(); ++c) {
        const auto& ch = channels[c];
        if (!is_energy(ch) || ch.info.provenance != sensors::Provenance::hardware) continue;
        if (component == ComponentKind::node) {
            if (ch.info.component == "psys" || ch.info.component == "node") {
                power.assign(1, c);  // the platform counter is the whole node
                break;
            }
            if (ch.summed) power.push_back(c);
        } else if (ch.info.component == want && (ch.info.contained_in.empty() || ch.info.contained_in == "psys")) {
            power.push_back(c);
        }
    }
    if (power.empty())
        throw Error(fmt::format("the run has no measured {} power (a hardware energy counter or power gauge with component '{}'); "
                                "fit from a run on a machine with RAPL, NVML or a meter",
                                want, want));
    for (const auto c : power) out.power.push_back(channels[c].column());
    // The first row's utilisation is the average since boot: not an interval of the run.
    for (std::size_t r = 1; r < timeline.rows.size(); ++r) {
        const auto& row = timeline.rows[r];
        const double dt = row.t_s - timeline.rows[r - 1].t_s;
        if (!(dt > 0) || row.values.size() != channels.size() || row.energy_j.size() != channels.size()) continue;
        const double u = row.values[*input];
        double joules = 0;
        bool ok = std::isfinite(u);
        for (const auto c : power) {
            ok = ok && std::isfinite(row.energy_j[c]) && std::isfinite(row.values[c]);
            joules += row.energy_j[c];
        }
        if (!ok) continue;
        out.samples.push_back({u, joules / dt, dt});
    }
    return out;
}

}  // namespace powerml::power_models
