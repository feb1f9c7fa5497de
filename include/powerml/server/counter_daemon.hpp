#pragma once
// `powerml serve --socket PATH`: run as root, reads the RAPL counters only root may read and
// answers readings over a Unix stream socket (sensors/counter_protocol.hpp) to root and the
// members of one group, checked on every connection from the peer's credentials (SO_PEERCRED).
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "powerml/sensors/counter_protocol.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::server {

struct CounterDaemonOptions {
    std::filesystem::path socket;
    std::string group = "powerml";
    int max_clients = 64;
};

class CounterDaemon {
public:
    // `sensor` is the RAPL source to serve (`source` its name); every energy counter it has is
    // served. Throws Error when the group does not exist.
    CounterDaemon(CounterDaemonOptions options, std::unique_ptr<sensors::Sensor> sensor, std::string source, bool absolute);
    ~CounterDaemon();
    CounterDaemon(const CounterDaemon&) = delete;
    CounterDaemon& operator=(const CounterDaemon&) = delete;

    // The RAPL source this machine has, as root reads it: rapl_perf, rapl (powercap), rapl_msr
    // (the measurement's preference, rapl_choice.hpp). Throws Error saying why when none.
    static std::unique_ptr<CounterDaemon> from_machine(CounterDaemonOptions options, std::vector<std::string>& notes);

    // Binds the socket (replacing a stale one; mode 0666: the credential check, not the file
    // mode, decides, so that a refused user is told why). Throws Error.
    void bind();
    // Serves until stop(); one thread, poll(2) over the listening socket and the clients.
    void run();
    void stop();  // from another thread or a signal handler's thread

    // Whether a peer may read: root, or a member of the group (primary or supplementary).
    // Empty when allowed, else the refusal sent to it.
    std::string refusal(uid_t uid, gid_t gid) const;
    const std::vector<sensors::SignalInfo>& signals() const { return m_hello.signals; }
    const std::string& source() const { return m_hello.source; }

private:
    std::string answer(const std::string& request);

    CounterDaemonOptions m_options;
    std::unique_ptr<sensors::Sensor> m_sensor;
    sensors::counter_protocol::Hello m_hello;
    std::vector<int> m_handles;
    gid_t m_group_gid = 0;
    int m_listen_fd = -1;
    int m_stop_pipe[2] = {-1, -1};
};

}  // namespace powerml::server
