#include "powerml/sensors/procfs_sensor.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <string_view>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::sensors {

namespace {

constexpr double k_sector_bytes = 512.0;  // /proc/diskstats counts 512-byte sectors whatever the device

// Splits off the next whitespace-separated token of `text`.
std::string_view next_token(std::string_view& text) {
    std::size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
        text = {};
        return {};
    }
    std::size_t end = text.find_first_of(" \t\n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(start, end - start);
    text.remove_prefix(end);
    return token;
}

double to_number(std::string_view token) {
    double value = 0;
    const auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
    return (ec == std::errc() && ptr == token.data() + token.size()) ? value : NAN;
}

// Calls `line_fn` for every line of `text`.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& line_fn) {
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        if (end == std::string_view::npos) end = text.size();
        line_fn(text.substr(0, end));
        text.remove_prefix(std::min(end + 1, text.size()));
    }
}

bool is_virtual_block_device(std::string_view name) {
    return name.starts_with("loop") || name.starts_with("ram") || name.starts_with("zram") || name.starts_with("dm-") ||
           name.starts_with("md");
}

}  // namespace

ProcfsSensor::ProcfsSensor(std::filesystem::path procfs_root, std::filesystem::path sysfs_root, std::shared_ptr<ProcStat> stat)
    : m_proc(std::move(procfs_root)),
      m_sys(std::move(sysfs_root)),
      m_stat(stat ? std::move(stat) : std::make_shared<ProcStat>(m_proc)),
      m_meminfo(m_proc / "meminfo"),
      m_diskstats(m_proc / "diskstats"),
      m_net_dev(m_proc / "net" / "dev"),
      m_have_block_dir(std::filesystem::is_directory(m_sys / "block")),
      m_ticks_per_s(UtilisationWindow::ticks_per_s()) {
    if (!m_stat->refresh(this)) throw Error("cannot read " + (m_proc / "stat").string() + ": is procfs mounted there?");
    std::vector<double> ignored;
    read_cpu(ignored);
}

std::vector<SignalInfo> ProcfsSensor::signals() const {
    std::vector<SignalInfo> list;
    auto add = [&](std::string name, int idx, std::string domain, record::Unit unit, SignalKind kind, std::string what) {
        SignalInfo s;
        s.name = std::move(name);
        s.domain_idx = idx;
        s.domain = std::move(domain);
        s.unit = unit;
        s.kind = kind;
        s.description = std::move(what);
        list.push_back(std::move(s));
    };
    add("PROCFS::CPU_UTIL", 0, "cpu", record::Unit::ratio, SignalKind::gauge,
        "busy fraction of all CPUs since the previous read (read every few clock ticks, over at least 4 ticks per CPU)");
    for (int core = 0; core < core_count(); ++core)
        add("PROCFS::CPU_UTIL", core + 1, "cpu" + std::to_string(core), record::Unit::ratio, SignalKind::gauge, "busy fraction of one CPU");
    add("PROCFS::MEM_USED", 0, "memory", record::Unit::byte, SignalKind::gauge, "MemTotal - MemAvailable");
    add("PROCFS::MEM_TOTAL", 0, "memory", record::Unit::byte, SignalKind::gauge, "installed memory seen by the kernel");
    add("PROCFS::DISK_READ", 0, "disks", record::Unit::byte, SignalKind::counter, "bytes read from physical disks");
    add("PROCFS::DISK_WRITE", 0, "disks", record::Unit::byte, SignalKind::counter, "bytes written to physical disks");
    add("PROCFS::NET_RX", 0, "network", record::Unit::byte, SignalKind::counter, "bytes received on all interfaces but loopback");
    add("PROCFS::NET_TX", 0, "network", record::Unit::byte, SignalKind::counter, "bytes sent on all interfaces but loopback");
    add("PROCFS::PROCESS_CPU_TIME", 0, "process-tree", record::Unit::second, SignalKind::counter,
        "user + system CPU seconds of the measured process and its descendants");
    add("PROCFS::MACHINE_CPU_TIME", 0, "cpu", record::Unit::second, SignalKind::counter,
        "busy CPU seconds of all CPUs (/proc/stat), read at the same moment as the process tree");
    add("PROCFS::PROCESS_RSS", 0, "process-tree", record::Unit::byte, SignalKind::gauge,
        "resident memory of the measured process and its descendants (VmRSS)");
    if (!m_cgroup.empty())
        add("PROCFS::CGROUP_CPU_TIME", 0, "cgroup:" + m_cgroup.string(), record::Unit::second, SignalKind::counter,
            "CPU seconds of the job's cgroup v2 (cpu.stat usage_usec), every process in it");
    add("PROCFS::ALLOWED_CPUS", 0, "process-tree", record::Unit::count, SignalKind::gauge,
        "CPUs the measured process may run on (Cpus_allowed_list: its cpuset or Slurm allocation)");
    return list;
}

int ProcfsSensor::push_signal(std::string_view signal, int domain_idx) {
    Signal which;
    if (signal == "PROCFS::CPU_UTIL") which = Signal::cpu_util;
    else if (signal == "PROCFS::MEM_USED") which = Signal::mem_used;
    else if (signal == "PROCFS::MEM_TOTAL") which = Signal::mem_total;
    else if (signal == "PROCFS::DISK_READ") which = Signal::disk_read;
    else if (signal == "PROCFS::DISK_WRITE") which = Signal::disk_write;
    else if (signal == "PROCFS::NET_RX") which = Signal::net_rx;
    else if (signal == "PROCFS::NET_TX") which = Signal::net_tx;
    else if (signal == "PROCFS::PROCESS_CPU_TIME") which = Signal::process_cpu;
    else if (signal == "PROCFS::MACHINE_CPU_TIME") which = Signal::machine_cpu;
    else if (signal == "PROCFS::PROCESS_RSS") which = Signal::process_rss;
    else if (signal == "PROCFS::ALLOWED_CPUS") which = Signal::allowed_cpus;
    else if (signal == "PROCFS::CGROUP_CPU_TIME" && !m_cgroup.empty()) which = Signal::cgroup_cpu;
    else throw Error("procfs has no signal " + std::string(signal));
    if (which == Signal::cpu_util ? (domain_idx < 0 || domain_idx > core_count()) : domain_idx != 0)
        throw Error("procfs signal " + std::string(signal) + " has no domain " + std::to_string(domain_idx));
    m_pushed.push_back({which, domain_idx});
    return static_cast<int>(m_pushed.size()) - 1;
}

bool ProcfsSensor::read_cpu(std::vector<double>& utilisation) {
    if (!m_stat->refresh(this)) return false;
    utilisation = m_window.update(m_stat->times());
    m_prev_cpu = m_stat->times();
    return true;
}

bool ProcfsSensor::read_memory() {
    if (!paths::read_small_file(m_meminfo, m_buffer)) return false;
    double total_kb = NAN, available_kb = NAN;
    for_each_line(m_buffer, [&](std::string_view line) {
        std::string_view rest = line;
        const std::string_view key = next_token(rest);
        if (key == "MemTotal:") total_kb = to_number(next_token(rest));
        else if (key == "MemAvailable:") available_kb = to_number(next_token(rest));
    });
    m_mem_total_b = total_kb * 1024.0;
    m_mem_used_b = (total_kb - available_kb) * 1024.0;
    return std::isfinite(m_mem_used_b);
}

bool ProcfsSensor::read_disks() {
    if (!paths::read_small_file(m_diskstats, m_buffer)) return false;
    double read_sectors = 0, written_sectors = 0;
    for_each_line(m_buffer, [&](std::string_view line) {
        std::string_view rest = line;
        next_token(rest);  // major
        next_token(rest);  // minor
        const std::string_view device = next_token(rest);
        if (device.empty() || is_virtual_block_device(device)) return;
        // Partitions repeat their disk's bytes: count whole disks only (those under /sys/block).
        if (m_have_block_dir) {
            auto it = m_whole_disk.find(std::string(device));
            if (it == m_whole_disk.end())
                it = m_whole_disk.emplace(std::string(device), std::filesystem::exists(m_sys / "block" / std::string(device))).first;
            if (!it->second) return;
        }
        std::string_view fields[7];
        for (auto& f : fields) f = next_token(rest);
        read_sectors += to_number(fields[2]);
        written_sectors += to_number(fields[6]);
    });
    m_disk_read_b = read_sectors * k_sector_bytes;
    m_disk_write_b = written_sectors * k_sector_bytes;
    return std::isfinite(m_disk_read_b) && std::isfinite(m_disk_write_b);
}

bool ProcfsSensor::read_network() {
    if (!paths::read_small_file(m_net_dev, m_buffer)) return false;
    double rx = 0, tx = 0;
    for_each_line(m_buffer, [&](std::string_view line) {
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) return;  // the two header lines
        std::string_view name = line.substr(0, colon);
        name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
        if (name == "lo") return;
        std::string_view rest = line.substr(colon + 1);
        std::string_view fields[9];
        for (auto& f : fields) f = next_token(rest);
        rx += to_number(fields[0]);
        tx += to_number(fields[8]);
    });
    m_net_rx_b = rx;
    m_net_tx_b = tx;
    return std::isfinite(rx) && std::isfinite(tx);
}

double ProcfsSensor::process_ticks(int pid, bool include_waited_children) const {
    std::string text;
    if (!paths::read_small_file(m_proc / std::to_string(pid) / "stat", text)) return NAN;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos) return NAN;
    std::string_view rest = std::string_view(text).substr(close + 1);
    // Fields after ')': state(3) ppid ... utime is field 14, stime 15, cutime 16, cstime 17.
    std::string_view token;
    for (int field = 3; field <= 13; ++field) token = next_token(rest);
    const double utime = to_number(next_token(rest));
    const double stime = to_number(next_token(rest));
    double ticks = utime + stime;
    if (include_waited_children) ticks += to_number(next_token(rest)) + to_number(next_token(rest));
    return ticks;
}

bool ProcfsSensor::is_job_cgroup(std::string_view path) {
    bool job = false;
    while (!path.empty()) {
        path.remove_prefix(std::min(path.find_first_not_of('/'), path.size()));
        const std::size_t end = std::min(path.find('/'), path.size());
        const std::string_view part = path.substr(0, end);
        path.remove_prefix(end);
        if (part.starts_with("job_") || part.starts_with("step_") || part.starts_with("kubepods") || part.starts_with("pod"))
            job = true;  // Slurm job or step (cgroup/v2 plugin), a Kubernetes pod
        else if (part.ends_with(".scope") && !part.starts_with("session-") && part != "init.scope" &&
                 part != "slurmstepd.scope")
            job = true;  // systemd-run --scope, a container's scope
    }
    return job;
}

void ProcfsSensor::use_job_cgroup(const std::filesystem::path& cgroup_root, const std::filesystem::path& explicit_cgroup) {
    std::filesystem::path relative = explicit_cgroup;
    if (relative.empty()) {
        // "0::/path": the unified (v2) hierarchy's line of powerml's own cgroup, which the job inherits.
        if (!paths::read_small_file(m_proc / "self" / "cgroup", m_buffer)) return;
        for_each_line(m_buffer, [&](std::string_view line) {
            if (line.starts_with("0::")) relative = std::string(line.substr(3));
        });
        if (relative.empty() || !is_job_cgroup(relative.string())) return;
    } else if (relative.string().starts_with(cgroup_root.string() + "/")) {
        relative = "/" + relative.lexically_relative(cgroup_root).string();  // given as a full path
    }
    const auto dir = cgroup_root / relative.relative_path();
    std::error_code ec;
    if (!std::filesystem::exists(dir / "cpu.stat", ec)) {
        if (!explicit_cgroup.empty())
            throw Error("--cgroup " + explicit_cgroup.string() + ": no cpu.stat in " + dir.string() + " (not a cgroup v2 directory)");
        return;
    }
    m_cgroup = relative;
    m_cgroup_dir = dir;
}

// Number of CPUs in a list such as "0-3,8,10-11".
double count_cpu_list(std::string_view list) {
    double count = 0;
    while (!list.empty()) {
        const std::size_t comma = std::min(list.find(','), list.size());
        const std::string_view range = list.substr(0, comma);
        list.remove_prefix(std::min(comma + 1, list.size()));
        const std::size_t dash = range.find('-');
        const double lo = to_number(range.substr(0, dash));
        const double hi = dash == std::string_view::npos ? lo : to_number(range.substr(dash + 1));
        if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo) return NAN;
        count += hi - lo + 1;
    }
    return count > 0 ? count : NAN;
}

void ProcfsSensor::collect_tree(int pid, std::vector<int>& out) const {
    out.push_back(pid);
    // /proc/PID/task/TID/children lists direct children: walking it costs a few reads per
    // process instead of a scan of every process on the machine.
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(m_proc / std::to_string(pid) / "task", ec)) {
        std::string children;
        if (!paths::read_small_file(task.path() / "children", children)) continue;
        std::string_view rest = children;
        for (std::string_view t = next_token(rest); !t.empty(); t = next_token(rest)) {
            const double child = to_number(t);
            if (std::isfinite(child) && out.size() < 100000) collect_tree(static_cast<int>(child), out);
        }
    }
}

bool ProcfsSensor::read_process_tree() {
    if (m_pid <= 0) {
        m_process_cpu_s = 0.0;  // nothing attached yet (baseline): the job has used no CPU
        m_process_rss_b = 0.0;
        m_allowed_cpus = 0.0;  // and may run on none
        return true;
    }
    std::vector<int> tree;
    collect_tree(m_pid, tree);
    double ticks = 0;
    for (std::size_t i = 0; i < tree.size(); ++i) {
        // Children the job already waited for are inside its cutime/cstime; live ones are not.
        const double t = process_ticks(tree[i], i == 0);
        if (std::isfinite(t)) ticks += t;
        else if (i == 0) return false;  // the job itself is gone (exited, not yet reaped)
    }
    m_process_cpu_s = ticks / m_ticks_per_s;
    // Resident memory of the tree, and the CPUs its root may use, from /proc/PID/status.
    double rss_kb = 0;
    m_allowed_cpus = NAN;
    for (std::size_t i = 0; i < tree.size(); ++i) {
        if (!paths::read_small_file(m_proc / std::to_string(tree[i]) / "status", m_buffer)) continue;
        for_each_line(m_buffer, [&](std::string_view line) {
            std::string_view rest = line;
            const std::string_view key = next_token(rest);
            if (key == "VmRSS:") {
                const double kb = to_number(next_token(rest));
                if (std::isfinite(kb)) rss_kb += kb;
            } else if (key == "Cpus_allowed_list:" && i == 0) {
                rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
                m_allowed_cpus = count_cpu_list(rest.substr(0, rest.find_first_of(" \t\n")));
            }
        });
    }
    m_process_rss_b = rss_kb * 1024.0;
    return true;
}

void ProcfsSensor::read_usage() {
    bool want[static_cast<int>(Signal::count_)] = {false};
    for (const auto& p : m_pushed) want[static_cast<int>(p.signal)] = true;
    if ((want[static_cast<int>(Signal::mem_used)] || want[static_cast<int>(Signal::mem_total)]) && !read_memory())
        m_mem_used_b = m_mem_total_b = NAN;
    if ((want[static_cast<int>(Signal::disk_read)] || want[static_cast<int>(Signal::disk_write)]) && !read_disks())
        m_disk_read_b = m_disk_write_b = NAN;
    if ((want[static_cast<int>(Signal::net_rx)] || want[static_cast<int>(Signal::net_tx)]) && !read_network())
        m_net_rx_b = m_net_tx_b = NAN;
    const bool want_tree = want[static_cast<int>(Signal::process_cpu)] || want[static_cast<int>(Signal::process_rss)] ||
                           want[static_cast<int>(Signal::allowed_cpus)];
    // The job gone (exited, not yet reaped): its CPU time is unknown (a read error, as ever);
    // its last resident memory and allowed CPUs stand rather than counting two more errors.
    if (want_tree && !read_process_tree()) m_process_cpu_s = NAN;
    // The machine's busy CPU time as of this sample's /proc/stat read (read_cpu, just before), taken together with
    // the process tree's so that the job's share of an interval compares like with like.
    if (want[static_cast<int>(Signal::cgroup_cpu)]) {
        m_cgroup_cpu_s = NAN;
        if (paths::read_small_file(m_cgroup_dir / "cpu.stat", m_buffer))
            for_each_line(m_buffer, [&](std::string_view line) {
                std::string_view rest = line;
                if (next_token(rest) == "usage_usec") m_cgroup_cpu_s = to_number(next_token(rest)) / 1e6;
            });
    }
    if (want[static_cast<int>(Signal::machine_cpu)])
        m_machine_cpu_s = m_prev_cpu.empty() ? NAN : m_prev_cpu[0].busy / m_ticks_per_s;
    m_usage_read_at_s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void ProcfsSensor::read_batch() {
    const bool want_cpu = std::any_of(m_pushed.begin(), m_pushed.end(), [](const Pushed& p) { return p.signal == Signal::cpu_util; });
    if (want_cpu && !read_cpu(m_util)) m_util.assign(m_util.size(), NAN);
    const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    if (now - m_usage_read_at_s >= m_usage_period_s) read_usage();
}

void ProcfsSensor::read_batch_full() {
    const bool want_cpu = std::any_of(m_pushed.begin(), m_pushed.end(), [](const Pushed& p) { return p.signal == Signal::cpu_util; });
    if (want_cpu && !read_cpu(m_util)) m_util.assign(m_util.size(), NAN);
    read_usage();
}

double ProcfsSensor::sample(int handle) const {
    if (handle < 0 || handle >= static_cast<int>(m_pushed.size())) return NAN;
    const Pushed& p = m_pushed[static_cast<std::size_t>(handle)];
    switch (p.signal) {
        case Signal::cpu_util:
            return static_cast<std::size_t>(p.domain) < m_util.size() ? m_util[static_cast<std::size_t>(p.domain)] : NAN;
        case Signal::mem_used: return m_mem_used_b;
        case Signal::mem_total: return m_mem_total_b;
        case Signal::disk_read: return m_disk_read_b;
        case Signal::disk_write: return m_disk_write_b;
        case Signal::net_rx: return m_net_rx_b;
        case Signal::net_tx: return m_net_tx_b;
        case Signal::process_cpu: return m_process_cpu_s;
        case Signal::machine_cpu: return m_machine_cpu_s;
        case Signal::process_rss: return m_process_rss_b;
        case Signal::allowed_cpus: return m_allowed_cpus;
        case Signal::cgroup_cpu: return m_cgroup_cpu_s;
        case Signal::count_: break;
    }
    return NAN;
}

}  // namespace powerml::sensors
