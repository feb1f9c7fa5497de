#pragma once
// The /metrics page in Prometheus text exposition format 0.0.4: energy counters and power
// gauges per channel, the node's totals, grid intensity, emissions and sampler health.
// Names follow Prometheus conventions (powerml_ prefix, base units, _total on counters, no
// type in a name) and pass `promtool check metrics`; energy and power are named as Kepler
// names them (*_joules_total counters, *_watts gauges). Renames: docs/reference/http-api.md.
#include <optional>
#include <string>
#include <vector>

#include "powerml/record/timeline.hpp"
#include "powerml/server/live_power.hpp"

namespace powerml::server {

struct IntensityNow {
    std::string zone;
    std::string source;  // "embedded", "electricitymaps", ...
    std::string kind;    // measured | estimated | forecast
    double g_per_kwh = 0.0;
};

class MetricsPage {
public:
    static constexpr const char* k_content_type = "text/plain; version=0.0.4; charset=utf-8";

    static std::string render(const std::vector<record::Channel>& channels, const LivePower::Reading& reading,
                              double interval_s, const std::optional<IntensityNow>& intensity,
                              const std::string& version);

    // A label value with \ " and newline escaped as the format requires.
    static std::string escape(const std::string& value);
};

}  // namespace powerml::server
