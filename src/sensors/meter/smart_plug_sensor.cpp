#include "powerml/sensors/smart_plug_sensor.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/core/http_transport.hpp"

namespace powerml::sensors {

namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr const char* k_wall_total = "whole machine (overlaps every component sensor; compared, never summed)";

class PluginGet final : public SmartPlugSensor::Http {
public:
    PluginGet(const std::string& host, int port, double timeout_s) {
        http::ConnectionOptions options;
        options.timeout_s = timeout_s;
        options.keep_alive = true;  // one connection for the whole run
        m_connection = http::connect(fmt::format("http://{}:{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, port),
                                     options);
    }
    bool get(const std::string& path, std::string& body, std::string& error) override {
        std::string received;
        const auto result = m_connection->get(path, {}, [&](const char* data, std::size_t n) {
            received.append(data, n);
            return true;
        });
        if (!result.reached) {
            error = result.error;
            return false;
        }
        if (result.status != 200) {
            error = "HTTP status " + std::to_string(result.status);
            return false;
        }
        body = std::move(received);
        return true;
    }

private:
    std::unique_ptr<http::HttpConnection> m_connection;
};

double number_at(const nlohmann::json& doc, const std::vector<std::string>& keys, const std::string& name) {
    const nlohmann::json* node = &doc;
    for (const auto& k : keys) {
        if (!node->is_object() || !node->contains(k)) throw Error("smart plug reply has no " + name);
        node = &(*node)[k];
    }
    if (!node->is_number()) throw Error("smart plug reply: " + name + " is not a number");
    return node->get<double>();
}

}  // namespace

std::unique_ptr<SmartPlugSensor::Http> SmartPlugSensor::http_client(const std::string& host, int port, double timeout_s) {
    return std::make_unique<PluginGet>(host, port, timeout_s);
}

const char* SmartPlugSensor::status_path(Kind kind) {
    return kind == Kind::shelly ? "/rpc/Switch.GetStatus?id=0" : "/cm?cmnd=Status%208";
}

SmartPlugSensor::Reading SmartPlugSensor::parse(Kind kind, const std::string& body) {
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception&) {
        throw Error("smart plug reply is not JSON: '" + body.substr(0, 80) + "'");
    }
    Reading r{};
    if (kind == Kind::shelly) {
        r.power_w = number_at(doc, {"apower"}, "apower");
        // aenergy.total is in Wh (Shelly Gen2 API); J = Wh x 3600.
        if (doc.contains("aenergy")) r.energy_j = number_at(doc, {"aenergy", "total"}, "aenergy.total") * 3600.0;
    } else {
        r.power_w = number_at(doc, {"StatusSNS", "ENERGY", "Power"}, "StatusSNS.ENERGY.Power");
    }
    return r;
}

SmartPlugSensor::Url SmartPlugSensor::parse_url(const std::string& text) {
    Url url;
    std::string rest;
    if (text.rfind("shelly://", 0) == 0) {
        url.kind = Kind::shelly;
        rest = text.substr(9);
    } else if (text.rfind("tasmota://", 0) == 0) {
        url.kind = Kind::tasmota;
        rest = text.substr(10);
    } else {
        throw Error("POWERML_METER_URL: '" + text + "' should be shelly://HOST[:PORT] or tasmota://HOST[:PORT]");
    }
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    const auto colon = rest.rfind(':');
    if (colon != std::string::npos) {
        char* end = nullptr;
        const long port = std::strtol(rest.c_str() + colon + 1, &end, 10);
        if (*end != '\0' || port <= 0 || port > 65535)
            throw Error("POWERML_METER_URL: bad port in '" + text + "'");
        url.port = static_cast<int>(port);
        rest.resize(colon);
    }
    if (rest.empty()) throw Error("POWERML_METER_URL: no host in '" + text + "'");
    url.host = rest;
    return url;
}

SmartPlugSensor::SmartPlugSensor(Kind kind, std::unique_ptr<Http> http, std::string where)
    : m_kind(kind), m_http(std::move(http)), m_where(std::move(where)) {
    std::string body, error;
    if (!m_http->get(status_path(m_kind), body, error))
        throw Error("smart plug at " + m_where + " did not answer " + status_path(m_kind) + ": " + error);
    const Reading r = parse(m_kind, body);
    m_has_energy = r.energy_j.has_value();
}

std::vector<SignalInfo> SmartPlugSensor::signals() const {
    SignalInfo power;
    power.name = "METER::WALL_POWER";
    power.domain = "wall";
    power.unit = record::Unit::watt;
    power.kind = SignalKind::gauge;
    power.resolution = 0.1;
    power.component = record::Component::node;
    power.description = std::string(m_kind == Kind::shelly ? "Shelly apower" : "Tasmota ENERGY.Power") + " from " + m_where;
    // The wall sees every component the other sensors report: listed and compared with their
    // sum (wall correction), never added to it.
    power.contained_in = k_wall_total;
    std::vector<SignalInfo> out{power};
    if (m_has_energy) {
        out[0].contained_in = "METER::WALL_ENERGY";  // the counter is the energy source; power cross-checks it
        SignalInfo energy = power;
        energy.name = "METER::WALL_ENERGY";
        energy.unit = record::Unit::joule;
        energy.kind = SignalKind::counter;
        energy.resolution = 3.6;  // 0.001 Wh
        energy.contained_in = k_wall_total;
        energy.description = "Shelly aenergy.total (Wh since the plug's last reset) from " + m_where;
        out.push_back(energy);
    }
    return out;
}

int SmartPlugSensor::push_signal(std::string_view signal, int domain_idx) {
    int which = -1;
    if (signal == "METER::WALL_POWER") which = 0;
    if (signal == "METER::WALL_ENERGY" && m_has_energy) which = 1;
    if (which < 0 || domain_idx != 0) throw Error("meter: no signal " + std::string(signal));
    m_pushed.push_back(which);
    return static_cast<int>(m_pushed.size() - 1);
}

void SmartPlugSensor::read_batch() {
    m_power = m_energy = k_nan;
    if (m_pushed.empty()) return;
    std::string body, error;
    if (!m_http->get(status_path(m_kind), body, error)) return;
    try {
        const Reading r = parse(m_kind, body);
        m_power = r.power_w;
        if (r.energy_j) m_energy = *r.energy_j;
    } catch (const Error&) {
        // a garbled reply is a read failure: NaN, counted by the sampler
    }
}

double SmartPlugSensor::sample(int handle) const {
    if (handle < 0 || static_cast<std::size_t>(handle) >= m_pushed.size()) return k_nan;
    return m_pushed[static_cast<std::size_t>(handle)] == 0 ? m_power : m_energy;
}

Probe probe_smart_plug(const ProbeContext& /*context*/, const std::optional<std::string>& url_text) {
    Probe probe;
    probe.source = "meter";
    std::optional<std::string> text = url_text;
    if (!text) {
        if (const char* env = std::getenv("POWERML_METER_URL"); env && *env) text = env;
    }
    if (!text) {
        probe.reason = "no smart plug configured";
        probe.remedy = "set POWERML_METER_URL=shelly://HOST or tasmota://HOST, or import a meter log "
                       "(see docs/reference/sensors-meter.md)";
        return probe;
    }
    try {
        const auto url = SmartPlugSensor::parse_url(*text);
        auto sensor = std::make_unique<SmartPlugSensor>(url.kind, SmartPlugSensor::http_client(url.host, url.port),
                                                        url.host + ":" + std::to_string(url.port));
        probe.detail = *text;
        probe.sensor = std::move(sensor);
    } catch (const Error& e) {
        probe.reason = e.what();
        probe.remedy = "check that the plug is on, reachable from this machine, and that POWERML_METER_URL names it";
    }
    return probe;
}

}  // namespace powerml::sensors
