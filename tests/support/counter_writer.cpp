#include "support/counter_writer.hpp"

#include <chrono>
#include <fstream>

namespace powerml::test {

CounterWriter::CounterWriter(std::filesystem::path file, std::filesystem::path busy_flag, double idle_watts, double busy_watts)
    : m_file(std::move(file)), m_flag(std::move(busy_flag)), m_idle(idle_watts), m_busy(busy_watts) {
    write(0);
    m_thread = std::thread([this] {
        auto last = std::chrono::steady_clock::now();
        double joules = 0;
        while (!m_stop) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            const auto now = std::chrono::steady_clock::now();
            std::error_code ec;
            const bool busy = !m_flag.empty() && std::filesystem::exists(m_flag, ec);
            joules += (busy ? m_busy : m_idle) * std::chrono::duration<double>(now - last).count();
            last = now;
            write(joules);
        }
    });
}

CounterWriter::~CounterWriter() {
    m_stop = true;
    m_thread.join();
}

void CounterWriter::write(double joules) {
    const auto tmp = m_file.parent_path() / ".energy_uj.tmp";
    {
        std::ofstream out(tmp);
        out << static_cast<long long>(joules * 1e6) << "\n";
    }
    std::filesystem::rename(tmp, m_file);
}

CpuBurner::CpuBurner() {
    m_thread = std::thread([this] {
        volatile double x = 1;
        while (!m_stop.load(std::memory_order_relaxed))
            for (int i = 0; i < 10000; ++i) x = x * 1.0000001 + 1e-9;
    });
}

CpuBurner::~CpuBurner() {
    m_stop = true;
    m_thread.join();
}

}  // namespace powerml::test
