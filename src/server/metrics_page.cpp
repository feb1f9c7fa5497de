#include "powerml/server/metrics_page.hpp"

#include <cmath>

#include <fmt/format.h>

namespace powerml::server {

namespace {

void header(std::string& out, const char* name, const char* type, const char* help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Prometheus floats: Go's strconv shapes, with NaN/Inf spelled as the format wants.
std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);
}

std::string labels_of(const record::Channel& c) {
    return fmt::format("component=\"{}\",source=\"{}\",domain=\"{}\",kind=\"{}\",summed=\"{}\"",
                       MetricsPage::escape(std::string(record::to_string(c.info.component))), MetricsPage::escape(c.source),
                       MetricsPage::escape(c.info.domain), record::to_string(c.energy_kind), c.summed ? "true" : "false");
}

}  // namespace

std::string MetricsPage::escape(const std::string& value) {
    std::string out;
    out.reserve(value.size());
    for (const char ch : value) {
        if (ch == '\\') out += "\\\\";
        else if (ch == '"') out += "\\\"";
        else if (ch == '\n') out += "\\n";
        else out += ch;
    }
    return out;
}

std::string MetricsPage::render(const std::vector<record::Channel>& channels, const LivePower::Reading& reading,
                                double interval_s, const std::optional<IntensityNow>& intensity, const std::string& version) {
    std::string out;
    out.reserve(4096);
    auto line = [&out](const char* name, const std::string& labels, double v) {
        if (labels.empty())
            fmt::format_to(std::back_inserter(out), "{} {}\n", name, number(v));
        else
            fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, number(v));
    };
    const auto& s = reading.sample;

    header(out, "powerml_build_info", "gauge", "PowerML version of this server (always 1).");
    line("powerml_build_info", fmt::format("version=\"{}\"", escape(version)), 1);

    header(out, "powerml_energy_joules_total", "counter",
           "Energy per component channel since the server started. summed=\"false\": nested in another channel "
           "(RAPL core in package) or a whole-machine reading; sum only summed=\"true\".");
    for (std::size_t c = 0; c < channels.size() && c < s.energy_j.size(); ++c)
        if (channels[c].energy_kind != record::EnergyKind::none) line("powerml_energy_joules_total", labels_of(channels[c]), s.energy_j[c]);

    header(out, "powerml_power_watts", "gauge", "Power per component channel over the last sampling interval.");
    for (std::size_t c = 0; c < channels.size() && c < s.power_w.size(); ++c)
        if (channels[c].energy_kind != record::EnergyKind::none && !std::isnan(s.power_w[c]))
            line("powerml_power_watts", labels_of(channels[c]), s.power_w[c]);

    double node_j = 0, node_w = 0, node_g = 0;
    bool node_w_known = false;
    for (std::size_t c = 0; c < channels.size() && c < s.energy_j.size(); ++c) {
        if (!channels[c].summed) continue;
        node_j += s.energy_j[c];
        if (!std::isnan(s.power_w[c])) {
            node_w += s.power_w[c];
            node_w_known = true;
        }
        node_g += reading.grams[c];
    }
    header(out, "powerml_node_energy_joules_total", "counter", "Energy of the node since the server started: the summed channels.");
    line("powerml_node_energy_joules_total", "", node_j);
    if (node_w_known) {
        header(out, "powerml_node_power_watts", "gauge", "Power of the node over the last sampling interval: the summed channels.");
        line("powerml_node_power_watts", "", node_w);
    }

    if (intensity) {
        const std::string zl = fmt::format("zone=\"{}\",source=\"{}\"", escape(intensity->zone), escape(intensity->source));
        header(out, "powerml_grid_intensity_grams_per_kwh", "gauge", "Grid carbon intensity in force now for the configured zone, gCO2eq/kWh.");
        line("powerml_grid_intensity_grams_per_kwh", zl + fmt::format(",kind=\"{}\"", escape(intensity->kind)), intensity->g_per_kwh);
        if (reading.emissions_known) {
            // `source` is taken by the channel's sensor: the intensity's source gets its own name.
            const std::string el = fmt::format("zone=\"{}\",intensity_source=\"{}\"", escape(intensity->zone), escape(intensity->source));
            header(out, "powerml_emissions_grams_total", "counter",
                   "Emissions of each summed channel's energy at the grid intensity in force when it was used, g CO2e.");
            for (std::size_t c = 0; c < channels.size() && c < reading.grams.size(); ++c)
                if (channels[c].summed) line("powerml_emissions_grams_total", el + "," + labels_of(channels[c]), reading.grams[c]);
            header(out, "powerml_node_emissions_grams_total", "counter", "Emissions of the node's energy since the server started, g CO2e.");
            line("powerml_node_emissions_grams_total", el, node_g);
        }
    }

    header(out, "powerml_sampler_samples_total", "counter", "Samples taken by the server's sampler.");
    line("powerml_sampler_samples_total", "", static_cast<double>(s.samples));
    header(out, "powerml_sampler_interval_seconds", "gauge", "Sampling interval of the server's sampler.");
    line("powerml_sampler_interval_seconds", "", interval_s);
    header(out, "powerml_sampler_last_sample_timestamp_seconds", "gauge", "Unix time of the latest sample.");
    line("powerml_sampler_last_sample_timestamp_seconds", "", static_cast<double>(s.utc_ms) / 1000.0);
    header(out, "powerml_sampler_read_errors_total", "counter", "Channel reads that failed (the value was skipped).");
    line("powerml_sampler_read_errors_total", "", static_cast<double>(s.quality.read_errors));
    // Was powerml_sampler_counter_wraps_total: promtool refuses a name holding its type.
    header(out, "powerml_sampler_wraparounds_total", "counter", "Energy counter wraparounds handled (energy kept).");
    line("powerml_sampler_wraparounds_total", "", static_cast<double>(s.quality.counter_wraps));
    header(out, "powerml_sampler_gaps_total", "counter", "Samples taken more than twice the interval after the previous one.");
    line("powerml_sampler_gaps_total", "", static_cast<double>(s.quality.gaps));
    return out;
}

}  // namespace powerml::server
