#include "powerml/core/units.hpp"
#include "powerml/server/live_power.hpp"

#include <algorithm>

#include "powerml/core/error.hpp"
#include "powerml/sensors/builtin.hpp"
#include "powerml/server/window_average.hpp"

namespace powerml::server {

LivePower::LivePower(std::vector<std::unique_ptr<sensors::Sensor>> sensors, double interval_s, const Clock& clock)
    : m_interval_s(interval_s) {
    sampler::Sampler::Options options;
    options.interval_s = interval_s;
    options.keep_rows = false;
    m_sampler = std::make_unique<sampler::Sampler>(std::move(sensors), std::move(options), clock);
    m_charged_j.assign(m_sampler->channels().size(), 0.0);
    m_grams.assign(m_sampler->channels().size(), 0.0);
}

std::unique_ptr<LivePower> LivePower::from_machine(double interval_s, std::vector<std::string>& notes) {
    auto probes = sensors::probe_all(sensors::default_probe_context());
    auto chosen = sensors::select_for_measurement(probes, notes);
    if (chosen.empty()) throw Error("no usable sensor on this machine (see 'powerml sensors')");
    return std::make_unique<LivePower>(std::move(chosen), interval_s);
}

LivePower::~LivePower() { stop(); }

void LivePower::start() { m_sampler->start(); }
void LivePower::stop() { m_sampler->stop(); }
void LivePower::sample_once() { m_sampler->sample_once(); }

LivePower::Reading LivePower::read(const carbon::IntensitySeries* intensity) {
    Reading r;
    r.sample = m_sampler->live();
    std::lock_guard lock(m_mutex);
    const auto& channels = m_sampler->channels();
    if (intensity && r.sample.samples > 0) {
        const UtcMillis now = r.sample.utc_ms;
        // The first read charges from the first sample on; the sampler's start time is close enough.
        const UtcMillis from = m_charged_any ? m_charged_until : now - static_cast<UtcMillis>(r.sample.t_s * 1000);
        std::optional<double> mean;
        if (now > from) {
            mean = WindowAverager(*intensity).average(from, now);
        } else {
            mean = intensity->value_at(now);
        }
        if (mean) {
            for (std::size_t c = 0; c < channels.size(); ++c) {
                if (!channels[c].summed) continue;
                const double delta_j = r.sample.energy_j[c] - m_charged_j[c];
                if (delta_j > 0) m_grams[c] += units::grams_co2e(delta_j, *mean);
                m_charged_j[c] = r.sample.energy_j[c];
            }
            m_charged_until = std::max(m_charged_until, now);
            m_charged_any = true;
            r.emissions_known = true;
        }
    }
    r.grams = m_grams;
    return r;
}

}  // namespace powerml::server
