#pragma once
// The sampling thread: samples at a fixed interval on the monotonic clock, derives energy once
// per channel, and records phase and metric events. Energy counters and power gauges are read
// every sample; a sensor whose readings mean something only over a longer period (utilisation
// from clock ticks: Sensor::min_read_period_s) is read at that period and at every full sample,
// and its channels hold their last reading in between. Failures are counted in the timeline's
// data quality, never printed from the loop.
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "powerml/core/clock.hpp"
#include "powerml/sampler/energy_integrator.hpp"
#include "powerml/record/timeline.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sampler {

class Sampler {
public:
    struct Options {
        double interval_s = 0.1;  // 1 ms .. 60 s
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

    // Bounds on what a job can send: beyond them events are dropped and counted in
    // data_quality.events_dropped, so a runaway loop of marks cannot take powerml's memory or
    // make the summary take minutes.
    static constexpr std::size_t k_max_phase_events = 20000;   // 10,000 phases
    static constexpr std::size_t k_max_metric_events = 100000;
    static constexpr int k_max_phase_depth = 32;

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

    // The rows and events from the given positions on (cheap: copies only those), for a writer
    // that stores them while the job runs. Needs keep_rows.
    record::TimelineTail tail_since(std::size_t first_row, std::size_t first_phase, std::size_t first_metric) const;

    // How many phase and metric events have been recorded: cheap, for readers that only need
    // to look again when something changed.
    std::pair<std::size_t, std::size_t> event_counts() const;

    // The timeline without rows or events: channels, interval, start time.
    record::Timeline tail_header() const;
    struct Window {
        double baseline_end_s = 0, job_start_s = 0;
    };
    Window window() const;

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
    int m_open_phases = 0;  // phases begun and not yet ended, for the depth bound
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
    Timeline m_timeline;
    std::unique_ptr<EnergyIntegrator> m_integrator;
    // Rates per sensor: 0 = every sample, else the period its reads are spaced by.
    std::vector<double> m_read_period_s, m_next_read_s;
    std::vector<unsigned char> m_sensor_fresh, m_channel_fresh;  // read for the current row
    std::size_t m_samples = 0;
    double m_last_t_s = 0;
    LiveReading m_live;
};

}  // namespace powerml::sampler
