#pragma once
// The sampling thread: reads every sensor at a fixed interval on the monotonic clock, derives
// energy once per channel, and records phase and metric events. Failures are counted in the
// timeline's data quality, never printed from the loop.
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "powerml/core/clock.hpp"
#include "powerml/sampler/energy_integrator.hpp"
#include "powerml/sampler/timeline.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sampler {

class Sampler {
public:
    struct Options {
        double interval_s = 0.1;  // 1 ms .. 60 s
        // Called from the sampling thread about every `flush_every_s` with the rows added since
        // the last call (e.g. to append them to the run store, so a killed run loses at most that).
        std::function<void(const Timeline&, std::size_t first_new_row)> on_flush;
        double flush_every_s = 1.0;
        // false: rows are dropped once integrated and only running totals are kept (live()),
        // so a sampler that runs for months (powerml serve) uses constant memory.
        bool keep_rows = true;
    };

    // Running totals since start(), for readers that poll while sampling (the /metrics page).
    struct LiveReading {
        double t_s = 0;                  // time of the last sample
        UtcMillis utc_ms = 0;
        std::size_t samples = 0;
        std::vector<double> energy_j;    // per channel: cumulative energy (0 for usage channels)
        std::vector<double> power_w;     // per channel: power over the last interval (NaN if unknown)
        std::vector<double> values;      // per channel: last raw value
        DataQuality quality;
    };

    // Pushes every signal of every sensor. Throws Error for an interval out of range.
    Sampler(std::vector<std::unique_ptr<sensors::Sensor>> sensors, Options options,
            const Clock& clock = SystemClock::instance());
    ~Sampler();
    Sampler(const Sampler&) = delete;
    Sampler& operator=(const Sampler&) = delete;

    const std::vector<Channel>& channels() const { return m_timeline.channels; }

    void start();  // first sample now, then one every interval
    void stop();   // one last sample now, then the thread ends

    // Takes one full sample on the caller's thread (window edges, tests, single-shot readers).
    void sample_once();

    // All thread-safe; stamped with the sampler's clock at the call.
    void attach_process(int pid);
    void mark_baseline_end();
    void mark_job_start();
    void mark_job_end();
    void begin_phase(const std::string& name);
    void end_phase(const std::string& name);
    void record_metric(const std::string& name, double value);
    void count_control_error();
    double now_s() const;

    // A copy of the timeline so far (safe while running) / the whole timeline after stop().
    Timeline snapshot() const;
    Timeline take_timeline();
    // Cheap: copies one number per channel, never the rows.
    LiveReading live() const;

private:
    void run();
    void take_sample_locked(bool full);
    void update_live_locked(const SampleRow& row);

    std::vector<std::unique_ptr<sensors::Sensor>> m_sensors;
    std::vector<std::pair<std::size_t, int>> m_handles;  // per channel: sensor index, handle
    Options m_options;
    const Clock& m_clock;
    double m_t0 = 0;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
    Timeline m_timeline;
    std::unique_ptr<EnergyIntegrator> m_integrator;
    std::size_t m_flushed_rows = 0;
    LiveReading m_live;
    double m_last_flush_s = 0;
};

}  // namespace powerml::sampler
