// powerml measure [--interval MS] [--baseline SECONDS] [--zone ZONE] [--out DIR] -- CMD [ARG...]
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "measure_options.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/measure/measurement.hpp"
#include "text_summary.hpp"

namespace powerml::cli {

void add_measure_command(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("measure", "Run a command and measure its energy, per component and per phase");
    auto flags = std::make_shared<MeasureFlags>();
    add_measure_flags(*cmd, *flags);
    cmd->add_option("command", flags->command, "The command to measure, after --")->required()->expected(-1);
    cmd->footer(
        "The command gets $POWERML_CONTROL: 'powerml mark NAME' / 'powerml mark --end NAME' (or the lines\n"
        "'begin NAME', 'end NAME', 'metric NAME VALUE' written to that file) open and close phases.\n"
        "Exit status: the command's (128 + signal if a signal killed it); 127 if it cannot be started.");
    cmd->callback([flags, &exit_code] {
        measure::Measurement measurement(to_measure_options(*flags), carbon_function());
        const measure::MeasureResult result = measurement.run_command();
        if (result.start_error) fmt::print(stderr, "powerml: {}\n", *result.start_error);
        if (!flags->quiet) fmt::print(stderr, "{}", text_summary(result.record, result.notes));
        exit_code = result.exit_status;
    });
}

}  // namespace powerml::cli
