#include "powerml/sensors/rapl_choice.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace powerml::sensors {

namespace {

struct Pushed {
    int handle;
    double wrap_at;
};

std::vector<Pushed> push_cpu_counters(Sensor& s) {
    std::vector<Pushed> out;
    for (const auto& info : s.signals())
        if (is_energy_counter(info) && info.component == record::Component::cpu && info.contained_in.empty())
            out.push_back({s.push_signal(info.name, info.domain_idx), info.wrap_at});
    return out;
}

std::vector<double> read_all(Sensor& s, const std::vector<Pushed>& pushed) {
    s.read_batch();
    std::vector<double> v;
    for (const auto& p : pushed) v.push_back(s.sample(p.handle));
    return v;
}

// Sum of wrap-corrected deltas; NaN when any reading failed.
double delta_sum(const std::vector<Pushed>& pushed, const std::vector<double>& before, const std::vector<double>& after) {
    double sum = 0;
    for (std::size_t i = 0; i < pushed.size(); ++i) {
        if (std::isnan(before[i]) || std::isnan(after[i])) return std::numeric_limits<double>::quiet_NaN();
        double d = after[i] - before[i];
        if (d < 0 && pushed[i].wrap_at > 0) d += pushed[i].wrap_at;
        sum += d;
    }
    return sum;
}

int preference(const std::string& source) {
    const auto& order = rapl_source_preference();
    const auto it = std::find(order.begin(), order.end(), source);
    return it == order.end() ? -1 : static_cast<int>(it - order.begin());
}

}  // namespace

EnergyAgreement compare_cpu_energy(Sensor& a, Sensor& b, const std::function<void()>& wait_window) {
    EnergyAgreement r;
    r.relative_difference = std::numeric_limits<double>::quiet_NaN();
    const auto pa = push_cpu_counters(a);
    const auto pb = push_cpu_counters(b);
    if (pa.empty() || pb.empty()) return r;
    const auto a0 = read_all(a, pa);
    const auto b0 = read_all(b, pb);
    wait_window();
    const auto a1 = read_all(a, pa);
    const auto b1 = read_all(b, pb);
    r.a_j = delta_sum(pa, a0, a1);
    r.b_j = delta_sum(pb, b0, b1);
    r.comparable = !std::isnan(r.a_j) && !std::isnan(r.b_j) && r.a_j > 0;
    if (r.comparable) r.relative_difference = (r.b_j - r.a_j) / r.a_j;
    return r;
}

void choose_rapl_source(std::vector<Probe>& probes, std::vector<std::string>& notes,
                        const std::function<void()>& wait_window, double tolerance) {
    Probe* kept = nullptr;
    for (auto& p : probes) {
        if (!p.sensor || preference(p.source) < 0) continue;
        if (!kept || preference(p.source) < preference(kept->source)) kept = &p;
    }
    if (!kept) return;
    for (auto& p : probes) {
        if (&p == kept || !p.sensor || preference(p.source) < 0) continue;
        const EnergyAgreement agreement = compare_cpu_energy(*kept->sensor, *p.sensor, wait_window);
        if (!agreement.comparable) {
            notes.push_back(fmt::format("RAPL: using {}; {} could not be compared with it", kept->source, p.source));
        } else {
            const bool agree = std::fabs(agreement.relative_difference) <= tolerance;
            notes.push_back(fmt::format("RAPL: using {} ({:.3f} J over the check window); {} read {:.3f} J ({:+.1f} %){}",
                                        kept->source, agreement.a_j, p.source, agreement.b_j,
                                        agreement.relative_difference * 100.0,
                                        agree ? "" : ": the sources disagree, check for a stuck or misscaled counter"));
        }
        p.sensor.reset();
        p.reason = "not used: " + kept->source + " preferred";
    }
}

}  // namespace powerml::sensors
