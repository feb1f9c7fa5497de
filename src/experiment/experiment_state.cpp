#include "powerml/experiment/experiment_state.hpp"

namespace powerml::experiment {

void ExperimentState::create(const ExperimentSpec& spec, const std::vector<PlannedRun>& plan) {
    std::vector<store::PlannedItem> items;
    items.reserve(plan.size());
    for (const auto& run : plan) items.push_back({run.scenario, run.repetition});
    m_store.create(spec.name, spec.source_text, utc_now_ms(), items);
}

}  // namespace powerml::experiment
