#pragma once
// /proc/stat's CPU lines, shared by the sensors that need them (procfs for utilisation, model
// for power from utilisation). The kernel builds the whole file, every CPU and interrupt line,
// on each read, which makes it the dearest file of a sample: it is read once per sample.
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

    // Busy fraction of each entry between two readings; the reading since boot without `before`.
    static std::vector<double> utilisation(const std::vector<CpuTimes>& before, const std::vector<CpuTimes>& after);

private:
    std::filesystem::path m_file;
    std::vector<CpuTimes> m_times;
    std::vector<const void*> m_seen;  // consumers that have had the current reading
    bool m_ok = false;
    std::string m_buffer;
};

}  // namespace powerml::sensors
