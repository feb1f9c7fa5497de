#pragma once
// The counter daemon's wire format (powerml serve --socket, powerml-serve(8)): one request
// line, one answer line of JSON, on a Unix stream socket kept open.
//   "hello" -> {"protocol":1,"source":"rapl","instance":"...","absolute":true,"signals":[...]}
//   "read"  -> {"values":[J or null, ...]}  (in the order of "signals")
//   refusals and faults -> {"error":"..."}
// Values are the raw counters with their wrap range and resolution, so the client's sampler
// computes energy, wraps and uncertainty exactly as from a direct reading.
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors::counter_protocol {

inline constexpr int k_version = 1;
inline constexpr const char* k_default_socket = "/run/powerml/powerml.sock";

struct Hello {
    std::string source;    // the daemon's own source: "rapl", "rapl_perf", "rapl_msr"
    std::string instance;  // changes when the daemon restarts
    // True when the values are the hardware's registers (powercap, MSR), which survive a daemon
    // restart; false when they count from when the daemon opened them (perf_event).
    bool absolute = true;
    std::vector<SignalInfo> signals;
};

std::string hello_line(const Hello& hello);
std::string values_line(const std::vector<double>& values);  // NaN -> null
std::string error_line(const std::string& message);
// Parse an answer; an {"error"} answer or a malformed one throws Error with the daemon's words.
Hello parse_hello(const std::string& line);
std::vector<double> parse_values(const std::string& line, std::size_t expected);

}  // namespace powerml::sensors::counter_protocol
