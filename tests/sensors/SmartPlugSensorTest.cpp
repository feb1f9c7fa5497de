// The meter source against a local HTTP server on 127.0.0.1 standing in for a smart plug.
#include "powerml/sensors/smart_plug_sensor.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "powerml/core/error.hpp"

using namespace powerml::sensors;

namespace {

// Replays recorded reply shapes of Shelly Gen2 and Tasmota; the values change per request.
class FakePlug {
public:
    FakePlug() {
        m_server.Get("/rpc/Switch.GetStatus", [this](const httplib::Request& req, httplib::Response& res) {
            if (req.get_param_value("id") != "0") {
                res.status = 404;
                return;
            }
            const int n = m_requests++;
            res.set_content(R"({"id":0,"source":"init","output":true,"apower":)" + std::to_string(100.5 + n) +
                                R"(,"voltage":229.8,"current":0.52,"aenergy":{"total":)" + std::to_string(1234.5 + n) +
                                R"(,"by_minute":[0,0,0],"minute_ts":1700000000},"temperature":{"tC":40.1}})",
                            "application/json");
        });
        m_server.Get("/cm", [this](const httplib::Request& req, httplib::Response& res) {
            if (req.get_param_value("cmnd") != "Status 8") {
                res.status = 400;
                return;
            }
            if (m_garbled) {
                res.set_content("<html>busy</html>", "text/html");
                return;
            }
            res.set_content(R"({"StatusSNS":{"Time":"2024-03-01T10:00:00","ENERGY":{"TotalStartTime":"2024-01-01T00:00:00",)"
                            R"("Total":12.345,"Yesterday":1.2,"Today":0.3,"Power":87,"ApparentPower":95,"Voltage":231,"Current":0.41}}})",
                            "application/json");
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        for (int i = 0; i < 200 && !m_server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~FakePlug() {
        m_server.stop();
        m_thread.join();
    }
    int port() const { return m_port; }
    std::atomic<bool> m_garbled{false};

private:
    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    std::atomic<int> m_requests{0};
};

}  // namespace

TEST(SmartPlugSensorTest, ShellyGivesPowerAndEnergyCounterInSiUnits) {
    FakePlug plug;
    const Probe probe = probe_smart_plug(ProbeContext{}, "shelly://127.0.0.1:" + std::to_string(plug.port()));
    ASSERT_NE(probe.sensor, nullptr) << probe.reason;
    auto& sensor = *probe.sensor;
    EXPECT_EQ(sensor.name(), "meter");
    const auto signals = sensor.signals();
    ASSERT_EQ(signals.size(), 2u);
    EXPECT_EQ(powerml::record::to_string(signals[0].component), "node");
    EXPECT_EQ(signals[0].contained_in, "METER::WALL_ENERGY");
    EXPECT_EQ(signals[1].kind, SignalKind::counter);
    EXPECT_NE(signals[1].contained_in.find("never summed"), std::string::npos);
    const int p = sensor.push_signal("METER::WALL_POWER", 0);
    const int e = sensor.push_signal("METER::WALL_ENERGY", 0);
    sensor.read_batch();  // request 1 (the probe was request 0)
    EXPECT_DOUBLE_EQ(sensor.sample(p), 101.5);
    EXPECT_NEAR(sensor.sample(e), 1235.5 * 3600.0, 1e-6);
}

TEST(SmartPlugSensorTest, TasmotaGivesPowerAndGarbledReplyReadsNaN) {
    FakePlug plug;
    const Probe probe = probe_smart_plug(ProbeContext{}, "tasmota://127.0.0.1:" + std::to_string(plug.port()));
    ASSERT_NE(probe.sensor, nullptr) << probe.reason;
    ASSERT_EQ(probe.sensor->signals().size(), 1u);
    // the wall overlaps every component sensor: listed and compared, never summed with them
    EXPECT_NE(probe.sensor->signals()[0].contained_in.find("never summed"), std::string::npos);
    const int p = probe.sensor->push_signal("METER::WALL_POWER", 0);
    EXPECT_THROW(probe.sensor->push_signal("METER::WALL_ENERGY", 0), powerml::Error);
    probe.sensor->read_batch();
    EXPECT_DOUBLE_EQ(probe.sensor->sample(p), 87.0);
    plug.m_garbled = true;
    probe.sensor->read_batch();
    EXPECT_TRUE(std::isnan(probe.sensor->sample(p)));
}

TEST(SmartPlugSensorTest, UnconfiguredOrUnreachablePlugIsExplained) {
    ::unsetenv("POWERML_METER_URL");
    const Probe none = probe_smart_plug(ProbeContext{}, std::nullopt);
    EXPECT_EQ(none.sensor, nullptr);
    EXPECT_EQ(none.reason, "no smart plug configured");
    EXPECT_NE(none.remedy.find("POWERML_METER_URL"), std::string::npos);

    int closed_port = 0;
    {
        FakePlug gone;
        closed_port = gone.port();
    }
    const Probe down = probe_smart_plug(ProbeContext{}, "shelly://127.0.0.1:" + std::to_string(closed_port));
    EXPECT_EQ(down.sensor, nullptr);
    EXPECT_NE(down.reason.find("did not answer"), std::string::npos);
    EXPECT_THROW(SmartPlugSensor::parse_url("http://plug"), powerml::Error);
    EXPECT_THROW(SmartPlugSensor::parse_url("shelly://plug:99999"), powerml::Error);
    EXPECT_EQ(SmartPlugSensor::parse_url("tasmota://plug.local:8080/").port, 8080);
}

TEST(SmartPlugSensorTest, ParseNamesMissingField) {
    try {
        SmartPlugSensor::parse(SmartPlugSensor::Kind::tasmota, R"({"StatusSNS":{"ENERGY":{}}})");
        FAIL();
    } catch (const powerml::Error& e) {
        EXPECT_NE(std::string(e.what()).find("StatusSNS.ENERGY.Power"), std::string::npos);
    }
}
