#pragma once
// Exact search over contiguous runs at one site. Every start that can be optimal is scored:
// the earliest and latest start, every start or end on a data boundary, every transfer
// beginning on one (the emissions are linear in the start between those), each with
// prefix sums, moving each edge of the window forward once (O(points)).
#include <vector>

#include "powerml/planner/site_model.hpp"

namespace powerml::planner {

struct WindowCandidate {
    UtcMillis start = 0;
    double g_co2e = 0.0;  // compute + transfer
    double score = 0.0;   // g_co2e + end penalty
};

// All feasible starts in ascending order (windows touching gaps in the data are left out),
// written into `out` (cleared first; its capacity is reused across calls).
void search_windows(const SiteModel& model, std::vector<WindowCandidate>& out);
inline std::vector<WindowCandidate> search_windows(const SiteModel& model) {
    std::vector<WindowCandidate> out;
    search_windows(model, out);
    return out;
}

}  // namespace powerml::planner
