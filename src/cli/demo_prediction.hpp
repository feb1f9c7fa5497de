#pragma once
// The demo's last paragraph: the full training predicted from the measured epochs.
#include <cstdint>
#include <string>

#include "powerml/record/run_record.hpp"

namespace powerml::cli {

// Reads the run's epoch-N phases (net energy, duration, samples metric) and extrapolates to
// full_epochs x samples_per_epoch, with emissions at the run's grid intensity when it had a zone.
std::string demo_prediction(const record::RunRecord& record, int full_epochs, std::int64_t samples_per_epoch);

}  // namespace powerml::cli
