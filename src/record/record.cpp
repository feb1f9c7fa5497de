#include <array>
#include <utility>

#include "powerml/record/run_record.hpp"
#include "powerml/record/run_summary.hpp"
#include "powerml/record/timeline.hpp"

namespace powerml::record {

namespace {

constexpr std::array<std::pair<Unit, std::string_view>, 10> k_unit_symbols{{
    {Unit::joule, "J"},
    {Unit::watt, "W"},
    {Unit::second, "s"},
    {Unit::byte, "B"},
    {Unit::ratio, "ratio"},
    {Unit::celsius, "C"},
    {Unit::hertz, "Hz"},
    {Unit::volt, "V"},
    {Unit::ampere, "A"},
    {Unit::count, "count"},
}};

constexpr std::array<std::pair<Component, std::string_view>, 8> k_component_names{{
    {Component::none, ""},
    {Component::cpu, "cpu"},
    {Component::dram, "dram"},
    {Component::gpu, "gpu"},
    {Component::psys, "psys"},
    {Component::node, "node"},
    {Component::soc, "soc"},
    {Component::other, "other"},
}};

}  // namespace

std::string_view to_string(Unit unit) {
    for (const auto& [u, symbol] : k_unit_symbols)
        if (u == unit) return symbol;
    return "?";
}

std::optional<Unit> unit_from_string(std::string_view symbol) {
    for (const auto& [u, s] : k_unit_symbols)
        if (s == symbol) return u;
    return std::nullopt;
}

std::string_view to_string(Component component) {
    for (const auto& [c, name] : k_component_names)
        if (c == component) return name;
    return "";
}

std::optional<Component> component_from_string(std::string_view name) {
    if (name == "ram" || name == "memory") return Component::dram;
    for (const auto& [c, n] : k_component_names)
        if (n == name) return c;
    return std::nullopt;
}

std::string_view to_string(Provenance provenance) { return provenance == Provenance::model ? "model" : "hardware"; }

std::string_view to_string(EnergyKind kind) {
    switch (kind) {
        case EnergyKind::counter: return "counter";
        case EnergyKind::integrated_power: return "integrated-power";
        case EnergyKind::model: return "model";
        case EnergyKind::none: break;
    }
    return "none";
}

EnergyKind energy_kind_from_string(std::string_view text) {
    if (text == "counter") return EnergyKind::counter;
    if (text == "integrated-power") return EnergyKind::integrated_power;
    if (text == "model") return EnergyKind::model;
    return EnergyKind::none;
}

std::string Channel::column() const { return info.name + "@" + info.domain; }

std::string_view to_string(IdleShare policy) {
    switch (policy) {
        case IdleShare::busy: return "busy";
        case IdleShare::allocated: return "allocated";
        case IdleShare::none: return "none";
    }
    return "busy";
}

std::optional<IdleShare> idle_share_from_string(std::string_view text) {
    if (text == "busy") return IdleShare::busy;
    if (text == "allocated") return IdleShare::allocated;
    if (text == "none") return IdleShare::none;
    return std::nullopt;
}

std::string_view to_string(DramShare policy) { return policy == DramShare::memory ? "memory" : "cpu"; }

std::optional<DramShare> dram_share_from_string(std::string_view text) {
    if (text == "cpu") return DramShare::cpu;
    if (text == "memory") return DramShare::memory;
    return std::nullopt;
}

std::string rank_phase_name(int rank, std::string_view name) {
    return "rank" + std::to_string(rank) + "/" + std::string(name);
}

std::string_view phase_lane(std::string_view name) {
    if (!name.starts_with("rank")) return {};
    const std::size_t slash = name.find('/');
    if (slash == std::string_view::npos || slash == 4) return {};
    for (std::size_t i = 4; i < slash; ++i)
        if (name[i] < '0' || name[i] > '9') return {};
    return name.substr(0, slash);
}

std::string_view phase_bare_name(std::string_view name) {
    const std::string_view lane = phase_lane(name);
    return lane.empty() ? name : name.substr(lane.size() + 1);
}

std::string_view to_string(EnergyBasis basis) { return basis == EnergyBasis::net ? "net" : "gross"; }

std::string_view describe(EnergyBasis basis) {
    return basis == EnergyBasis::net ? "net energy (gross minus idle baseline)" : "gross energy (no idle baseline measured)";
}

}  // namespace powerml::record
