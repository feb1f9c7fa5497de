#include "powerml/planner/plan_report.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "powerml/core/units.hpp"

namespace powerml::planner {
namespace {

nlohmann::json option_json(const PlanOption& o) {
    nlohmann::json segments = nlohmann::json::array();
    for (const Segment& s : o.segments)
        segments.push_back({{"start", format_rfc3339(s.start)}, {"end", format_rfc3339(s.end)}});
    nlohmann::json j = {
        {"site", o.site},
        {"zone", o.zone},
        {"jurisdiction", o.jurisdiction},
        {"moved", o.moved},
        {"start", format_rfc3339(o.start)},
        {"end", format_rfc3339(o.end)},
        {"segments", std::move(segments)},
        {"pauses", o.segments.empty() ? 0 : o.segments.size() - 1},
        {"run_s", o.run_s},
        {"energy_j", o.energy_j},
        {"transfer_energy_j", o.transfer_energy_j},
        {"transfer_s", o.transfer_s},
        {"compute_g", o.compute_g},
        {"transfer_g", o.transfer_g},
        {"g_co2e", o.g_co2e},
        {"g_co2e_low", o.g_co2e_low},
        {"g_co2e_high", o.g_co2e_high},
        {"uncertainty_known", o.uncertainty_known},
        {"uncertain_share", o.uncertain_share},
        {"mean_intensity_g_per_kwh", o.mean_intensity},
        {"accuracy_loss_pp", o.accuracy_loss_pp},
        {"delay_s", o.delay_s},
        {"score", o.score},
        {"savings_g", o.savings_g},
        {"savings_pct", o.savings_pct},
    };
    return j;
}

// "10:00 UTC" when on the day of `reference`, else "2023-06-16 10:00 UTC".
std::string when(UtcMillis t, UtcMillis reference) {
    const UtcFields f = utc_fields(t), r = utc_fields(reference);
    if (f.year == r.year && f.month == r.month && f.day == r.day) return fmt::format("{:02}:{:02} UTC", f.hour, f.minute);
    return fmt::format("{}-{:02}-{:02} {:02}:{:02} UTC", f.year, f.month, f.day, f.hour, f.minute);
}

// Grams in table cells: the unit is in the header.
std::string mass(double grams) {
    std::string text = units::format_mass_co2e(grams);
    const auto at = text.find(" CO2e");
    if (at != std::string::npos) text.erase(at);
    return text;
}

std::string short_time(UtcMillis t) {
    const UtcFields f = utc_fields(t);
    return fmt::format("{:02}-{:02} {:02}:{:02}", f.month, f.day, f.hour, f.minute);
}

}  // namespace

// The arrays are moved into the answer: an initializer list copies what it is given by name
// (the whole options array, a plan's largest part, was copied once more per request).
nlohmann::json plan_to_json(const Plan& plan) {
    nlohmann::json options = nlohmann::json::array();
    for (std::size_t i = 0; i < plan.options.size(); ++i) {
        nlohmann::json o = option_json(plan.options[i]);
        o["rank"] = i + 1;
        options.push_back(std::move(o));
    }
    nlohmann::json excluded = nlohmann::json::array();
    for (const auto& e : plan.excluded) excluded.push_back({{"site", e.site}, {"reason", e.reason}});
    nlohmann::json series = nlohmann::json::array();
    for (const auto& s : plan.series)
        series.push_back({{"zone", s.zone},
                          {"source", s.provider},
                          {"signal", s.signal},
                          {"note", s.note},
                          {"attribution", s.attribution},
                          {"relative_uncertainty", s.relative_uncertainty},
                          {"points", s.points},
                          {"uncertain_points", s.uncertain_points}});
    return {
        {"schema", "powerml.plan/1"},
        {"job", plan.job},
        {"earliest_start", format_rfc3339(plan.earliest_start)},
        {"earliest_is_now", plan.earliest_is_now},
        {"deadline", format_rfc3339(plan.deadline)},
        {"baseline", option_json(plan.baseline)},
        {"best", option_json(plan.best)},
        {"options", std::move(options)},
        {"savings_g", plan.best.savings_g},
        {"savings_pct", plan.best.savings_pct},
        {"clearly_best", plan.clearly_best},
        {"comparison", plan.comparison},
        {"summary", plan_sentence(plan)},
        {"excluded", std::move(excluded)},
        {"series", std::move(series)},
        {"unit", "gCO2e"},
    };
}

std::string plan_sentence(const Plan& plan) {
    const PlanOption& b = plan.best;
    const PlanOption& base = plan.baseline;
    const std::string instead = plan.earliest_is_now ? "now" : "at " + when(base.start, base.start);
    const bool same_site = b.site == base.site;
    const bool same_start = b.start == base.start && b.segments.size() == 1;
    if (same_site && same_start)
        return fmt::format("Run {} in {} as planned: no other start or allowed site emits less ({}).",
                           instead, b.site, units::format_mass_co2e(b.g_co2e));
    std::string what = b.segments.size() > 1
                           ? fmt::format("Run in {} pieces from {}", b.segments.size(), when(b.start, base.start))
                           : fmt::format("Start at {}", when(b.start, base.start));
    std::string place = same_site        ? fmt::format("in {}", b.site)
                        : b.transfer_s > 0 ? fmt::format("in {} (moving the data)", b.site)
                                           : fmt::format("in {} (moving the job)", b.site);
    std::string change = b.savings_g >= 0
                             ? fmt::format("{} less ({:.0f} %)", units::format_mass_co2e(b.savings_g), b.savings_pct)
                             : fmt::format("{} more ({:.0f} %), for accuracy or time",
                                           units::format_mass_co2e(-b.savings_g), -b.savings_pct);
    std::string instead_of = same_site ? instead : fmt::format("{} in {}", instead, base.site);
    return fmt::format("{} {} instead of {}: {}.", what, place, instead_of, change);
}

std::string plan_to_text(const Plan& plan) {
    std::string out = fmt::format("Plan for '{}': earliest start {}, deadline {}\n\n", plan.job,
                                  format_rfc3339(plan.earliest_start), format_rfc3339(plan.deadline));
    out += fmt::format("{:<8} {:<16} {:<7} {:<11} {:<11} {:>9} {:>9} {:>9} {:>9} {:>17} {:>6} {:>9} {:>6}\n", "",
                       "", "", "start", "end", "energy", "compute", "transfer", "total", "range", "acc.", "saving", "");
    out += fmt::format("{:<8} {:<16} {:<7} {:<11} {:<11} {:>9} {:>9} {:>9} {:>9} {:>17} {:>6} {:>9} {:>6}\n", "rank",
                       "site", "zone", "(UTC)", "(UTC)", "(all)", "CO2e", "CO2e", "CO2e", "CO2e", "pp", "CO2e", "%");
    auto row = [&](const std::string& rank, const PlanOption& o) {
        std::string range = "unknown";
        if (o.uncertainty_known)
            range = o.g_co2e_high > o.g_co2e_low ? fmt::format("{}-{}", mass(o.g_co2e_low), mass(o.g_co2e_high))
                                                 : "measured";
        out += fmt::format("{:<8} {:<16} {:<7} {:<11} {:<11} {:>9} {:>9} {:>9} {:>9} {:>17} {:>6.2f} {:>9} {:>6.1f}\n", rank,
                           o.site, o.zone, short_time(o.start), short_time(o.end),
                           units::format_energy(o.energy_j + o.transfer_energy_j), mass(o.compute_g), mass(o.transfer_g),
                           mass(o.g_co2e), range, o.accuracy_loss_pp, mass(o.savings_g), o.savings_pct);
        if (o.segments.size() > 1)
            for (const Segment& s : o.segments)
                out += fmt::format("{:<8}   runs {} to {}\n", "", format_rfc3339(s.start), format_rfc3339(s.end));
    };
    row("baseline", plan.baseline);
    for (std::size_t i = 0; i < plan.options.size(); ++i) row(std::to_string(i + 1), plan.options[i]);
    out += "\n" + plan_sentence(plan) + "\n" + plan.comparison + "\n";
    for (const auto& e : plan.excluded) out += fmt::format("Not considered: {}: {}.\n", e.site, e.reason);
    for (const auto& s : plan.series) {
        out += fmt::format("Data for {}: {} ({} signal, {} points", s.zone, s.provider.empty() ? "?" : s.provider, s.signal,
                           s.points);
        if (s.uncertain_points > 0)
            out += fmt::format(", {} forecast/estimated, stated error {}", s.uncertain_points,
                               s.relative_uncertainty > 0 ? fmt::format("{:.0f} %", 100 * s.relative_uncertainty) : "none");
        out += ")";
        if (!s.note.empty()) out += ": " + s.note;
        out += "\n";
    }
    return out;
}

}  // namespace powerml::planner
