#include "powerml/sampler/sampler.hpp"

#include <chrono>
#include <cmath>

#include "powerml/core/error.hpp"

namespace powerml::sampler {

namespace {

EnergyKind energy_kind_of(const record::SignalInfo& info) {
    if (info.component == record::Component::none) return EnergyKind::none;
    if (record::is_energy_counter(info)) return EnergyKind::counter;
    if (record::is_power_gauge(info))
        return info.provenance == record::Provenance::model ? EnergyKind::model : EnergyKind::integrated_power;
    return EnergyKind::none;
}

}  // namespace

Sampler::Sampler(std::vector<std::unique_ptr<sensors::Sensor>> sensors, Options options, const Clock& clock)
    : m_sensors(std::move(sensors)), m_options(std::move(options)), m_clock(clock) {
    if (!(m_options.interval_s >= 0.001 && m_options.interval_s <= 60.0))
        throw Error("sampling interval must be between 1 ms and 60 s");
    m_timeline.interval_s = m_options.interval_s;
    for (std::size_t s = 0; s < m_sensors.size(); ++s) {
        for (const auto& info : m_sensors[s]->signals()) {
            Channel channel;
            channel.source = std::string(m_sensors[s]->name());
            channel.info = info;
            channel.energy_kind = energy_kind_of(info);
            channel.summed = channel.energy_kind != EnergyKind::none && info.contained_in.empty();
            m_handles.emplace_back(s, m_sensors[s]->push_signal(info.name, info.domain_idx));
            m_timeline.channels.push_back(std::move(channel));
        }
    }
    // Each sensor at the interval asked for, or at the period its readings need to mean
    // something (procfs and model: a few clock ticks), whichever is longer.
    for (const auto& sensor : m_sensors) {
        const double period = sensor->min_read_period_s();
        m_read_period_s.push_back(period > m_options.interval_s ? period : 0.0);
    }
    m_next_read_s.assign(m_sensors.size(), 0.0);
    m_sensor_fresh.assign(m_sensors.size(), 1);
    m_channel_fresh.assign(m_handles.size(), 1);
    m_integrator = std::make_unique<EnergyIntegrator>(m_timeline.channels);
    m_t0 = m_clock.monotonic_s();
    m_timeline.start_utc_ms = m_clock.utc_ms();
}

Sampler::~Sampler() { stop(); }

double Sampler::now_s() const { return m_clock.monotonic_s() - m_t0; }

void Sampler::take_sample_locked(bool full) {
    const double read_at = now_s();
    for (std::size_t s = 0; s < m_sensors.size(); ++s) {
        // Half an interval early counts as due: wake-ups land on the interval's grid, and a
        // sensor due at 50 ms must not wait for 51.
        const bool due = full || m_read_period_s[s] == 0.0 || read_at >= m_next_read_s[s];
        m_sensor_fresh[s] = due;
        if (!due) continue;
        full ? m_sensors[s]->read_batch_full() : m_sensors[s]->read_batch();
        m_next_read_s[s] = read_at + m_read_period_s[s] - 0.5 * m_options.interval_s;
    }
    // Kept rows are the record; without keep_rows the one row is reused: no allocation per sample.
    if (m_options.keep_rows || m_timeline.rows.empty()) m_timeline.rows.emplace_back();
    SampleRow& row = m_timeline.rows.back();
    row.t_s = now_s();
    row.utc_ms = m_clock.utc_ms();
    row.values.resize(m_handles.size());
    for (std::size_t c = 0; c < m_handles.size(); ++c) {
        row.values[c] = m_sensors[m_handles[c].first]->sample(m_handles[c].second);
        m_channel_fresh[c] = m_sensor_fresh[m_handles[c].first];
    }
    if (m_samples > 0 && row.t_s - m_last_t_s > 2.0 * m_options.interval_s) ++m_timeline.quality.gaps;
    m_last_t_s = row.t_s;
    ++m_samples;
    m_integrator->add(row, m_timeline.quality, m_channel_fresh);
    update_live_locked(row);
}

void Sampler::update_live_locked(const SampleRow& row) {
    const std::size_t n = m_timeline.channels.size();
    if (m_live.energy_j.size() != n) {
        m_live.energy_j.assign(n, 0.0);
        m_live.power_w.assign(n, std::nan(""));
        m_live.values.assign(n, std::nan(""));
    }
    const double dt = m_live.samples > 0 ? row.t_s - m_live.t_s : 0.0;
    for (std::size_t c = 0; c < n; ++c) {
        const Channel& channel = m_timeline.channels[c];
        m_live.values[c] = row.values[c];
        if (channel.energy_kind == EnergyKind::none) continue;
        m_live.energy_j[c] += row.energy_j[c];
        if (record::is_power_gauge(channel.info))
            m_live.power_w[c] = row.values[c];
        else if (dt > 0)
            m_live.power_w[c] = row.energy_j[c] / dt;
    }
    m_live.t_s = row.t_s;
    m_live.utc_ms = row.utc_ms;
    ++m_live.samples;
    m_live.quality = m_timeline.quality;
}

Sampler::LiveReading Sampler::live() const {
    std::lock_guard lock(m_mutex);
    return m_live;
}

void Sampler::sample_once() {
    std::lock_guard lock(m_mutex);
    take_sample_locked(true);
}

void Sampler::start() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = false;
        take_sample_locked(true);
    }
    m_thread = std::thread([this] { run(); });
}

void Sampler::run() {
    using namespace std::chrono;
    const auto period = duration_cast<steady_clock::duration>(duration<double>(m_options.interval_s));
    auto next = steady_clock::now() + period;
    std::unique_lock lock(m_mutex);
    while (!m_stop) {
        // Absolute deadlines: the schedule does not drift with the time each sample takes.
        if (m_wake.wait_until(lock, next, [this] { return m_stop; })) break;
        take_sample_locked(false);
        next += period;
        const auto now = steady_clock::now();
        if (next < now) next = now + period;  // fell behind (machine overloaded): counted as a gap
    }
}

void Sampler::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_thread.joinable()) return;
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
    std::lock_guard lock(m_mutex);
    take_sample_locked(true);
}

void Sampler::attach_process(int pid) {
    std::lock_guard lock(m_mutex);
    for (auto& sensor : m_sensors) sensor->attach_process(pid);
}

void Sampler::mark_baseline_end() {
    std::lock_guard lock(m_mutex);
    m_timeline.baseline_end_s = now_s();
}

void Sampler::mark_job_start() {
    std::lock_guard lock(m_mutex);
    m_timeline.job_start_s = now_s();
}

void Sampler::mark_job_end() {
    std::lock_guard lock(m_mutex);
    m_timeline.job_end_s = now_s();
}

void Sampler::begin_phase(const std::string& name) {
    std::lock_guard lock(m_mutex);
    if (m_timeline.phases.size() >= k_max_phase_events || m_open_phases >= k_max_phase_depth) {
        ++m_timeline.quality.events_dropped;
        return;
    }
    ++m_open_phases;
    m_timeline.phases.push_back({now_s(), m_clock.utc_ms(), name, true});
}

void Sampler::end_phase(const std::string& name) {
    std::lock_guard lock(m_mutex);
    if (m_timeline.phases.size() >= k_max_phase_events) {
        ++m_timeline.quality.events_dropped;
        return;
    }
    if (m_open_phases > 0) --m_open_phases;
    m_timeline.phases.push_back({now_s(), m_clock.utc_ms(), name, false});
}

void Sampler::record_metric(const std::string& name, double value) {
    std::lock_guard lock(m_mutex);
    if (m_timeline.metrics.size() >= k_max_metric_events) {
        ++m_timeline.quality.events_dropped;
        return;
    }
    m_timeline.metrics.push_back({now_s(), name, value});
}

void Sampler::count_control_error() {
    std::lock_guard lock(m_mutex);
    ++m_timeline.quality.control_errors;
}

record::TimelineTail Sampler::tail_since(std::size_t first_row, std::size_t first_phase, std::size_t first_metric) const {
    std::lock_guard lock(m_mutex);
    record::TimelineTail tail;
    tail.first_row = first_row;
    tail.first_phase = first_phase;
    tail.first_metric = first_metric;
    const auto& t = m_timeline;
    if (first_row < t.rows.size()) tail.rows.assign(t.rows.begin() + static_cast<std::ptrdiff_t>(first_row), t.rows.end());
    if (first_phase < t.phases.size())
        tail.phases.assign(t.phases.begin() + static_cast<std::ptrdiff_t>(first_phase), t.phases.end());
    if (first_metric < t.metrics.size())
        tail.metrics.assign(t.metrics.begin() + static_cast<std::ptrdiff_t>(first_metric), t.metrics.end());
    return tail;
}

Timeline Sampler::tail_header() const {
    std::lock_guard lock(m_mutex);
    Timeline header;
    header.interval_s = m_timeline.interval_s;
    header.start_utc_ms = m_timeline.start_utc_ms;
    header.baseline_end_s = m_timeline.baseline_end_s;
    header.job_start_s = m_timeline.job_start_s;
    header.channels = m_timeline.channels;
    return header;
}

std::pair<std::size_t, std::size_t> Sampler::event_counts() const {
    std::lock_guard lock(m_mutex);
    return {m_timeline.phases.size(), m_timeline.metrics.size()};
}

Sampler::Window Sampler::window() const {
    std::lock_guard lock(m_mutex);
    return {m_timeline.baseline_end_s, m_timeline.job_start_s};
}

Timeline Sampler::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_timeline;
}

Timeline Sampler::take_timeline() {
    stop();
    std::lock_guard lock(m_mutex);
    return std::move(m_timeline);
}

}  // namespace powerml::sampler
