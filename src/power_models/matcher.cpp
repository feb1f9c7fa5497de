#include "powerml/power_models/matcher.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "powerml/core/error.hpp"

namespace powerml::power_models {

namespace {

// Scores (docs/reference/power-model-format.md): the more specific the rule that matched, the
// higher; measured models and the user's own beat datasheet ones for the same hardware.
constexpr double k_pinned = 1000, k_instance = 400, k_board = 300, k_name = 200, k_per_token = 10, k_vm_only = 50,
                 k_fallback = 10, k_user = 50, k_fitted = 20;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Best rule among `rules` whose every token is one of the machine's: returns tokens matched.
std::size_t best_name_match(const std::vector<std::string>& rules, const std::vector<std::string>& machine_tokens,
                            std::string& which) {
    std::size_t best = 0;
    for (const auto& rule : rules) {
        const auto tokens = name_tokens(normalise_hardware_name(rule));
        if (tokens.empty() || tokens.size() <= best) continue;
        const bool all = std::all_of(tokens.begin(), tokens.end(), [&](const std::string& t) {
            return std::find(machine_tokens.begin(), machine_tokens.end(), t) != machine_tokens.end();
        });
        if (all) {
            best = tokens.size();
            which = rule;
        }
    }
    return best;
}

}  // namespace

double Matcher::score(const PowerModel& model, const Machine& machine, std::string& reason) {
    const MatchRules& r = model.match;
    if (r.manual) {
        reason = "used only when pinned (power_models.<kind> = id)";
        return 0;
    }
    if (r.vm && *r.vm != machine.virtual_machine) {
        reason = *r.vm ? "only for virtual machines" : "only for bare metal";
        return 0;
    }
    double score = 0;
    std::vector<std::string> why;
    if (!r.instance.empty()) {
        const auto it = std::find(r.instance.begin(), r.instance.end(), machine.instance_type);
        if (machine.instance_type.empty() || it == r.instance.end()) {
            reason = machine.instance_type.empty() ? "instance type unknown" : "instance type differs";
            return 0;
        }
        score = std::max(score, k_instance);
        why.push_back("instance type '" + machine.instance_type + "'");
    }
    if (!r.board.empty()) {
        const std::string board = lower(machine.board);
        const auto it = std::find_if(r.board.begin(), r.board.end(),
                                     [&](const std::string& b) { return !board.empty() && board.find(lower(b)) != std::string::npos; });
        if (it == r.board.end()) {
            reason = "board differs";
            return 0;
        }
        score = std::max(score, k_board);
        why.push_back("board '" + machine.board + "' contains '" + *it + "'");
    }
    if (!r.cpu.empty()) {
        std::string rule;
        // Single-token rules ("intel") say too little to pick a CPU's power.
        const std::size_t n = best_name_match(r.cpu, name_tokens(normalise_hardware_name(machine.cpu_model)), rule);
        if (n < 2) {
            reason = "CPU differs";
            return 0;
        }
        score = std::max(score, k_name + k_per_token * static_cast<double>(n));
        why.push_back(fmt::format("CPU '{}' matches '{}' ({} tokens)", machine.cpu_model, rule, n));
    }
    if (!r.gpu.empty()) {
        std::string rule;
        std::size_t n = 0;
        std::string device;
        for (const auto& gpu : machine.gpus) {
            std::string which;
            const std::size_t k = best_name_match(r.gpu, name_tokens(normalise_hardware_name(gpu)), which);
            if (k > n) {
                n = k;
                rule = which;
                device = gpu;
            }
        }
        if (n == 0) {
            reason = machine.gpus.empty() ? "no GPU found" : "GPU differs";
            return 0;
        }
        score = std::max(score, k_name + k_per_token * static_cast<double>(n));
        why.push_back(fmt::format("GPU '{}' matches '{}'", device, rule));
    }
    if (score == 0 && r.vm) {
        score = k_vm_only;
        why.push_back(*r.vm ? "a virtual machine" : "bare metal");
    }
    if (score == 0 && r.fallback) {
        score = k_fallback;
        why.push_back("fallback for any machine");
    }
    if (score == 0) {
        reason = "no rule matched";
        return 0;
    }
    if (model.location.origin == Origin::user) {
        score += k_user;
        why.push_back("user model");
    }
    if (model.fit) {
        score += k_fitted;
        why.push_back("fitted from measurements");
    }
    reason = fmt::format("{}", fmt::join(why, "; "));
    return score;
}

std::vector<MatchResult> Matcher::candidates(const Machine& machine, ComponentKind kind, const Pins& pins) const {
    std::vector<MatchResult> out;
    const PowerModel* pinned = nullptr;
    if (auto it = pins.find(std::string(to_string(kind))); it != pins.end() && !it->second.empty()) {
        pinned = m_catalog.find(it->second);
        if (!pinned)
            throw Error(fmt::format("power_models.{} = '{}' names no model in the catalog; 'powerml models list --kind {}' shows the ids",
                                    it->first, it->second, it->first));
        if (pinned->kind != kind)
            throw Error(fmt::format("power_models.{} = '{}' is a {} model, not {}", it->first, it->second, to_string(pinned->kind),
                                    to_string(kind)));
        out.push_back({pinned, k_pinned, "pinned by configuration power_models." + it->first});
    }
    for (const auto& model : m_catalog.models()) {
        if (model.kind != kind || &model == pinned) continue;
        std::string reason;
        const double s = score(model, machine, reason);
        if (s > 0) out.push_back({&model, s, std::move(reason)});
    }
    std::stable_sort(out.begin(), out.end(), [](const MatchResult& a, const MatchResult& b) {
        return a.score != b.score ? a.score > b.score : a.model->id < b.model->id;
    });
    return out;
}

Pins pins_from_config(const Config& config) {
    Pins pins;
    for (const auto kind : {ComponentKind::cpu, ComponentKind::gpu, ComponentKind::dram, ComponentKind::accelerator,
                            ComponentKind::nic, ComponentKind::node}) {
        const std::string name(to_string(kind));
        if (auto id = config.get("power_models." + name); id && !id->empty()) pins[name] = *id;
    }
    return pins;
}

MatchResult Matcher::best(const Machine& machine, ComponentKind kind, const Pins& pins) const {
    auto all = candidates(machine, kind, pins);
    if (all.empty()) return {nullptr, 0, fmt::format("no {} model matches this machine", to_string(kind))};
    return all.front();
}

}  // namespace powerml::power_models
