#pragma once
// Real daemons for the integration tests (powerml serve, Prometheus, munged, slurmctld,
// slurmd): started in the foreground with output to a log file, stopped by their PID.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace powerml::test {

class Daemon {
public:
    Daemon(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, std::filesystem::path log)
        : m_log(std::move(log)) {
        m_pid = ::fork();
        if (m_pid == 0) {
            for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
            const int fd = ::open(m_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
                ::close(fd);
            }
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execvp(args[0], args.data());
            ::_exit(127);
        }
    }
    ~Daemon() { stop(); }
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    int pid() const { return m_pid; }
    bool running() {
        if (m_pid <= 0 || m_reaped) return false;
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_reaped = true;
            return false;
        }
        return true;
    }
    // SIGTERM, then SIGKILL after 10 s.
    void stop() {
        if (!running()) return;
        ::kill(m_pid, SIGTERM);
        for (int i = 0; i < 1000; ++i) {
            if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
                m_reaped = true;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_reaped = true;
    }
    std::string log_tail(std::size_t bytes = 3000) const {
        std::ifstream in(m_log);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string all = ss.str();
        return all.size() > bytes ? all.substr(all.size() - bytes) : all;
    }

private:
    std::filesystem::path m_log;
    int m_pid = -1;
    bool m_reaped = false;
};

// A TCP port free on 127.0.0.1 right now (the kernel's choice for port 0).
inline int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

// Polls `ready` every 100 ms for up to `seconds`.
inline bool wait_for(double seconds, const std::function<bool()>& ready) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ready();
}

inline bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace powerml::test
