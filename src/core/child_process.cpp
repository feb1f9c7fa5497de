#include "powerml/core/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <cerrno>
#include <cstring>

#include "powerml/core/error.hpp"

extern char** environ;

namespace powerml {

namespace {

std::atomic<int> g_forward_pid{0};
constexpr int k_forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void forward_handler(int signal_number, siginfo_t* info, void*) {
    const int pid = g_forward_pid.load();
    // si_code <= 0: sent by a process (kill, sigqueue). A signal from the terminal (SI_KERNEL)
    // already went to the whole foreground process group, the child included.
    if (pid > 0 && info != nullptr && info->si_code <= 0) ::kill(pid, signal_number);
}

}  // namespace

void ChildProcess::forward_signals_to(int pid) {
    g_forward_pid.store(pid);
    struct sigaction action {};
    action.sa_sigaction = forward_handler;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (const int s : k_forwarded) ::sigaction(s, &action, nullptr);
}

void ChildProcess::stop_forwarding() {
    g_forward_pid.store(0);
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (const int s : k_forwarded) ::sigaction(s, &action, nullptr);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env) {
    if (argv.empty()) throw Error("no command to run");
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        const std::string entry(*e);
        const auto eq = entry.find('=');
        if (eq != std::string::npos && extra_env.count(entry.substr(0, eq))) continue;
        env_strings.push_back(entry);
    }
    for (const auto& [key, value] : extra_env) env_strings.push_back(key + "=" + value);
    std::vector<char*> env_ptrs, arg_ptrs;
    for (auto& s : env_strings) env_ptrs.push_back(s.data());
    env_ptrs.push_back(nullptr);
    std::vector<std::string> args = argv;
    for (auto& a : args) arg_ptrs.push_back(a.data());
    arg_ptrs.push_back(nullptr);

    // posix_spawn, not fork: glibc starts the child with clone(CLONE_VM | CLONE_VFORK), so
    // the parent's page tables are not copied (with fork, starting `true` cost more CPU than
    // the rest of a whole short measurement), and it reports a failed exec as its result.
    // The child starts from an empty signal mask and default dispositions for the signals
    // powerml forwards, whatever powerml set up.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none, forwarded;
    sigemptyset(&none);
    sigemptyset(&forwarded);
    for (const int s : k_forwarded) sigaddset(&forwarded, s);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setsigdefault(&attributes, &forwarded);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int error = ::posix_spawnp(&pid, arg_ptrs[0], nullptr, &attributes, arg_ptrs.data(), env_ptrs.data());
    posix_spawnattr_destroy(&attributes);
    if (error != 0) throw ChildStartError("cannot start '" + argv[0] + "': " + std::strerror(error));
    m_pid = pid;
}

ChildProcess::~ChildProcess() {
    if (!m_reaped && m_pid > 0) {
        int status;
        ::waitpid(m_pid, &status, 0);
    }
}

void ChildProcess::adopt_orphans() { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

std::vector<int> ChildProcess::other_children(int except) {
    std::vector<int> out;
    std::error_code ec;
    // /proc/self/task/TID/children lists the children each thread started or adopted.
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
        std::ifstream in(task.path() / "children");
        for (int pid = 0; in >> pid;)
            if (pid != except && std::find(out.begin(), out.end(), pid) == out.end()) out.push_back(pid);
    }
    return out;
}

void ChildProcess::wait_for_other_children(int except) {
    for (;;) {
        const auto children = other_children(except);
        if (children.empty()) return;
        for (const int pid : children) {
            int status = 0;
            ::waitpid(pid, &status, WNOHANG);  // an exited orphan is reaped; a running one stays
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void ChildProcess::wait_exited() {
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(m_pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
    }
}

int ChildProcess::reap() {
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_reaped = true;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

}  // namespace powerml
