#pragma once
// Optimal schedule for a job that may pause and resume, by dynamic programming over the
// data's time steps (not greedy: a pause is only worth its checkpoint cost when what it
// skips is dearer, and min_segment couples neighbouring steps).
//
// Model: the window is cut into steps of the series' resolution starting at the first data
// boundary at or after the earliest start. The job runs whole steps and stops part-way
// through the step in which its work is done. Every pause adds the checkpoint's seconds to
// the work still to do and charges its energy at the intensity of the step before the pause.
// Every segment lasts at least min_segment, except when the job runs in one segment.
#include <optional>
#include <vector>

#include "powerml/planner/site_model.hpp"

namespace powerml::planner {

struct Schedule {
    std::vector<Segment> segments;
    double g_co2e = 0.0;  // compute + transfer + checkpoints
    double score = 0.0;   // g_co2e + end penalty
};

// Nothing when no schedule fits the window. `max_pauses` < 0: no limit beyond the model's.
// Throws Error when the window holds too many steps to search (finer than ~1 minute over a year).
std::optional<Schedule> schedule_interruptible(const SiteModel& model, int max_pauses = -1);

}  // namespace powerml::planner
