#pragma once
// RAPL energy counters through the powercap sysfs interface
// (/sys/class/powercap/intel-rapl:N[:M]; AMD Zen uses the same tree since Linux 5.8/5.11).
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

struct RaplZone {
    std::filesystem::path dir;  // .../intel-rapl:0:1
    std::string zone_id;        // "intel-rapl:0:1"
    std::string kind;           // "package", "core", "uncore", "dram", "psys"
    std::string domain;         // "package-0", "core-0", "dram-0", "psys"
    std::string parent_domain;  // for sub-zones: their package's domain
    double max_range_j = 0.0;   // max_energy_range_uj in J (wrap point)
    bool readable = false;
    std::string unreadable_reason;
};

class RaplPowercapSensor final : public Sensor {
public:
    // Discovers zones under <sysfs_root>/class/powercap. Duplicates under intel-rapl-mmio are
    // dropped in favour of intel-rapl (same package, same energy); nested zones are marked.
    explicit RaplPowercapSensor(const std::filesystem::path& sysfs_root);

    std::string_view name() const noexcept override { return "rapl"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;

    const std::vector<RaplZone>& zones() const { return m_zones; }
    bool any_readable() const;
    // Why energy_uj cannot be read and what to do about it (empty when all are readable).
    std::string access_problem() const;
    static std::string access_remedy();

private:
    static std::string signal_for_kind(const std::string& kind);
    std::vector<RaplZone> m_zones;
    std::vector<int> m_pushed;      // zone index per handle
    std::vector<double> m_values;   // per zone, J, NaN when the last read failed
    // Per zone: its energy_uj file, and one read buffer, made once so that a sample allocates nothing.
    std::vector<std::filesystem::path> m_energy_files;
    std::string m_buffer;
    bool m_has_psys = false;
};

}  // namespace powerml::sensors
