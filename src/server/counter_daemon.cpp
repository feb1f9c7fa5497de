#include "powerml/server/counter_daemon.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/sensors/builtin.hpp"
#include "powerml/sensors/rapl_choice.hpp"

namespace powerml::server {

namespace {

constexpr std::size_t k_max_request = 256;

struct Client {
    int fd = -1;
    std::string pending;
};

// Best effort: a client that does not read its answer within the send timeout is dropped.
bool send_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

std::string user_name(uid_t uid) {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found) return pw.pw_name;
    return {};
}

}  // namespace

CounterDaemon::CounterDaemon(CounterDaemonOptions options, std::unique_ptr<sensors::Sensor> sensor, std::string source,
                             bool absolute)
    : m_options(std::move(options)), m_sensor(std::move(sensor)) {
    group g{};
    group* found = nullptr;
    std::vector<char> buffer(65536);
    if (::getgrnam_r(m_options.group.c_str(), &g, buffer.data(), buffer.size(), &found) != 0 || !found)
        throw Error(fmt::format("group '{}' does not exist: create it ('groupadd --system {}', the Debian package "
                                "does) or name another with --group",
                                m_options.group, m_options.group));
    m_group_gid = g.gr_gid;
    m_hello.source = std::move(source);
    m_hello.absolute = absolute;
    m_hello.instance = fmt::format("{}-{}", ::getpid(),
                                   std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch()).count());
    for (const auto& s : m_sensor->signals()) {
        if (!sensors::is_energy_counter(s)) continue;
        m_handles.push_back(m_sensor->push_signal(s.name, s.domain_idx));
        m_hello.signals.push_back(s);
    }
    if (::pipe2(m_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
}

CounterDaemon::~CounterDaemon() {
    if (m_listen_fd >= 0) {
        ::close(m_listen_fd);
        std::error_code ec;
        std::filesystem::remove(m_options.socket, ec);
    }
    for (int fd : m_stop_pipe)
        if (fd >= 0) ::close(fd);
}

std::unique_ptr<CounterDaemon> CounterDaemon::from_machine(CounterDaemonOptions options, std::vector<std::string>& notes) {
    auto probes = sensors::probe_all(sensors::default_probe_context());
    sensors::choose_rapl_source(probes, notes, [] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); });
    std::string why;
    for (const auto& name : sensors::rapl_source_preference()) {
        for (auto& p : probes) {
            if (p.source != name) continue;
            if (p.sensor) {
                // powercap and the MSRs are the hardware's registers; perf_event counts from its open.
                const bool absolute = name != "rapl_perf";
                return std::make_unique<CounterDaemon>(std::move(options), std::move(p.sensor), name, absolute);
            }
            why += fmt::format("{}{}: {}", why.empty() ? "" : "; ", name, p.reason);
        }
    }
    throw Error("no RAPL counter can be read on this machine, so there is nothing to serve (" + why + ")");
}

std::string CounterDaemon::refusal(uid_t uid, gid_t gid) const {
    if (uid == 0 || gid == m_group_gid) return {};
    const std::string name = user_name(uid);
    if (!name.empty()) {
        int count = 64;
        std::vector<gid_t> groups(static_cast<std::size_t>(count));
        if (::getgrouplist(name.c_str(), gid, groups.data(), &count) < 0) {
            groups.resize(static_cast<std::size_t>(count));
            ::getgrouplist(name.c_str(), gid, groups.data(), &count);
        }
        groups.resize(static_cast<std::size_t>(std::max(count, 0)));
        if (std::find(groups.begin(), groups.end(), m_group_gid) != groups.end()) return {};
    }
    const std::string who = name.empty() ? fmt::format("uid {}", uid) : fmt::format("user {} (uid {})", name, uid);
    return fmt::format("refused: {} is not in group {}, whose members may read this machine's energy counters; "
                       "ask an administrator to run 'usermod -aG {} {}', then log in again",
                       who, m_options.group, m_options.group, name.empty() ? "USER" : name);
}

void CounterDaemon::bind() {
    const std::string path = m_options.socket.string();
    sockaddr_un address{};
    if (path.empty() || path.size() >= sizeof address.sun_path) throw Error("--socket: path empty or too long: " + path);
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) throw Error("--socket " + path + " exists and is not a socket: not replacing it");
        ::unlink(path.c_str());
    }
    m_listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_listen_fd < 0) throw Error(std::string("cannot create a Unix socket: ") + std::strerror(errno));
    if (::bind(m_listen_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::chmod(path.c_str(), 0666) != 0 || ::listen(m_listen_fd, 64) != 0) {
        const int e = errno;
        ::close(m_listen_fd);
        m_listen_fd = -1;
        throw Error(fmt::format("--socket {}: {}", path, std::strerror(e)));
    }
}

std::string CounterDaemon::answer(const std::string& request) {
    namespace protocol = sensors::counter_protocol;
    if (request == "hello") return protocol::hello_line(m_hello);
    if (request == "read") {
        m_sensor->read_batch_full();
        std::vector<double> values;
        values.reserve(m_handles.size());
        for (int h : m_handles) values.push_back(m_sensor->sample(h));
        return protocol::values_line(values);
    }
    return protocol::error_line("unknown request '" + request.substr(0, 40) + "' (hello or read)");
}

void CounterDaemon::run() {
    if (m_listen_fd < 0) bind();
    std::vector<Client> clients;
    for (;;) {
        std::vector<pollfd> fds{{m_stop_pipe[0], POLLIN, 0}, {m_listen_fd, POLLIN, 0}};
        for (const auto& c : clients) fds.push_back({c.fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            throw Error(std::string("poll: ") + std::strerror(errno));
        }
        if (fds[0].revents) break;
        std::vector<std::size_t> closed;
        for (std::size_t i = 0; i < clients.size(); ++i) {
            const short events = fds[i + 2].revents;
            if (!events) continue;
            Client& c = clients[i];
            char buffer[512];
            const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                closed.push_back(i);
                continue;
            }
            c.pending.append(buffer, static_cast<std::size_t>(n));
            bool keep = true;
            for (auto end = c.pending.find('\n'); keep && end != std::string::npos; end = c.pending.find('\n')) {
                std::string request = c.pending.substr(0, end);
                c.pending.erase(0, end + 1);
                if (!request.empty() && request.back() == '\r') request.pop_back();
                keep = send_all(c.fd, answer(request) + "\n");
            }
            if (keep && c.pending.size() > k_max_request) {
                send_all(c.fd, sensors::counter_protocol::error_line("request too long") + "\n");
                keep = false;
            }
            if (!keep) closed.push_back(i);
        }
        for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
            ::close(clients[*it].fd);
            clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(*it));
        }
        if (fds[1].revents & POLLIN) {
            for (;;) {
                const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
                if (fd < 0) break;
                timeval timeout{1, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
                ucred peer{};
                socklen_t length = sizeof peer;
                std::string refused;
                if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0)
                    refused = std::string("cannot tell who connected: ") + std::strerror(errno);
                else
                    refused = refusal(peer.uid, peer.gid);
                if (refused.empty() && static_cast<int>(clients.size()) >= m_options.max_clients)
                    refused = fmt::format("busy: {} clients connected already", m_options.max_clients);
                if (!refused.empty()) {
                    send_all(fd, sensors::counter_protocol::error_line(refused) + "\n");
                    ::close(fd);
                    continue;
                }
                clients.push_back({fd, {}});
            }
        }
    }
    for (const auto& c : clients) ::close(c.fd);
}

void CounterDaemon::stop() {
    const char byte = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_stop_pipe[1], &byte, 1);
}

}  // namespace powerml::server
