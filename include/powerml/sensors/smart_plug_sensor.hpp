#pragma once
// `meter`: a smart plug between the wall and the machine, read live over HTTP.
//  - Shelly Gen2+ (`GET /rpc/Switch.GetStatus?id=0`): `apower` (W) and `aenergy.total` (Wh,
//    a counter) -> METER::WALL_POWER and METER::WALL_ENERGY.
//  - Tasmota (`GET /cm?cmnd=Status%208`): `StatusSNS.ENERGY.Power` (W) -> METER::WALL_POWER.
// Configured by POWERML_METER_URL = shelly://HOST[:PORT] or tasmota://HOST[:PORT]. The plug
// measures the whole machine (component "node"); the sensors inside it are what it contains.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

class SmartPlugSensor final : public Sensor {
public:
    enum class Kind { shelly, tasmota };

    // The HTTP GET the sensor needs, injected so tests point it anywhere.
    class Http {
    public:
        virtual ~Http() = default;
        // Fetches `path`; false with `error` set on a connection failure or non-200 status.
        virtual bool get(const std::string& path, std::string& body, std::string& error) = 0;
    };
    // HTTP client (http::connect) with a short timeout (a slow plug must not stall the sampler).
    static std::unique_ptr<Http> http_client(const std::string& host, int port, double timeout_s = 1.0);

    struct Reading {
        double power_w;
        std::optional<double> energy_j;  // Shelly only
    };
    // Parse one status document; throws Error naming the missing field.
    static Reading parse(Kind kind, const std::string& body);
    static const char* status_path(Kind kind);

    struct Url {
        Kind kind;
        std::string host;
        int port = 80;
    };
    // "shelly://192.168.1.20", "tasmota://plug.local:8080". Throws Error on anything else.
    static Url parse_url(const std::string& text);

    // Reads the plug once to learn what it offers; throws Error when it does not answer.
    SmartPlugSensor(Kind kind, std::unique_ptr<Http> http, std::string where);

    std::string_view name() const noexcept override { return "meter"; }
    std::vector<SignalInfo> signals() const override;
    int push_signal(std::string_view signal, int domain_idx) override;
    void read_batch() override;
    double sample(int handle) const override;

private:
    Kind m_kind;
    std::unique_ptr<Http> m_http;
    std::string m_where;
    bool m_has_energy = false;
    std::vector<int> m_pushed;  // 0 power, 1 energy
    double m_power = 0, m_energy = 0;
};

// Unusable with "no smart plug configured" unless POWERML_METER_URL is set (or `url` given).
Probe probe_smart_plug(const ProbeContext& context, const std::optional<std::string>& url);

}  // namespace powerml::sensors
