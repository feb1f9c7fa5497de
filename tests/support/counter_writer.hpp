#pragma once
// Drives a fake powercap energy_uj file at a known power, for tests with real processes: at
// `idle_watts`, and at `busy_watts` while the file `busy_flag` exists (a job creates it when it
// starts; an empty path: always idle_watts), every 5 ms, atomically (write then rename), so that
// powerml never reads half a number.
#include <atomic>
#include <filesystem>
#include <thread>

namespace powerml::test {

class CounterWriter {
public:
    CounterWriter(std::filesystem::path file, std::filesystem::path busy_flag, double idle_watts, double busy_watts);
    ~CounterWriter();
    CounterWriter(const CounterWriter&) = delete;
    CounterWriter& operator=(const CounterWriter&) = delete;

private:
    void write(double joules);
    std::filesystem::path m_file, m_flag;
    double m_idle, m_busy;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

// Keeps one CPU busy on the test's own process (outside any measured job) until destroyed.
class CpuBurner {
public:
    CpuBurner();
    ~CpuBurner();
    CpuBurner(const CpuBurner&) = delete;
    CpuBurner& operator=(const CpuBurner&) = delete;

private:
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

}  // namespace powerml::test
