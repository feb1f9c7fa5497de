#pragma once
// `hwmon`: the kernel's hardware-monitoring class (/sys/class/hwmon/hwmon*/). Reports every
// power*_input (uW, a gauge; power*_average where a chip has no _input) and energy*_input
// (uJ, a counter) as HWMON::POWER and HWMON::ENERGY, one domain per chip and channel named
// "<chip name>/<label>". Components are guessed from chip name and label (amdgpu -> gpu,
// "core" -> cpu inside its socket); unknown ones are "other" and are listed, not summed.
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

class HwmonSensor final : public Sensor {
public:
    struct Channel {
        SignalInfo info;
        std::filesystem::path file;
        double scale = 1.0;  // raw -> SI (1e-6 for uW and uJ)
    };

    // Scans sysfs_root/class/hwmon. `unreadable` receives files that exist but cannot be read.
    static std::vector<Channel> discover(const std::filesystem::path& sysfs_root,
                                         std::vector<std::string>& unreadable);
    explicit HwmonSensor(std::vector<Channel> channels);

    std::string_view name() const noexcept override { return "hwmon"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;

private:
    std::vector<Channel> m_channels;
    std::vector<std::size_t> m_pushed;
    std::vector<double> m_values;
};

Probe probe_hwmon(const ProbeContext& context);

}  // namespace powerml::sensors
