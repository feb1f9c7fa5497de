#pragma once
// `jetson`: power rails of NVIDIA Jetson and other edge boards measured by TI INA3221
// shunt monitors (/sys/bus/i2c/drivers/ina3221*/<dev>/hwmon/hwmon*/). Each labelled channel
// gives bus voltage (in*_input, mV) and current (curr*_input, mA); power = V x I. Reported as
// JETSON::RAIL_POWER (W, gauge) plus JETSON::RAIL_VOLTAGE (V) and JETSON::RAIL_CURRENT (A).
// The board input rail (VDD_IN, POM_5V_IN) is the node total; other rails are inside it.
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

class JetsonRailSensor final : public Sensor {
public:
    struct Rail {
        std::string label;  // "VDD_IN", "VDD_CPU_GPU_CV", "VDD_SOC"
        std::filesystem::path voltage_file;  // in*_input, mV
        std::filesystem::path current_file;  // curr*_input, mA
        std::string component;
        std::string contained_in;
    };

    static std::vector<Rail> discover(const std::filesystem::path& sysfs_root);
    explicit JetsonRailSensor(std::vector<Rail> rails);

    std::string_view name() const noexcept override { return "jetson"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;

private:
    enum class What { power, voltage, current };
    std::vector<Rail> m_rails;
    std::vector<std::pair<std::size_t, What>> m_pushed;
    std::vector<double> m_values;
};

Probe probe_jetson(const ProbeContext& context);

}  // namespace powerml::sensors
