#include "powerml/core/units.hpp"
#include "powerml/power_models/power_model.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

namespace powerml::power_models {

namespace {
constexpr std::array<std::pair<ComponentKind, std::string_view>, 6> k_kinds{{{ComponentKind::cpu, "cpu"},
                                                                             {ComponentKind::gpu, "gpu"},
                                                                             {ComponentKind::dram, "dram"},
                                                                             {ComponentKind::accelerator, "accelerator"},
                                                                             {ComponentKind::nic, "nic"},
                                                                             {ComponentKind::node, "node"}}};
constexpr std::array<std::pair<Form, std::string_view>, 6> k_forms{{{Form::constant, "constant"},
                                                                    {Form::linear, "linear"},
                                                                    {Form::piecewise, "piecewise"},
                                                                    {Form::power, "power"},
                                                                    {Form::dram, "dram"},
                                                                    {Form::network, "network"}}};
constexpr std::array<std::pair<Scale, std::string_view>, 4> k_scales{
    {{Scale::machine, "machine"}, {Scale::socket, "socket"}, {Scale::vcpu, "vcpu"}, {Scale::device, "device"}}};

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [e, name] : table)
        if (e == value) return name;
    return "?";
}
template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text) {
    for (const auto& [e, name] : table)
        if (name == text) return e;
    return std::nullopt;
}

std::string_view unit_of(Scale scale) {
    switch (scale) {
        case Scale::socket: return " per socket";
        case Scale::vcpu: return " per vCPU";
        case Scale::device: return " per device";
        case Scale::machine: break;
    }
    return "";
}
}  // namespace

std::string_view to_string(ComponentKind kind) { return name_of(k_kinds, kind); }
std::string_view to_string(Form form) { return name_of(k_forms, form); }
std::string_view to_string(Scale scale) { return name_of(k_scales, scale); }
std::optional<ComponentKind> component_kind_from(std::string_view text) { return value_of(k_kinds, text); }
std::optional<Form> form_from(std::string_view text) { return value_of(k_forms, text); }
std::optional<Scale> scale_from(std::string_view text) { return value_of(k_scales, text); }

double PowerModel::watts_at(double load) const {
    const double u = std::clamp(load, 0.0, 1.0);
    switch (form) {
        case Form::constant: return watts;
        case Form::linear: return idle_w + (max_w - idle_w) * u;
        case Form::power: return idle_w + (max_w - idle_w) * std::pow(u, exponent);
        case Form::piecewise: {
            if (points.empty()) return NAN;
            if (u <= points.front().first) return points.front().second;
            for (std::size_t i = 1; i < points.size(); ++i) {
                const auto& [u0, w0] = points[i - 1];
                const auto& [u1, w1] = points[i];
                if (u <= u1) return u1 > u0 ? w0 + (w1 - w0) * (u - u0) / (u1 - u0) : w1;
            }
            return points.back().second;
        }
        case Form::dram: return dimm_watts(voltage_v, frequency_hz);
        case Form::network: return idle_w + joules_per_byte * std::max(load, 0.0);
    }
    return NAN;
}

std::string PowerModel::formula() const {
    const std::string_view per = unit_of(scale);
    switch (form) {
        case Form::constant: return fmt::format("P = {:.4g} W{}", watts, per);
        case Form::linear: return fmt::format("P = {:.4g} + {:.4g} u W{}", idle_w, max_w - idle_w, per);
        case Form::power: return fmt::format("P = {:.4g} + {:.4g} u^{:.4g} W{}", idle_w, max_w - idle_w, exponent, per);
        case Form::piecewise: {
            std::string text = "P through";
            for (const auto& [u, w] : points) text += fmt::format(" ({:.3g}, {:.4g} W)", u, w);
            return text + std::string(per);
        }
        case Form::dram:
            return fmt::format("P = {} x 1/2 x {:.4g} F x V^2 x f (defaults V = {:.3g} V, f = {:.4g} MT/s: {:.3g} W per DIMM)",
                               dimms > 0 ? std::to_string(dimms) : std::string("N_DIMM"), capacitance_f, voltage_v,
                               frequency_hz / 1e6, dimm_watts(voltage_v, frequency_hz));
        case Form::network:
            return fmt::format("P = {:.4g} W + {:.4g} J/B x bytes/s ({:.4g} kWh/GB)", idle_w, joules_per_byte,
                               units::kwh_from_joules(joules_per_byte * 1e9));
    }
    return {};
}

}  // namespace powerml::power_models
