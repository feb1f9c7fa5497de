#include "powerml/power_models/run_samples.hpp"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "powerml/core/error.hpp"

namespace powerml::power_models {

namespace {
bool is_energy(const record::Channel& c) {
    return c.energy_kind == record::EnergyKind::counter || c.energy_kind == record::EnergyKind::integrated_power;
}
}  // namespace

namespace {

struct Pairing {
    std::size_t input;
    std::vector<std::size_t> power;
};

bool counts_for(const record::Channel& ch, const std::string& component) {
    // Never one domain inside another of the same component (RAPL core inside package, NVML
    // power inside NVML energy); a domain inside psys still measures its own component.
    return is_energy(ch) && ch.info.provenance == record::Provenance::hardware && record::to_string(ch.info.component) == component &&
           (ch.info.contained_in.empty() || ch.info.contained_in == "psys");
}

}  // namespace

RunSamples samples_from_run(const record::Timeline& timeline, ComponentKind component) {
    RunSamples out;
    const auto& channels = timeline.channels;
    const std::string want(to_string(component));
    std::vector<Pairing> pairings;
    if (component == ComponentKind::gpu) {
        // Each GPU's utilisation against that GPU's own power: samples of every GPU pooled,
        // for a per-device model.
        for (std::size_t c = 0; c < channels.size(); ++c) {
            const auto& info = channels[c].info;
            if (info.name.find("GPU_UTIL") == std::string::npos || info.unit != record::Unit::ratio) continue;
            Pairing p{c, {}};
            for (std::size_t k = 0; k < channels.size(); ++k)
                if (counts_for(channels[k], want) && channels[k].info.domain_idx == info.domain_idx) p.power.push_back(k);
            if (!p.power.empty()) pairings.push_back(std::move(p));
        }
        if (pairings.empty())
            throw Error("the run has no GPU utilisation (an NVML *GPU_UTIL gauge) with measured power of the same GPU");
    } else {
        std::optional<std::size_t> input;
        for (std::size_t c = 0; c < channels.size() && !input; ++c)
            if (channels[c].info.name == "PROCFS::CPU_UTIL" && channels[c].info.domain_idx == 0) input = c;
        if (!input) throw Error("the run has no PROCFS::CPU_UTIL@cpu channel");
        Pairing p{*input, {}};
        for (std::size_t c = 0; c < channels.size(); ++c) {
            const auto& ch = channels[c];
            if (component == ComponentKind::node) {
                if (is_energy(ch) && ch.info.provenance == record::Provenance::hardware &&
                    (ch.info.component == record::Component::psys || ch.info.component == record::Component::node)) {
                    p.power.assign(1, c);  // the platform counter is the whole node
                    break;
                }
                if (ch.summed && ch.info.provenance == record::Provenance::hardware) p.power.push_back(c);
            } else if (counts_for(ch, want)) {
                p.power.push_back(c);
            }
        }
        if (p.power.empty())
            throw Error(fmt::format("the run has no measured {} power (a hardware energy counter or power gauge with component "
                                    "'{}'); fit from a run on a machine with RAPL, NVML or a meter",
                                    want, want));
        pairings.push_back(std::move(p));
    }
    out.input = channels[pairings.front().input].column();
    for (const auto& p : pairings)
        for (const auto c : p.power) out.power.push_back(channels[c].column());
    // Row 0's utilisation is the average since boot, not an interval of the run: start at 1.
    for (const auto& p : pairings) {
        for (std::size_t r = 1; r < timeline.rows.size(); ++r) {
            const auto& row = timeline.rows[r];
            const double dt = row.t_s - timeline.rows[r - 1].t_s;
            if (!(dt > 0) || row.values.size() != channels.size() || row.energy_j.size() != channels.size()) continue;
            const double u = row.values[p.input];
            double joules = 0;
            bool ok = std::isfinite(u);
            for (const auto c : p.power) {
                ok = ok && std::isfinite(row.energy_j[c]) && std::isfinite(row.values[c]);
                joules += row.energy_j[c];
            }
            if (ok) out.samples.push_back({u, joules / dt, dt});
        }
    }
    return out;
}

}  // namespace powerml::power_models
