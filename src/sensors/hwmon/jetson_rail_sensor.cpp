#include "powerml/sensors/jetson_rail_sensor.hpp"

#include <cctype>
#include <limits>

#include "../common/sysfs_number.hpp"
#include "powerml/core/error.hpp"

namespace powerml::sensors {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

bool is_input_rail(const std::string& label) {
    const std::string u = upper(label);
    return u == "VDD_IN" || u == "POM_5V_IN" || u.find("_IN") == u.size() - 3;
}

std::string component_for(const std::string& label) {
    const std::string u = upper(label);
    if (is_input_rail(label)) return "node";
    const bool gpu = u.find("GPU") != std::string::npos, cpu = u.find("CPU") != std::string::npos;
    if (gpu && cpu) return "soc";  // Orin's VDD_CPU_GPU_CV feeds both
    if (gpu) return "gpu";
    if (cpu) return "cpu";
    if (u.find("DDR") != std::string::npos || u.find("VDDQ") != std::string::npos || u.find("MEM") != std::string::npos)
        return "dram";
    if (u.find("SOC") != std::string::npos) return "soc";
    return "other";
}

}  // namespace

std::vector<JetsonRailSensor::Rail> JetsonRailSensor::discover(const std::filesystem::path& sysfs_root) {
    std::vector<Rail> rails;
    for (const auto& driver : detail::sorted_entries(sysfs_root / "bus" / "i2c" / "drivers")) {
        if (driver.filename().string().rfind("ina3221", 0) != 0) continue;
        for (const auto& device : detail::sorted_entries(driver)) {
            for (const auto& hw : detail::sorted_entries(device / "hwmon")) {
                for (int channel = 1; channel <= 8; ++channel) {
                    const std::string n = std::to_string(channel);
                    Rail rail;
                    rail.voltage_file = hw / ("in" + n + "_input");
                    rail.current_file = hw / ("curr" + n + "_input");
                    double probe = 0;
                    if (!detail::read_number(rail.voltage_file, probe) || !detail::read_number(rail.current_file, probe))
                        continue;  // unconnected channel
                    if (!detail::read_trimmed(hw / ("in" + n + "_label"), rail.label) || rail.label.empty())
                        rail.label = device.filename().string() + "/channel-" + n;
                    // The driver's "sum of shunt voltages" channel is not a rail.
                    if (upper(rail.label).rfind("SUM", 0) == 0) continue;
                    rail.component = component_for(rail.label);
                    rails.push_back(std::move(rail));
                }
            }
        }
    }
    std::string input;
    for (const auto& r : rails)
        if (r.component == "node" && input.empty()) input = r.label;
    for (auto& r : rails)
        if (!input.empty() && r.label != input) r.contained_in = "JETSON::RAIL_POWER " + input;
    return rails;
}

JetsonRailSensor::JetsonRailSensor(std::vector<Rail> rails) : m_rails(std::move(rails)) {}

std::vector<SignalInfo> JetsonRailSensor::signals() const {
    std::vector<SignalInfo> out;
    for (std::size_t i = 0; i < m_rails.size(); ++i) {
        const Rail& r = m_rails[i];
        SignalInfo power;
        power.name = "JETSON::RAIL_POWER";
        power.domain_idx = static_cast<int>(i);
        power.domain = r.label;
        power.unit = record::Unit::watt;
        power.kind = SignalKind::gauge;
        power.resolution = 1e-3 * 1e-3;  // 1 mV x 1 mA
        power.component = record::component_from_string(r.component).value_or(record::Component::other);
        power.contained_in = r.contained_in;
        power.description = "INA3221 rail " + r.label + ": bus voltage x current";
        SignalInfo volts = power, amps = power;
        volts.name = "JETSON::RAIL_VOLTAGE";
        volts.unit = record::Unit::volt;
        volts.resolution = 1e-3;
        amps.name = "JETSON::RAIL_CURRENT";
        amps.unit = record::Unit::ampere;
        amps.resolution = 1e-3;
        for (SignalInfo* s : {&volts, &amps}) {
            s->component = record::Component::none;  // usage-like readings, never energy
            s->contained_in.clear();
        }
        out.push_back(std::move(power));
        out.push_back(std::move(volts));
        out.push_back(std::move(amps));
    }
    return out;
}

int JetsonRailSensor::push_signal(std::string_view signal, int domain_idx) {
    What what;
    if (signal == "JETSON::RAIL_POWER") what = What::power;
    else if (signal == "JETSON::RAIL_VOLTAGE") what = What::voltage;
    else if (signal == "JETSON::RAIL_CURRENT") what = What::current;
    else throw Error("jetson: no signal " + std::string(signal));
    if (domain_idx < 0 || static_cast<std::size_t>(domain_idx) >= m_rails.size())
        throw Error("jetson: no rail " + std::to_string(domain_idx));
    m_pushed.emplace_back(static_cast<std::size_t>(domain_idx), what);
    m_values.push_back(k_nan);
    return static_cast<int>(m_pushed.size() - 1);
}

void JetsonRailSensor::read_batch() {
    // Power, voltage and current of one rail share two files: read each rail once per batch.
    std::vector<std::pair<double, double>> mv_ma(m_rails.size(), {k_nan, k_nan});
    std::vector<bool> read(m_rails.size(), false);
    for (std::size_t h = 0; h < m_pushed.size(); ++h) {
        const auto& [rail_idx, what] = m_pushed[h];
        if (!read[rail_idx]) {
            read[rail_idx] = true;
            auto& [mv, ma] = mv_ma[rail_idx];
            if (!detail::read_number(m_rails[rail_idx].voltage_file, mv)) mv = k_nan;
            if (!detail::read_number(m_rails[rail_idx].current_file, ma)) ma = k_nan;
        }
        const auto [mv, ma] = mv_ma[rail_idx];
        // NaN propagates: a rail whose file failed reads NaN until the next good read.
        m_values[h] = what == What::power ? mv * ma * 1e-6 : what == What::voltage ? mv * 1e-3 : ma * 1e-3;
    }
}

double JetsonRailSensor::sample(int handle) const {
    if (handle < 0 || static_cast<std::size_t>(handle) >= m_values.size()) return k_nan;
    return m_values[static_cast<std::size_t>(handle)];
}

Probe probe_jetson(const ProbeContext& context) {
    Probe probe;
    probe.source = "jetson";
    auto rails = JetsonRailSensor::discover(context.sysfs_root);
    if (rails.empty()) {
        probe.reason = "no INA3221 power monitor under " + (context.sysfs_root / "bus/i2c/drivers").string();
        probe.remedy = "only NVIDIA Jetson and similar edge boards have one; on such a board, load the ina3221 driver";
        return probe;
    }
    for (const auto& r : rails) probe.detail += (probe.detail.empty() ? "" : ", ") + r.label;
    probe.sensor = std::make_unique<JetsonRailSensor>(std::move(rails));
    return probe;
}

}  // namespace powerml::sensors
