// powerml intensity: print a grid carbon-intensity series for a zone and time range.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "powerml/carbon/series_json.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"

namespace powerml::cli {

namespace {

struct IntensityArgs {
    std::string zone, from, to, source = "embedded", format = "text", basis;
};

void print_series(const carbon::IntensitySeries& s, const std::string& format) {
    using carbon::PointKind;
    if (format == "json") {
        // Written straight into one buffer: a year is ~1 MB, 35,000 JSON values if built as a tree.
        std::string out;
        carbon::append_series_json(out, s);
        out += '\n';
        std::fwrite(out.data(), 1, out.size(), stdout);
        return;
    }
    std::string out;
    out.reserve(s.points.size() * 48);
    if (format == "csv") {
        out += "time,duration_s,value,kind\n";
        for (const auto& p : s.points)
            out += fmt::format("{},{:g},{:.2f},{}\n", format_rfc3339(p.start), p.duration_s, p.g_per_kwh, carbon::to_string(p.kind));
        std::fwrite(out.data(), 1, out.size(), stdout);
        return;
    }
    long estimated = 0, forecast = 0;
    for (const auto& p : s.points) {
        estimated += p.kind == PointKind::estimated;
        forecast += p.kind == PointKind::forecast;
    }
    out += fmt::format("Zone {}: {} carbon intensity, {} basis, gCO2eq/kWh, from {} ({})\n", s.zone, carbon::to_string(s.signal),
                       carbon::to_string(s.basis), s.provider, s.answered_by);
    if (!s.attribution.empty()) out += fmt::format("Data: {} ({})\n", s.attribution, s.licence);
    if (estimated > 0)
        out += fmt::format("Note: {} of {} values are ESTIMATED, not measured.\n", estimated, s.points.size());
    if (forecast > 0) out += fmt::format("Note: {} of {} values are FORECASTS.\n", forecast, s.points.size());
    if (!s.note.empty()) out += fmt::format("Note: {}\n", s.note);
    for (const auto& p : s.points)
        out += fmt::format("{}  {:8.2f}  {}\n", format_rfc3339(p.start), p.g_per_kwh,
                           p.kind == PointKind::measured ? "" : carbon::to_string(p.kind));
    std::fwrite(out.data(), 1, out.size(), stdout);
}

}  // namespace

void add_intensity_command(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<IntensityArgs>();
    auto* cmd = app.add_subcommand("intensity", "Print grid carbon intensity for a zone and time range");
    cmd->add_option("--zone", args->zone, "Zone id (CY, DE), country code, or cloud region (aws:eu-west-1)")->required();
    cmd->add_option("--from", args->from, "Start time, RFC 3339 (any offset)")->required();
    cmd->add_option("--to", args->to, "End time, RFC 3339 (any offset)")->required();
    cmd->add_option("--source", args->source, "embedded (default), csv:PATH, electricitymaps, watttime, ukgrid, entsoe");
    cmd->add_option("--format", args->format, "text (default), json or csv")->check(CLI::IsMember({"text", "json", "csv"}));
    cmd->add_option("--basis", args->basis, "lifecycle (default) or direct emission factors")
        ->check(CLI::IsMember({"lifecycle", "direct"}));
    cmd->callback([args, &exit_code] {
        Config config = Config::load_user();
        if (!args->basis.empty()) config.set_flag("carbon.basis", args->basis);
        const UtcMillis from = parse_rfc3339(args->from);
        const UtcMillis to = parse_rfc3339(args->to);
        const auto series = carbon::fetch_series(args->source, args->zone, from, to, config);
        print_series(series, args->format);
        exit_code = 0;
    });
}

}  // namespace powerml::cli
