#include "powerml/sensors/rapl_daemon_sensor.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/sensors/rapl_choice.hpp"

namespace powerml::sensors {

namespace {

constexpr std::size_t k_max_answer = 1 << 20;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

}  // namespace

RaplDaemonOptions RaplDaemonOptions::from_env() {
    RaplDaemonOptions o;
    if (const char* path = std::getenv("POWERML_DAEMON_SOCKET"); path && *path) o.socket = path;
    return o;
}

RaplDaemonSensor::RaplDaemonSensor(RaplDaemonOptions options) : m_options(std::move(options)) {
    connect_and_hello();
    m_values.assign(m_hello.signals.size(), k_nan);
}

RaplDaemonSensor::~RaplDaemonSensor() { close_connection(); }

void RaplDaemonSensor::close_connection() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
    m_pending.clear();
}

void RaplDaemonSensor::connect_and_hello() {
    close_connection();
    const std::string path = m_options.socket.string();
    sockaddr_un address{};
    if (path.size() >= sizeof address.sun_path) throw Error("counter daemon socket path too long: " + path);
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (m_fd < 0) throw Error(std::string("cannot create a Unix socket: ") + std::strerror(errno));
    timeval timeout{};
    timeout.tv_sec = static_cast<time_t>(m_options.timeout_s);
    timeout.tv_usec = static_cast<suseconds_t>((m_options.timeout_s - std::floor(m_options.timeout_s)) * 1e6);
    ::setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(m_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const int e = errno;
        close_connection();
        throw Error(fmt::format("cannot connect to the counter daemon at {}: {}", path, std::strerror(e)));
    }
    try {
        send_line("hello");
    } catch (const Error&) {
        // A daemon that refused this user closed at once: its answer is still there to read.
    }
    counter_protocol::Hello hello;
    try {
        hello = counter_protocol::parse_hello(receive_line());
    } catch (const Error& e) {
        close_connection();
        throw Error(fmt::format("the counter daemon at {}: {}", path, e.what()));
    }
    if (!m_hello.instance.empty()) {
        // A reconnection: the same counters, and values that continue the old ones.
        auto same_signal = [](const SignalInfo& a, const SignalInfo& b) {
            return a.name == b.name && a.domain_idx == b.domain_idx && a.wrap_at == b.wrap_at;
        };
        if (hello.signals.size() != m_hello.signals.size() ||
            !std::equal(hello.signals.begin(), hello.signals.end(), m_hello.signals.begin(), same_signal)) {
            close_connection();
            m_restarted_away = true;
            throw Error("the counter daemon restarted with other counters");
        }
        if (hello.instance != m_hello.instance && !m_hello.absolute) {
            close_connection();
            m_restarted_away = true;
            throw Error("the counter daemon restarted and its " + m_hello.source + " counters restarted from 0 with it");
        }
        return;
    }
    for (auto& s : hello.signals)
        s.description = fmt::format("{} (read by the PowerML counter daemon at {} from {})", s.description, path, hello.source);
    m_hello = std::move(hello);
}

void RaplDaemonSensor::send_line(const std::string& line) {
    const std::string data = line + "\n";
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(m_fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw Error(std::string("cannot write to the counter daemon: ") + std::strerror(errno));
        sent += static_cast<std::size_t>(n);
    }
}

std::string RaplDaemonSensor::receive_line() {
    for (;;) {
        if (const auto end = m_pending.find('\n'); end != std::string::npos) {
            std::string line = m_pending.substr(0, end);
            m_pending.erase(0, end + 1);
            return line;
        }
        if (m_pending.size() > k_max_answer) throw Error("the counter daemon's answer is too long");
        char buffer[4096];
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            throw Error(fmt::format("the counter daemon did not answer within {} s", m_options.timeout_s));
        if (n < 0) throw Error(std::string("cannot read from the counter daemon: ") + std::strerror(errno));
        if (n == 0) throw Error("the counter daemon closed the connection");
        m_pending.append(buffer, static_cast<std::size_t>(n));
    }
}

int RaplDaemonSensor::push_signal(std::string_view signal, int domain_idx) {
    for (std::size_t i = 0; i < m_hello.signals.size(); ++i) {
        if (m_hello.signals[i].name == signal && m_hello.signals[i].domain_idx == domain_idx) {
            m_pushed.push_back(i);
            return static_cast<int>(m_pushed.size() - 1);
        }
    }
    throw Error(fmt::format("rapl-daemon has no signal {} for domain {}", signal, domain_idx));
}

void RaplDaemonSensor::read_batch() {
    std::fill(m_values.begin(), m_values.end(), k_nan);
    if (m_restarted_away) return;
    try {
        if (m_fd < 0) connect_and_hello();
        send_line("read");
        m_values = counter_protocol::parse_values(receive_line(), m_hello.signals.size());
        m_last_error.clear();
    } catch (const Error& e) {
        // Not thrown into the sampler: NaN values are its counted read errors.
        m_last_error = e.what();
        std::fill(m_values.begin(), m_values.end(), k_nan);
        close_connection();
    }
}

Probe probe_rapl_daemon(const std::vector<Probe>& direct, const RaplDaemonOptions& options) {
    Probe probe{"rapl-daemon", nullptr, {}, {}, {}};
    const auto& rapl_sources = rapl_source_preference();
    for (const auto& p : direct) {
        if (p.sensor && std::find(rapl_sources.begin(), rapl_sources.end(), p.source) != rapl_sources.end()) {
            probe.reason = "not used: " + p.source + " is read directly";
            return probe;
        }
    }
    const std::string remedy = fmt::format(
        "as root, start the counter daemon ('systemctl enable --now powerml', or 'powerml serve --socket {}') and "
        "add the user to its group ('usermod -aG powerml USER', then log in again)",
        options.socket.string());
    std::error_code ec;
    if (!std::filesystem::exists(options.socket, ec)) {
        probe.reason = "no counter daemon at " + options.socket.string();
        probe.remedy = remedy;
        return probe;
    }
    try {
        auto sensor = std::make_unique<RaplDaemonSensor>(options);
        if (sensor->signals().empty()) {
            probe.reason = "the counter daemon at " + options.socket.string() + " serves no counters";
            probe.remedy = "see the daemon's log: it found no readable RAPL counter either";
            return probe;
        }
        std::string domains;
        for (const auto& s : sensor->signals()) domains += (domains.empty() ? "" : ", ") + s.domain;
        probe.detail = fmt::format("{} through the counter daemon at {}: {}", sensor->daemon_source(),
                                   options.socket.string(), domains);
        probe.sensor = std::move(sensor);
    } catch (const Error& e) {
        probe.reason = e.what();
        probe.remedy = remedy;
    }
    return probe;
}

}  // namespace powerml::sensors
