// powerml zones: list the zones PowerML has grid data for, with coverage, resolution and source.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/cli/commands.hpp"

namespace powerml::cli {

namespace {

// The licences of the shipped grid data (data/README.md says the same at more length).
constexpr const char* k_licences =
    "Grid data shipped with PowerML (data/grid/):\n"
    "  hourly/*.csv        Electricity Maps hourly carbon intensity (via HewlettPackard/green-dcc and\n"
    "                      LenosHadjidemetriou/CO2). Licence ODbL-1.0: attribute \"Electricity Maps\";\n"
    "                      databases derived from it stay under ODbL.\n"
    "  annual.csv          Electricity Maps yearly averages 2021-2025 (via thegreenwebfoundation/co2.js) and\n"
    "                      zone means 2020-2022 (via umassos/decarbonization-potential): ODbL-1.0.\n"
    "                      Ember country averages (via co2.js): CC BY-SA 4.0, attribute \"Ember\".\n"
    "  cloud-regions.csv   Cloud region factors: AWS and Azure tables from cloud-carbon-coefficients\n"
    "                      (Apache-2.0; figures from EPA, EEA, carbonfootprint.com), GCP from Google via\n"
    "                      mlco2/codecarbon (MIT); GCP zone mapping from mlco2/codecarbon (MIT).\n"
    "  emission-factors.csv IPCC AR5 WGIII Annex III lifecycle and direct factors as used by Electricity Maps;\n"
    "                      IPCC SRREN lifecycle medians. Facts, no licence.\n";

std::string coverage(const carbon::ZoneSummary& z) {
    if (z.hourly_years.empty()) return "-";
    std::string out;
    for (int y : z.hourly_years) out += (out.empty() ? "" : ",") + std::to_string(y);
    return out;
}

}  // namespace

void add_zones_command(CLI::App& app, int& exit_code) {
    auto format = std::make_shared<std::string>("text");
    auto licences = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("zones", "List the grid zones with shipped data, their coverage and source");
    cmd->add_option("--format", *format, "text (default) or json")->check(CLI::IsMember({"text", "json"}));
    cmd->add_flag("--licences", *licences, "Print the attribution and licence of the shipped grid data");
    cmd->callback([format, licences, &exit_code] {
        exit_code = 0;
        if (*licences) {
            fmt::print("{}", k_licences);
            return;
        }
        const auto& data = carbon::EmbeddedData::instance();
        const auto zones = data.zones();
        if (*format == "json") {
            nlohmann::json j = nlohmann::json::array();
            for (const auto& z : zones) {
                nlohmann::json e = {{"zone", z.zone}, {"name", z.name}, {"hourly_years", z.hourly_years},
                                    {"resolution", z.hourly_years.empty() ? "yearly" : "hourly"}};
                if (!z.alias.empty()) e["alias"] = z.alias;
                if (z.yearly)
                    e["yearly"] = {{"g_per_kwh", z.yearly->g_per_kwh}, {"year", z.yearly->year}, {"source", z.yearly->source}};
                j.push_back(e);
            }
            nlohmann::json regions = nlohmann::json::array();
            for (const auto& r : data.cloud_regions())
                regions.push_back({{"provider", r.provider}, {"region", r.region}, {"zone", r.zone},
                                   {"g_per_kwh", r.g_per_kwh}, {"source", r.source}});
            fmt::print("{}\n", nlohmann::json{{"zones", j}, {"cloud_regions", regions}}.dump(1));
            return;
        }
        std::string out = fmt::format("{:<14} {:<10} {:<10} {:>8} {:<6} {}\n", "ZONE", "HOURLY", "RESOLUTION", "YEARLY", "YEAR",
                                      "SOURCE / NAME");
        for (const auto& z : zones) {
            out += fmt::format("{:<14} {:<10} {:<10} {:>8} {:<6} {}{}\n", z.zone, coverage(z),
                               z.hourly_years.empty() ? "yearly" : "hourly",
                               z.yearly ? fmt::format("{:g}", z.yearly->g_per_kwh) : "-",
                               z.yearly ? std::to_string(z.yearly->year) : "-",
                               z.hourly_years.empty() ? (z.yearly ? z.yearly->source : "") : "Electricity Maps hourly",
                               z.name.empty() ? "" : " / " + z.name);
        }
        out += fmt::format("{} zones; cloud regions (aws:, azure:, gcp:) also work as --zone: {} listed with --format json.\n"
                           "Licences: powerml zones --licences\n",
                           zones.size(), data.cloud_regions().size());
        std::fwrite(out.data(), 1, out.size(), stdout);
    });
}

}  // namespace powerml::cli
