#include "powerml/sensors/proc_stat.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include <unistd.h>

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

double UtilisationWindow::ticks_per_s() {
    static const double ticks = [] {
        const long t = ::sysconf(_SC_CLK_TCK);
        return t > 0 ? static_cast<double>(t) : 100.0;  // USER_HZ has been 100 on every Linux port
    }();
    return ticks;
}

double UtilisationWindow::min_period_s() { return (k_min_window_ticks + 1) / ticks_per_s(); }

const std::vector<double>& UtilisationWindow::update(const std::vector<CpuTimes>& now) {
    // A change in the number of CPUs (hotplug) makes earlier readings incomparable.
    if (m_count > 0 && m_history[m_newest].size() != now.size()) m_count = 0;
    if (m_util.size() != now.size()) m_util.assign(now.size(), 0.0);
    const double cpus = now.size() > 1 ? static_cast<double>(now.size() - 1) : 1.0;
    for (std::size_t i = 0; i < now.size(); ++i) {
        if (m_count == 0) {
            m_util[i] = now[i].total > 0 ? std::clamp(now[i].busy / now[i].total, 0.0, 1.0) : 0.0;
            continue;
        }
        // Entry 0 adds up every CPU's ticks: its window needs that many more.
        const double wanted = k_min_window_ticks * (i == 0 ? cpus : 1.0);
        const CpuTimes* base = nullptr;
        for (std::size_t back = 0; back < m_count; ++back) {
            const CpuTimes& before = m_history[(m_newest + k_history - back) % k_history][i];
            if (now[i].total - before.total <= 0) continue;  // no tick since: look further back
            base = &before;  // the oldest with a tick, should none reach `wanted`
            if (now[i].total - before.total >= wanted) break;
        }
        // No tick in any remembered reading: nothing new is known, the last value stands.
        if (base) m_util[i] = std::clamp((now[i].busy - base->busy) / (now[i].total - base->total), 0.0, 1.0);
    }
    m_newest = (m_newest + 1) % k_history;
    m_history[m_newest].assign(now.begin(), now.end());
    m_count = std::min(m_count + 1, k_history);
    return m_util;
}

}  // namespace powerml::sensors
