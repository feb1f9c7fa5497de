#include "powerml/sensors/hwmon_sensor.hpp"

#include <cctype>
#include <cmath>
#include <limits>
#include <regex>

#include "../common/sysfs_number.hpp"
#include "powerml/core/error.hpp"

namespace powerml::sensors {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Which component a chip/label pair most likely accounts for. Guesses stay coarse on purpose:
// "other" is listed but never summed into a component total.
std::string component_for(const std::string& chip, const std::string& label) {
    const std::string c = lower(chip), l = lower(label);
    if (c.find("amdgpu") != std::string::npos || c.find("nouveau") != std::string::npos ||
        l.find("gpu") != std::string::npos)
        return "gpu";
    if (c.find("amd_energy") != std::string::npos || c.find("zenergy") != std::string::npos ||
        l.find("cpu") != std::string::npos || l.find("socket") != std::string::npos || l.find("pkg") != std::string::npos ||
        l.find("core") != std::string::npos)
        return "cpu";
    if (l.find("dram") != std::string::npos || l.find("ddr") != std::string::npos || l.find("mem") != std::string::npos)
        return "dram";
    if (l.find("psu") != std::string::npos || l.find("total") != std::string::npos || l.find("input") != std::string::npos ||
        c.find("power_meter") != std::string::npos || c.find("acpi") != std::string::npos)
        return "node";
    return "other";
}

void scan_folder(const std::filesystem::path& folder, const std::string& chip, std::vector<HwmonSensor::Channel>& out,
                 std::vector<std::string>& unreadable) {
    static const std::regex pattern(R"((power|energy)(\d+)_(input|average))");
    std::vector<std::string> power_inputs;  // indices with power*_input: their _average is skipped
    std::vector<std::string> names;
    for (const auto& file : detail::sorted_entries(folder)) names.push_back(file.filename().string());
    for (const auto& name : names) {
        std::smatch m;
        if (!std::regex_match(name, m, pattern)) continue;
        if (m[1] == "energy" && m[3] == "average") continue;
        if (m[1] == "power" && m[3] == "input") power_inputs.push_back(m[2]);
    }
    for (const auto& name : names) {
        std::smatch m;
        if (!std::regex_match(name, m, pattern)) continue;
        const bool energy = m[1] == "energy";
        if (energy && m[3] == "average") continue;
        const std::string index = m[2];
        if (!energy && m[3] == "average" &&
            std::find(power_inputs.begin(), power_inputs.end(), index) != power_inputs.end())
            continue;
        const auto file = folder / name;
        double probe_value = 0;
        if (!detail::read_number(file, probe_value)) {
            if (detail::exists_but_unreadable(file)) unreadable.push_back(file.string());
            continue;
        }
        std::string label;
        if (!detail::read_trimmed(folder / (std::string(m[1]) + index + "_label"), label) || label.empty())
            label = std::string(m[1]) + index;
        HwmonSensor::Channel ch;
        ch.file = file;
        ch.scale = 1e-6;  // uW and uJ (Documentation/hwmon/sysfs-interface)
        ch.info.name = energy ? "HWMON::ENERGY" : "HWMON::POWER";
        ch.info.domain = chip + "/" + label;
        ch.info.unit = energy ? record::Unit::joule : record::Unit::watt;
        ch.info.kind = energy ? SignalKind::counter : SignalKind::gauge;
        ch.info.resolution = 1e-6;
        ch.info.component = record::component_from_string(component_for(chip, label)).value_or(record::Component::other);
        if (ch.info.component == record::Component::cpu && lower(label).find("core") != std::string::npos)
            ch.info.contained_in = ch.info.name + " " + chip + "/socket";  // per-core inside the socket total
        // A whole-machine reading (ACPI power meter, PSU) overlaps RAPL, NVML and the models:
        // listed for comparison, never summed with them.
        if (ch.info.component == record::Component::node)
            ch.info.contained_in = "whole machine (overlaps every component sensor; compared, never summed)";
        // Unknown rails (VRMs, fans, boards) may be parts of what RAPL or NVML already count.
        if (ch.info.component == record::Component::other)
            ch.info.contained_in = "unknown part of the machine (may overlap other sensors; listed, never summed)";
        ch.info.description = std::string(energy ? "energy counter " : "power ") + file.string() +
                              (m[3] == "average" ? " (chip-averaged)" : "");
        out.push_back(std::move(ch));
    }
}

}  // namespace

std::vector<HwmonSensor::Channel> HwmonSensor::discover(const std::filesystem::path& sysfs_root,
                                                        std::vector<std::string>& unreadable) {
    std::vector<Channel> channels;
    for (const auto& hw : detail::sorted_entries(sysfs_root / "class" / "hwmon")) {
        std::string chip;
        if (!detail::read_trimmed(hw / "name", chip) && !detail::read_trimmed(hw / "device" / "name", chip))
            chip = hw.filename().string();
        // INA3221 rails are voltage x current: the jetson source reports them.
        if (chip.rfind("ina3221", 0) == 0) continue;
        scan_folder(hw, chip, channels, unreadable);
        scan_folder(hw / "device", chip, channels, unreadable);  // pre-3.x drivers kept files there
    }
    int power_idx = 0, energy_idx = 0;
    for (auto& ch : channels) ch.info.domain_idx = ch.info.name == "HWMON::POWER" ? power_idx++ : energy_idx++;
    return channels;
}

HwmonSensor::HwmonSensor(std::vector<Channel> channels) : m_channels(std::move(channels)) {}

std::vector<SignalInfo> HwmonSensor::signals() const {
    std::vector<SignalInfo> out;
    for (const auto& ch : m_channels) out.push_back(ch.info);
    return out;
}

int HwmonSensor::push_signal(std::string_view signal, int domain_idx) {
    for (std::size_t i = 0; i < m_channels.size(); ++i) {
        if (m_channels[i].info.name == signal && m_channels[i].info.domain_idx == domain_idx) {
            m_pushed.push_back(i);
            m_values.push_back(k_nan);
            return static_cast<int>(m_pushed.size() - 1);
        }
    }
    throw Error("hwmon: no signal " + std::string(signal) + " with domain " + std::to_string(domain_idx));
}

void HwmonSensor::read_batch() {
    for (std::size_t h = 0; h < m_pushed.size(); ++h) {
        const auto& ch = m_channels[m_pushed[h]];
        double raw = 0;
        m_values[h] = detail::read_number(ch.file, raw) ? raw * ch.scale : k_nan;
    }
}

double HwmonSensor::sample(int handle) const {
    if (handle < 0 || static_cast<std::size_t>(handle) >= m_values.size()) return k_nan;
    return m_values[static_cast<std::size_t>(handle)];
}

Probe probe_hwmon(const ProbeContext& context) {
    Probe probe;
    probe.source = "hwmon";
    std::vector<std::string> unreadable;
    auto channels = HwmonSensor::discover(context.sysfs_root, unreadable);
    if (channels.empty()) {
        if (!unreadable.empty()) {
            probe.reason = "permission denied reading " + unreadable.front();
            probe.remedy = "run as root, or add a udev rule that makes the hwmon power/energy files readable";
        } else {
            probe.reason = "no hwmon power or energy sensor under " + (context.sysfs_root / "class/hwmon").string();
            probe.remedy = "none needed on machines without one; boards with a sensor need its driver loaded "
                           "(e.g. ina2xx, amd_energy)";
        }
        return probe;
    }
    for (const auto& ch : channels) {
        if (!probe.detail.empty()) probe.detail += ", ";
        probe.detail += ch.info.domain + " (" + std::string(record::to_string(ch.info.unit)) + ")";
    }
    probe.sensor = std::make_unique<HwmonSensor>(std::move(channels));
    return probe;
}

}  // namespace powerml::sensors
