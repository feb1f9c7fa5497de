#pragma once
// Sums one distributed job's runs (one node's meter each) into a JobSummary.
#include <string>
#include <vector>

#include "powerml/record/job_summary.hpp"
#include "powerml/record/run_record.hpp"

namespace powerml::analysis {

// `runs` are the job's runs as measured (every one with record.job set to `key`);
// `expected_nodes` adds to the nodes the runs themselves say the scheduler gave the job.
// Energies add (the nodes' meters never overlap: one per node at a time); uncertainties add
// in quadrature; carbon is each node's own, in its own zone.
record::JobSummary summarize_job(const std::string& key, const std::vector<record::RunRecord>& runs,
                                 const std::vector<std::string>& expected_nodes = {});

}  // namespace powerml::analysis
