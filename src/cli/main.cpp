// powerml: the command-line front end. Parses, dispatches to one subcommand, and is the one
// place where library errors become a message and an exit status.
#include <algorithm>
#include <cstdio>
#include <initializer_list>
#include <string_view>
#include <utility>
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
    // Each entry adds the top-level subcommands it names. Only the one asked for is built when
    // the first argument names it: building all of them (every option, validator and help
    // text) cost about 2 ms of every command's start. Anything else (help, a typo, an option
    // first) builds them all, so help and "did you mean" see every subcommand.
    using Adder = void (*)(CLI::App&, int&);
    const std::pair<std::initializer_list<std::string_view>, Adder> commands[] = {
        {{"measure"}, powerml::cli::add_measure_command},
        {{"mark", "metric"}, powerml::cli::add_mark_command},
        {{"runs"}, powerml::cli::add_runs_command},
        {{"demo", "demo-workload"}, powerml::cli::add_demo_command},
        {{"sensors"}, powerml::cli::add_sensors_command},
        {{"meter"}, powerml::cli::add_meter_command},
        {{"intensity"}, powerml::cli::add_intensity_command},
        {{"zones"}, powerml::cli::add_zones_command},
        {{"models"}, powerml::cli::add_models_command},
        {{"plan"}, powerml::cli::add_plan_command},
        {{"experiment"}, powerml::cli::add_experiment_command},
        {{"report"}, powerml::cli::add_report_command},
        {{"predict"}, powerml::cli::add_predict_command},
        {{"serve"}, powerml::cli::add_serve_command},
        {{"workload"}, powerml::cli::add_workload_command},
        {{"model-info"}, powerml::cli::add_model_info_command},
        {{"profile", "profile-run"}, powerml::cli::add_profile_command},
        {{"estimate"}, powerml::cli::add_estimate_command},
    };
    const std::string_view first = argc > 1 ? argv[1] : "";
    Adder only = nullptr;
    for (const auto& [names, add] : commands)
        if (std::find(names.begin(), names.end(), first) != names.end()) only = add;
    if (only) {
        only(app, exit_code);
    } else {
        for (const auto& [names, add] : commands) add(app, exit_code);
    }
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
