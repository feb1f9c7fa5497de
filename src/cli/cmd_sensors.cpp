// powerml sensors [--format text|json]: every power and usage source PowerML knows, whether it
// works on this machine, and if not, why and what to do about it.
#include <cstdio>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/sensors/builtin.hpp"

namespace powerml::cli {

namespace {

const char* kind_text(record::SignalKind kind) { return kind == record::SignalKind::counter ? "counter" : "gauge"; }

nlohmann::json to_json(const sensors::Probe& probe) {
    nlohmann::json j{{"source", probe.source}, {"usable", probe.sensor != nullptr}};
    if (!probe.reason.empty()) j["reason"] = probe.reason;
    if (!probe.remedy.empty()) j["remedy"] = probe.remedy;
    if (!probe.detail.empty()) j["detail"] = probe.detail;
    nlohmann::json signals = nlohmann::json::array();
    if (probe.sensor) {
        for (const auto& s : probe.sensor->signals()) {
            nlohmann::json sj{{"name", s.name},
                              {"domain_idx", s.domain_idx},
                              {"domain", s.domain},
                              {"unit", std::string(record::to_string(s.unit))},
                              {"kind", kind_text(s.kind)},
                              {"provenance", s.provenance == record::Provenance::model ? "model" : "hardware"}};
            if (s.kind == record::SignalKind::counter) sj["wrap_at"] = s.wrap_at;
            if (s.resolution > 0) sj["resolution"] = s.resolution;
            if (s.component != record::Component::none) sj["component"] = std::string(record::to_string(s.component));
            if (!s.contained_in.empty()) sj["contained_in"] = s.contained_in;
            if (!s.model_id.empty()) sj["model_id"] = s.model_id;
            if (s.relative_uncertainty > 0) sj["relative_uncertainty"] = s.relative_uncertainty;
            if (!s.description.empty()) sj["description"] = s.description;
            signals.push_back(std::move(sj));
        }
    }
    j["signals"] = std::move(signals);
    return j;
}

void print_text(const std::vector<sensors::Probe>& probes) {
    for (const auto& probe : probes) {
        if (probe.sensor) {
            fmt::print("{:<10} usable     {}\n", probe.source, probe.detail);
            for (const auto& s : probe.sensor->signals()) {
                std::string extra = s.component == record::Component::none ? "" : " " + std::string(record::to_string(s.component));
                if (!s.contained_in.empty()) extra += " (inside " + s.contained_in + ")";
                fmt::print("    {:<26} {:<20} {:<5} {:<7}{}\n", s.name, s.domain, record::to_string(s.unit), kind_text(s.kind), extra);
            }
        } else {
            fmt::print("{:<10} not usable {}\n", probe.source, probe.reason);
            if (!probe.remedy.empty()) fmt::print("{:<10}   remedy:  {}\n", "", probe.remedy);
        }
    }
}

}  // namespace

void add_sensors_command(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("sensors", "List power and usage sources, their signals, and why any is unusable here");
    auto format = std::make_shared<std::string>("text");
    cmd->add_option("--format", *format, "text or json")->check(CLI::IsMember({"text", "json"}));
    cmd->callback([format, &exit_code] {
        const auto probes = sensors::probe_all(sensors::default_probe_context());
        if (*format == "json") {
            nlohmann::json doc{{"schema", "powerml.sensors/1"}, {"sources", nlohmann::json::array()}};
            for (const auto& p : probes) doc["sources"].push_back(to_json(p));
            fmt::print("{}\n", doc.dump(2));
        } else {
            print_text(probes);
        }
        std::fflush(stdout);
        exit_code = 0;
    });
}

}  // namespace powerml::cli
