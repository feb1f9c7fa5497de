#include "powerml/sampler/energy_integrator.hpp"

#include <cmath>

namespace powerml::sampler {

using record::Channel;
using record::DataQuality;
using record::EnergyKind;
using record::SampleRow;

EnergyIntegrator::EnergyIntegrator(const std::vector<Channel>& channels) : m_channels(channels), m_state(channels.size()) {}

double EnergyIntegrator::counter_delta(double previous, double current, double wrap_at, bool& wrapped, bool& reset) {
    wrapped = reset = false;
    if (current >= previous) return current - previous;
    if (wrap_at > 0) {
        wrapped = true;
        return current + wrap_at - previous;
    }
    reset = true;
    return current;
}

void EnergyIntegrator::add(SampleRow& row, DataQuality& quality, std::span<const unsigned char> fresh) {
    row.energy_j.assign(m_channels.size(), 0.0);
    for (std::size_t c = 0; c < m_channels.size(); ++c) {
        if (!fresh.empty() && !fresh[c]) continue;
        const double value = row.values[c];
        State& state = m_state[c];
        if (!std::isfinite(value)) {
            // Keep the last good reading: a counter's next good read still carries the energy
            // of this interval; a gauge is interpolated across the hole by the trapezoid.
            ++quality.read_errors;
            continue;
        }
        const Channel& channel = m_channels[c];
        if (state.have) {
            if (channel.energy_kind == EnergyKind::counter) {
                bool wrapped = false, reset = false;
                row.energy_j[c] = counter_delta(state.value, value, channel.info.wrap_at, wrapped, reset);
                quality.counter_wraps += wrapped;
                quality.counter_resets += reset;
            } else if (channel.energy_kind == EnergyKind::model) {
                row.energy_j[c] = value * (row.t_s - state.t_s);
            } else if (channel.energy_kind == EnergyKind::integrated_power) {
                row.energy_j[c] = 0.5 * (state.value + value) * (row.t_s - state.t_s);
            }
        }
        state = State{true, value, row.t_s};
    }
}

}  // namespace powerml::sampler
