// powerml mark NAME | powerml mark --end NAME | powerml metric NAME VALUE
// Run from inside a measured job: they write one line to $POWERML_CONTROL.
#include <cmath>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/sampler/control_channel.hpp"

namespace powerml::cli {

namespace {

std::string control_path() {
    const char* path = std::getenv("POWERML_CONTROL");
    if (path == nullptr || *path == '\0')
        throw Error("POWERML_CONTROL is not set: run this inside 'powerml measure -- COMMAND'");
    return path;
}

void check_name(const std::string& name) {
    if (name.empty() || name.find_first_of("\n\r") != std::string::npos || name.size() > 200)
        throw Error("a phase or metric name must be 1 to 200 characters on one line");
}

}  // namespace

void add_mark_command(CLI::App& app, int& exit_code) {
    struct Flags {
        std::string name;
        bool end = false;
        std::string metric_name;
        double value = 0;
    };
    auto flags = std::make_shared<Flags>();
    auto* mark = app.add_subcommand("mark", "Open (or with --end close) a phase of the measured job");
    mark->add_option("name", flags->name, "Phase name (e.g. epoch-3)")->required();
    mark->add_flag("--end", flags->end, "Close the phase instead of opening it");
    mark->callback([flags, &exit_code] {
        check_name(flags->name);
        sampler::ControlChannel::send(control_path(), (flags->end ? "end " : "begin ") + flags->name);
        exit_code = 0;
    });
    auto* metric = app.add_subcommand("metric", "Report a value (accuracy, loss, samples) for the current phase");
    metric->add_option("name", flags->metric_name, "Metric name")->required();
    metric->add_option("value", flags->value, "Value")->required();
    metric->callback([flags, &exit_code] {
        check_name(flags->metric_name);
        if (flags->metric_name.find_first_of(" \t") != std::string::npos) throw Error("a metric name cannot contain spaces");
        if (!std::isfinite(flags->value)) throw Error("a metric value must be a finite number");
        sampler::ControlChannel::send(control_path(), fmt::format("metric {} {:.17g}", flags->metric_name, flags->value));
        exit_code = 0;
    });
}

}  // namespace powerml::cli
