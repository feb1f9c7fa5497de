#pragma once
// Runs the measured command as a child process: its stdout/stderr untouched, SIGINT/SIGTERM
// sent to powerml forwarded to it, its exit reported without reaping it first so that its
// final CPU time can still be read from procfs.
#include <map>
#include <string>
#include <vector>

#include "powerml/core/error.hpp"

namespace powerml {

// The command could not be started at all (not found, not executable): exit status 127.
class ChildStartError : public Error {
public:
    using Error::Error;
};

class ChildProcess {
public:
    // Starts `argv` with `extra_env` added. Throws Error (with exit code 127 meant for the
    // caller) when the command cannot be started: not found, not executable.
    ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    int pid() const { return m_pid; }
    // Blocks until the child has exited (it stays a zombie until reap()).
    void wait_exited();
    // Reaps the child; returns its exit status, or 128 + signal number when a signal killed it.
    int reap();

    // While a ChildProcess exists, SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to this process by
    // another process are forwarded to the child; terminal-generated ones already reach it
    // (same process group) and are not sent twice.
    static void forward_signals_to(int pid);
    static void stop_forwarding();

    // Makes this process the reaper of its descendants' orphans (PR_SET_CHILD_SUBREAPER): a
    // job's background processes stay this process's children when the job's first process
    // exits, so their work is still the job's and their marks still reach the channel.
    static void adopt_orphans();
    // The pids of this process's children other than `except` (orphans adopted as above).
    static std::vector<int> other_children(int except);
    // Blocks until this process has no child left but `except`, reaping the others as they
    // exit.
    static void wait_for_other_children(int except);

private:
    int m_pid = -1;
    bool m_reaped = false;
};

}  // namespace powerml
