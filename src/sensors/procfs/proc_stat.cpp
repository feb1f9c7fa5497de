#include "powerml/sensors/proc_stat.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "powerml/core/paths.hpp"

namespace powerml::sensors {

ProcStat::ProcStat(std::filesystem::path procfs_root) : m_file(std::move(procfs_root) / "stat") {}

bool ProcStat::refresh(const void* consumer) {
    const bool seen = std::find(m_seen.begin(), m_seen.end(), consumer) != m_seen.end();
    if (!m_seen.empty() && !seen) {
        m_seen.push_back(consumer);
        return m_ok;
    }
    m_seen.assign(1, consumer);
    m_ok = false;
    if (!paths::read_small_file(m_file, m_buffer)) return false;
    m_times.clear();
    std::string_view text = m_buffer;
    // The cpu lines come first; stop at the first other line.
    while (text.starts_with("cpu")) {
        const auto end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        line.remove_prefix(std::min(line.find(' '), line.size()));
        double fields[8] = {0};
        for (double& f : fields) {
            line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
            const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), f);
            if (ec != std::errc()) break;
            line.remove_prefix(static_cast<std::size_t>(ptr - line.data()));
        }
        // user nice system idle iowait irq softirq steal (guest time is already inside user)
        const double idle = fields[3] + fields[4];
        double total = 0;
        for (const double f : fields) total += f;
        m_times.push_back({total - idle, total});
    }
    m_ok = !m_times.empty();
    return m_ok;
}

std::vector<double> ProcStat::utilisation(const std::vector<CpuTimes>& before, const std::vector<CpuTimes>& after) {
    std::vector<double> result(after.size(), 0.0);
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (before.size() == after.size()) {
            const double d_total = after[i].total - before[i].total;
            // No tick elapsed on this CPU since the last read: it was idle for the whole interval.
            result[i] = d_total > 0 ? std::clamp((after[i].busy - before[i].busy) / d_total, 0.0, 1.0) : 0.0;
        } else {
            result[i] = after[i].total > 0 ? after[i].busy / after[i].total : 0.0;
        }
    }
    return result;
}

}  // namespace powerml::sensors
