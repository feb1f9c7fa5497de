#pragma once
// Which models of a catalog fit a machine, best first, each with a score and the reason.
#include <map>
#include <string>
#include <vector>

#include "powerml/core/config.hpp"
#include "powerml/power_models/catalog.hpp"
#include "powerml/power_models/machine.hpp"

namespace powerml::power_models {

struct MatchResult {
    const PowerModel* model = nullptr;
    double score = 0;    // higher is better; see docs/reference/power-model-format.md
    std::string reason;  // "CPU 'i7-8700K' matches rule 'Intel Core i7-8700K' (3 tokens)"
};

// Models pinned by configuration: kind name ("cpu") -> model id.
using Pins = std::map<std::string, std::string>;
// power_models.<kind> for every kind (env POWERML_POWER_MODELS_CPU, ...); empty values are left out.
Pins pins_from_config(const Config& config);

class Matcher {
public:
    explicit Matcher(const Catalog& catalog) : m_catalog(catalog) {}
    // Every model of `kind` that matches, best first (ties by id). A pinned id comes first
    // whatever its rules say; a pinned id that is not in the catalog throws Error.
    std::vector<MatchResult> candidates(const Machine& machine, ComponentKind kind, const Pins& pins = {}) const;
    // The best candidate, or a result with model == nullptr and the reason none matched.
    MatchResult best(const Machine& machine, ComponentKind kind, const Pins& pins = {}) const;
    // The score of one model against a machine; 0 = no match. `reason` says why.
    static double score(const PowerModel& model, const Machine& machine, std::string& reason);

private:
    const Catalog& m_catalog;
};

}  // namespace powerml::power_models
