#pragma once
// Flags shared by `measure` and `demo`, and their translation into MeasureOptions.
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "powerml/measure/measurement.hpp"

namespace powerml::cli {

struct MeasureFlags {
    double interval_ms = 100.0;
    double baseline_s = 0.0;
    std::string zone;
    std::string source = "embedded";
    double pue = 1.0;
    std::string out;
    std::string db;
    std::string gpus;
    std::string cgroup;
    std::string idle_share = "busy";
    std::string dram_share = "cpu";
    std::string job_key;
    bool no_db = false;
    bool quiet = false;
    std::vector<std::string> command;
};

void add_measure_flags(CLI::App& cmd, MeasureFlags& flags);
measure::MeasureOptions to_measure_options(const MeasureFlags& flags);
// Carbon for --zone from the grid-data layer.
measure::CarbonFunction carbon_function();

}  // namespace powerml::cli
