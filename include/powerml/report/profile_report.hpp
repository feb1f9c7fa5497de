#pragma once
// The report of a `powerml profile` (seed 001's figures): energy per sample against MACs per
// parameter and against MACs, for training and inference, with the fitted power law and
// Spearman's rho; energy per sample against batch size; training against inference time; mean
// power per model. Every figure is followed by its table. Every number comes from the profile
// (its correlations and fits were computed by analysis when it was built); this file only lays
// them out. One offline HTML file, inline SVG, no script.
#include <string>
#include <vector>

#include "powerml/core/time.hpp"
#include "powerml/report/table.hpp"
#include "powerml/workloads/profile.hpp"

namespace powerml::report {

// The figures' tables and the correlations and fits, with ids "profile-*".
std::vector<Table> profile_tables(const workloads::Profile& profile);

std::string render_profile_html(const workloads::Profile& profile, const std::string& generator, UtcMillis generated_utc_ms,
                                const std::string& source);

}  // namespace powerml::report
