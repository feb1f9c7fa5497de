#include "powerml/sensors/builtin.hpp"

#include "powerml/core/paths.hpp"

namespace powerml::sensors {

ProbeContext default_probe_context() {
    return ProbeContext{paths::sysfs_root(), paths::procfs_root(), paths::data_dir()};
}

std::vector<Probe> probe_all(const ProbeContext& /*context*/) { return {}; }

std::vector<std::unique_ptr<Sensor>> select_for_measurement(std::vector<Probe>& probes,
                                                            std::vector<std::string>& /*notes*/) {
    std::vector<std::unique_ptr<Sensor>> chosen;
    for (auto& probe : probes)
        if (probe.sensor) chosen.push_back(std::move(probe.sensor));
    return chosen;
}

}  // namespace powerml::sensors
