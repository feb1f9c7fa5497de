#include "powerml/sensors/counter_protocol.hpp"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"

namespace powerml::sensors::counter_protocol {

namespace {

using nlohmann::json;

json parse_answer(const std::string& line) {
    json answer = json::parse(line, nullptr, false);
    if (answer.is_discarded() || !answer.is_object())
        throw Error("the counter daemon sent an answer that is not JSON: '" + line.substr(0, 80) + "'");
    if (answer.contains("error")) throw Error(answer["error"].is_string() ? answer["error"].get<std::string>() : "error");
    return answer;
}

}  // namespace

std::string hello_line(const Hello& hello) {
    json signals = json::array();
    for (const auto& s : hello.signals) {
        signals.push_back({{"name", s.name},           {"domain_idx", s.domain_idx}, {"domain", s.domain},
                           {"unit", std::string(record::to_string(s.unit))},           {"counter", s.kind == SignalKind::counter},
                           {"wrap_at", s.wrap_at},     {"resolution", s.resolution},
                           {"component", std::string(record::to_string(s.component))}, {"contained_in", s.contained_in},
                           {"description", s.description}});
    }
    return json{{"protocol", k_version},  {"source", hello.source},     {"instance", hello.instance},
                {"absolute", hello.absolute}, {"signals", std::move(signals)}}
        .dump();
}

std::string values_line(const std::vector<double>& values) {
    json list = json::array();
    for (double v : values) list.push_back(std::isfinite(v) ? json(v) : json(nullptr));
    return json{{"values", std::move(list)}}.dump();
}

std::string error_line(const std::string& message) { return json{{"error", message}}.dump(); }

Hello parse_hello(const std::string& line) {
    const json answer = parse_answer(line);
    try {
        if (answer.at("protocol").get<int>() != k_version)
            throw Error("the counter daemon speaks protocol " + answer.at("protocol").dump() + ", this powerml " +
                        std::to_string(k_version) + ": install the same PowerML version for both");
        Hello hello;
        hello.source = answer.at("source").get<std::string>();
        hello.instance = answer.at("instance").get<std::string>();
        hello.absolute = answer.at("absolute").get<bool>();
        for (const auto& s : answer.at("signals")) {
            SignalInfo info;
            info.name = s.at("name").get<std::string>();
            info.domain_idx = s.at("domain_idx").get<int>();
            info.domain = s.at("domain").get<std::string>();
            info.unit = record::unit_from_string(s.at("unit").get<std::string>()).value_or(record::Unit::count);
            info.kind = s.at("counter").get<bool>() ? SignalKind::counter : SignalKind::gauge;
            info.wrap_at = s.at("wrap_at").get<double>();
            info.resolution = s.at("resolution").get<double>();
            info.component = record::component_from_string(s.at("component").get<std::string>()).value_or(record::Component::other);
            info.contained_in = s.at("contained_in").get<std::string>();
            info.description = s.at("description").get<std::string>();
            info.provenance = Provenance::hardware;
            hello.signals.push_back(std::move(info));
        }
        return hello;
    } catch (const json::exception& e) {
        throw Error(std::string("the counter daemon's hello lacks a field: ") + e.what());
    }
}

std::vector<double> parse_values(const std::string& line, std::size_t expected) {
    const json answer = parse_answer(line);
    if (!answer.contains("values") || !answer["values"].is_array() || answer["values"].size() != expected)
        throw Error("the counter daemon answered " + line.substr(0, 80) + " where " + std::to_string(expected) +
                    " values were expected");
    std::vector<double> values;
    for (const auto& v : answer["values"])
        values.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
    return values;
}

}  // namespace powerml::sensors::counter_protocol
