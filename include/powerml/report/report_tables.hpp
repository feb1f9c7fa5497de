#pragma once
// Every table of the report, built from its input: the HTML shows them and `report --tables
// DIR` writes each as ID.csv and ID.json.
#include <vector>

#include "powerml/report/report_input.hpp"
#include "powerml/report/table.hpp"

namespace powerml::report {

std::vector<Table> run_tables(const RunInput& run);
std::vector<Table> experiment_tables(const experiment::ExperimentResults& results);
// A job's nodes (one row each, then the total), its missing nodes and its phases by wall time.
std::vector<Table> job_tables(const record::JobSummary& job);
std::vector<Table> all_tables(const ReportInput& input);

// Finds a table by id among `tables`; nullptr when absent.
const Table* find_table(const std::vector<Table>& tables, const std::string& id);

}  // namespace powerml::report
