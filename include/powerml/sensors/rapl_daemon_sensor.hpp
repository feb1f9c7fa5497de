#pragma once
// RAPL energy counters read through PowerML's counter daemon (`powerml serve --socket`, run as
// root) by a user who may not read them: most kernels make powercap's energy_uj root-only
// since CVE-2020-8694, and the MSRs and package-wide perf_event need root too. Source name
// "rapl-daemon"; the signals are the daemon's RAPL source's, raw counters with the same wrap
// range and resolution, so the sampler treats them exactly as a direct reading.
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/sensors/counter_protocol.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

struct RaplDaemonOptions {
    std::filesystem::path socket = counter_protocol::k_default_socket;
    double timeout_s = 1.0;  // per request; a daemon that takes longer is a failed read
    // POWERML_DAEMON_SOCKET names another socket.
    static RaplDaemonOptions from_env();
};

class RaplDaemonSensor final : public Sensor {
public:
    // Connects and says hello; throws Error with the daemon's words when it refuses (a user
    // outside its group) or why not otherwise.
    explicit RaplDaemonSensor(RaplDaemonOptions options);
    ~RaplDaemonSensor() override;
    RaplDaemonSensor(const RaplDaemonSensor&) = delete;
    RaplDaemonSensor& operator=(const RaplDaemonSensor&) = delete;

    std::string_view name() const noexcept override { return "rapl-daemon"; }
    std::vector<SignalInfo> signals() const override { return m_hello.signals; }
    int push_signal(std::string_view signal, int domain_idx) override;
    // One "read" request. A daemon gone (or too slow) makes every value NaN for this read,
    // which the sampler counts as read errors; the next read reconnects. A daemon restarted
    // whose counters restarted with it (perf_event) stays failed: its values no longer
    // continue the old ones.
    void read_batch() override;
    double sample(int handle) const override { return m_values[m_pushed[static_cast<std::size_t>(handle)]]; }

    // The daemon's own source ("rapl", "rapl_perf", "rapl_msr").
    const std::string& daemon_source() const { return m_hello.source; }
    const std::filesystem::path& socket() const { return m_options.socket; }
    // Why the last read failed (empty after a good one).
    const std::string& last_error() const { return m_last_error; }

private:
    void connect_and_hello();  // throws Error
    void close_connection();
    void send_line(const std::string& line);   // throws Error
    std::string receive_line();                // throws Error

    RaplDaemonOptions m_options;
    counter_protocol::Hello m_hello;
    int m_fd = -1;
    std::string m_pending;
    bool m_restarted_away = false;
    std::string m_last_error;
    std::vector<std::size_t> m_pushed;  // signal index per handle
    std::vector<double> m_values;       // per signal, NaN after a failed read
};

// The probe: usable only where no RAPL source could be read directly (`direct`, the probes
// so far), and a daemon answers at options.socket.
Probe probe_rapl_daemon(const std::vector<Probe>& direct, const RaplDaemonOptions& options);

}  // namespace powerml::sensors
