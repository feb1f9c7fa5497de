// powerml: the command-line front end. Parses, dispatches to one subcommand, and is the one
// place where library errors become a message and an exit status.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"

int main(int argc, char** argv) {
    CLI::App app{"PowerML: what an ML job costs in energy and carbon, and when and where to run it"};
    app.name("powerml");
    app.require_subcommand(1);
    app.set_version_flag("--version", "powerml " POWERML_VERSION);

    int exit_code = 0;
    powerml::cli::add_measure_command(app, exit_code);
    powerml::cli::add_mark_command(app, exit_code);
    powerml::cli::add_runs_command(app, exit_code);
    powerml::cli::add_demo_command(app, exit_code);
    powerml::cli::add_sensors_command(app, exit_code);
    powerml::cli::add_meter_command(app, exit_code);
    powerml::cli::add_intensity_command(app, exit_code);
    powerml::cli::add_zones_command(app, exit_code);
    powerml::cli::add_models_command(app, exit_code);
    powerml::cli::add_plan_command(app, exit_code);
    powerml::cli::add_experiment_command(app, exit_code);
    powerml::cli::add_report_command(app, exit_code);
    powerml::cli::add_predict_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // One clear line and a usage hint, exit 2 like other Unix tools.
        fmt::print(stderr, "powerml: {}\nRun 'powerml --help' or 'powerml SUBCOMMAND --help' for usage.\n", e.what());
        return 2;
    } catch (const powerml::Error& e) {
        fmt::print(stderr, "powerml: {}\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "powerml: internal error: {}\n", e.what());
        return 70;
    }
    return exit_code;
}
