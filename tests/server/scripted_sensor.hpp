#pragma once
// A sensor with known readings for the server tests: a CPU package energy counter that rises
// at 50 W of wall time, and a GPU power gauge fixed at 30 W.
#include <chrono>
#include <memory>

#include "powerml/server/live_power.hpp"

namespace powerml::test {

class ScriptedServerSensor final : public sensors::Sensor {
public:
    std::string_view name() const noexcept override { return "scripted"; }
    std::vector<record::SignalInfo> signals() const override {
        record::SignalInfo energy;
        energy.name = "SCRIPTED::PKG_ENERGY";
        energy.domain = "package-0";
        energy.unit = powerml::record::Unit::joule;
        energy.kind = record::SignalKind::counter;
        energy.component = powerml::record::Component::cpu;
        record::SignalInfo power;
        power.name = "SCRIPTED::GPU_POWER";
        power.domain = "gpu-0";
        power.unit = powerml::record::Unit::watt;
        power.kind = record::SignalKind::gauge;
        power.component = powerml::record::Component::gpu;
        return {energy, power};
    }
    int push_signal(std::string_view signal, int) override { return signal == "SCRIPTED::PKG_ENERGY" ? 0 : 1; }
    void read_batch() override {
        m_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
    }
    double sample(int handle) const override { return handle == 0 ? 50.0 * m_seconds : 30.0; }

private:
    std::chrono::steady_clock::time_point m_t0 = std::chrono::steady_clock::now();
    double m_seconds = 0;
};

inline std::unique_ptr<server::LivePower> scripted_live_power(double interval_s = 0.05) {
    std::vector<std::unique_ptr<sensors::Sensor>> s;
    s.push_back(std::make_unique<ScriptedServerSensor>());
    return std::make_unique<server::LivePower>(std::move(s), interval_s);
}

}  // namespace powerml::test
