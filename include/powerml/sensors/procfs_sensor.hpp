#pragma once
// Usage indicators from procfs (seed 003): CPU utilisation per core and on average, RAM in
// use, disk and network bytes, the CPU time, resident memory and allowed CPUs of the measured
// process tree, and the machine's busy CPU time read at the same moment (for attribution).
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <memory>
#include <unordered_map>

#include "powerml/sensors/proc_stat.hpp"
#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

class ProcfsSensor final : public Sensor {
public:
    // Throws Error when <procfs_root>/stat is unreadable (not a Linux procfs).
    ProcfsSensor(std::filesystem::path procfs_root, std::filesystem::path sysfs_root,
                 std::shared_ptr<ProcStat> stat = nullptr);

    std::string_view name() const noexcept override { return "procfs"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    void read_batch_full() override;
    // Memory, disk, network and process-tree figures are read at most this often (seconds; CPU
    // utilisation at every read). Each procfs file costs tens of microseconds of kernel
    // time, and these change slowly; counters lose nothing, as totals come from full reads.
    void set_usage_period(double seconds) { m_usage_period_s = seconds; }
    // Utilisation means something only over a few clock ticks: the sampler reads this sensor
    // no more often than that, whatever its interval.
    double min_read_period_s() const override { return UtilisationWindow::min_period_s(); }
    static constexpr double k_default_usage_period_s = 0.5;
    double sample(int handle) const override;
    void attach_process(int pid) override { m_pid = pid; }

    int core_count() const { return static_cast<int>(m_prev_cpu.size()) - 1; }

    // The job's cgroup v2 (its CPU time from cpu.stat usage_usec: PROCFS::CGROUP_CPU_TIME):
    // `explicit_cgroup` relative to `cgroup_root` (throws Error when it has no cpu.stat), or,
    // when empty, powerml's own cgroup if it is a job's (Slurm job/step, Kubernetes pod,
    // systemd scope other than a login session). Nothing found: the process tree only.
    void use_job_cgroup(const std::filesystem::path& cgroup_root, const std::filesystem::path& explicit_cgroup);
    const std::filesystem::path& job_cgroup() const { return m_cgroup; }  // relative, "/slurm/uid_1/job_5/step_0"
    // Whether a cgroup v2 path (as in /proc/PID/cgroup) is a job's own rather than a session's.
    static bool is_job_cgroup(std::string_view path);

private:
    enum class Signal { cpu_util, mem_used, mem_total, disk_read, disk_write, net_rx, net_tx, process_cpu, machine_cpu, process_rss, allowed_cpus, cgroup_cpu, count_ };
    struct Pushed {
        Signal signal;
        int domain;
    };

    bool read_cpu(std::vector<double>& utilisation);
    bool read_memory();
    bool read_disks();
    bool read_network();
    bool read_process_tree();
    double process_ticks(int pid, bool include_waited_children) const;
    void collect_tree(int pid, std::vector<int>& out) const;

    std::filesystem::path m_proc;
    std::filesystem::path m_sys;
    std::shared_ptr<ProcStat> m_stat;
    std::filesystem::path m_meminfo, m_diskstats, m_net_dev;  // made once: a read allocates no path
    std::vector<CpuTimes> m_prev_cpu;  // the last reading: [0] = aggregate "cpu", then cpu0..N-1
    UtilisationWindow m_window;
    bool m_have_block_dir = false;
    std::unordered_map<std::string, bool> m_whole_disk;  // device name -> counted (cached: sysfs lookups cost)
    std::vector<double> m_util;
    double m_mem_used_b = NAN, m_mem_total_b = NAN;
    double m_disk_read_b = NAN, m_disk_write_b = NAN;
    double m_net_rx_b = NAN, m_net_tx_b = NAN;
    double m_process_cpu_s = NAN;
    double m_machine_cpu_s = NAN;   // busy CPU seconds of all CPUs, read with the process tree
    double m_process_rss_b = NAN;
    double m_allowed_cpus = NAN;
    std::filesystem::path m_cgroup;      // relative to the cgroup root; empty: none
    std::filesystem::path m_cgroup_dir;  // where its cpu.stat is
    double m_cgroup_cpu_s = NAN;
    int m_pid = 0;
    double m_usage_period_s = k_default_usage_period_s;
    double m_usage_read_at_s = -1e9;
    void read_usage();
    double m_ticks_per_s;
    std::vector<Pushed> m_pushed;
    std::string m_buffer;
};

}  // namespace powerml::sensors
