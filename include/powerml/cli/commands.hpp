#pragma once
// One file per subcommand under src/cli/; each adds itself to the app here. A command's
// callback stores the process exit status in `exit_code`; errors are thrown as powerml::Error
// and turned into one line on stderr by main().
#include <CLI/CLI.hpp>

namespace powerml::cli {

void add_measure_command(CLI::App& app, int& exit_code);
void add_mark_command(CLI::App& app, int& exit_code);
void add_runs_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_sensors_command(CLI::App& app, int& exit_code);
void add_intensity_command(CLI::App& app, int& exit_code);
void add_zones_command(CLI::App& app, int& exit_code);
void add_models_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);
void add_meter_command(CLI::App& app, int& exit_code);
void add_experiment_command(CLI::App& app, int& exit_code);
void add_report_command(CLI::App& app, int& exit_code);
void add_predict_command(CLI::App& app, int& exit_code);

}  // namespace powerml::cli
