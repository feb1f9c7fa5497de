#pragma once
// /proc/stat's CPU lines, shared by the sensors that need them (procfs for utilisation, model
// for power from utilisation). The kernel builds the whole file, every CPU and interrupt line,
// on each read, which makes it the dearest file of a sample: it is read once per sample that
// needs it, and the sampler asks for it no more often than UtilisationWindow::min_period_s().
#include <filesystem>
#include <string>
#include <vector>


namespace powerml::sensors {

struct CpuTimes {
    double busy = 0;   // user + nice + system + irq + softirq + steal, in ticks
    double total = 0;  // busy + idle + iowait
};

class ProcStat {
public:
    explicit ProcStat(std::filesystem::path procfs_root);
    // Gives `consumer` a fresh reading: the file is re-read when this consumer has already seen
    // the current one, and shared otherwise, so two sensors in one sample cause one read.
    // False when it cannot be read.
    bool refresh(const void* consumer);
    // [0] = all CPUs, then cpu0..cpuN-1.
    const std::vector<CpuTimes>& times() const { return m_times; }


private:
    std::filesystem::path m_file;
    std::vector<CpuTimes> m_times;
    std::vector<const void*> m_seen;  // consumers that have had the current reading
    bool m_ok = false;
    std::string m_buffer;
};

// Busy fraction of each /proc/stat entry over a window of at least k_min_window_ticks clock
// ticks per CPU. The kernel counts CPU time in whole ticks of 1/sysconf(_SC_CLK_TCK) s (10 ms
// at the usual 100): between two readings a few milliseconds apart most CPUs gain no tick at
// all, and a busy loop read every 1 ms looked 0 % busy in 77 % of its samples. Each reading is
// compared with the newest earlier reading at least that many ticks before it, so a value never
// rests on fewer ticks, however often it is asked for; readings a period apart (min_period_s())
// use just the previous one, and the windows then tile time.
class UtilisationWindow {
public:
    // 4 ticks: a busy fraction to 1/4 per CPU and 1/(4 n) for n CPUs together in one window.
    // Errors do not add up over windows that tile time: each tick is counted in exactly one.
    static constexpr double k_min_window_ticks = 4;
    // How often readings should be taken: one tick more than the minimum window, so that
    // consecutive readings are far enough apart despite the ticks' phase. 50 ms at 100 ticks/s.
    static double min_period_s();
    static double ticks_per_s();  // sysconf(_SC_CLK_TCK)

    // Takes a reading ([0] = all CPUs, then each CPU) and returns the busy fraction of each entry
    // over the window ending at it. The first reading gives the fraction since boot; an entry
    // with no tick in any remembered reading keeps its last value.
    const std::vector<double>& update(const std::vector<CpuTimes>& now);
    const std::vector<double>& values() const { return m_util; }

private:
    // Earlier readings, newest at m_newest. Eight reach far enough back for any reading taken
    // between regular ones (a window's edge): the buffers are reused, never reallocated.
    static constexpr std::size_t k_history = 8;
    std::vector<CpuTimes> m_history[k_history];
    std::size_t m_count = 0, m_newest = 0;
    std::vector<double> m_util;
};

}  // namespace powerml::sensors
