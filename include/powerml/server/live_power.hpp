#pragma once
// The node's live power for /metrics: a sampler running inside the server for as long as it
// runs (rows are not kept: constant memory), plus the emissions charged to its energy. Each
// read charges the energy used since the previous read to the grid intensity in force over
// that time, split across the hours it spans, so the grams counter is exact for constant power
// between reads whatever the scrape interval.
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/sampler/sampler.hpp"

namespace powerml::server {

class LivePower {
public:
    struct Reading {
        sampler::Sampler::LiveReading sample;
        std::vector<double> grams;      // per channel: cumulative g CO2e (summed channels only)
        bool emissions_known = false;   // false when no zone is configured or no intensity was found
    };

    LivePower(std::vector<std::unique_ptr<sensors::Sensor>> sensors, double interval_s,
              const Clock& clock = SystemClock::instance());
    // The sensors a measurement would use on this machine (probe_all + select_for_measurement).
    static std::unique_ptr<LivePower> from_machine(double interval_s, std::vector<std::string>& notes);
    ~LivePower();

    void start();
    void stop();
    // Takes a sample now (tests; the server relies on the sampling thread).
    void sample_once();
    const std::vector<record::Channel>& channels() const { return m_sampler->channels(); }
    double interval_s() const { return m_interval_s; }

    // The latest totals; `intensity` covers the time since the previous read (nothing: no
    // emissions are charged and emissions_known is false).
    Reading read(const carbon::IntensitySeries* intensity);

private:
    std::unique_ptr<sampler::Sampler> m_sampler;
    double m_interval_s;
    std::mutex m_mutex;
    std::vector<double> m_charged_j;  // energy already charged, per channel
    std::vector<double> m_grams;
    UtcMillis m_charged_until = 0;
    bool m_charged_any = false;
};

}  // namespace powerml::server
