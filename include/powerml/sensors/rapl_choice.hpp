#pragma once
// One RAPL source per measurement: the same counters can be read through perf_event
// (`rapl_perf`), powercap sysfs (`rapl`) and the MSRs (`rapl_msr`); using two would count
// the CPU twice. The best usable one is kept, in that order (perf_event keeps a 64-bit count
// and needs the least privilege, MSR needs raw access), and the others are read over the same
// window to check that they agree.
#include <functional>
#include <string>
#include <vector>

#include "powerml/sensors/sensor.hpp"

namespace powerml::sensors {

// Source names in order of preference.
inline const std::vector<std::string>& rapl_source_preference() {
    static const std::vector<std::string> order{"rapl_perf", "rapl", "rapl_msr"};
    return order;
}

struct EnergyAgreement {
    double a_j = 0.0;  // CPU energy sensor `a` saw over the window
    double b_j = 0.0;
    double relative_difference = 0.0;  // (b - a) / a; NaN when not comparable
    bool comparable = false;           // both sensors read every CPU counter twice
};

// Sums the CPU energy counters that are not contained in another domain (the packages), over
// one window: read, wait_window(), read again, wrap-corrected. Pushes those signals on both.
EnergyAgreement compare_cpu_energy(Sensor& a, Sensor& b, const std::function<void()>& wait_window);

// Among probes whose source is a RAPL source and which hold a sensor: keeps the preferred one,
// compares each other one with it over a window (a note per comparison, flagged when they
// differ by more than `tolerance`), then releases the others' sensors with reason
// "not used: <kept> preferred". Probes of other sources are left alone.
void choose_rapl_source(std::vector<Probe>& probes, std::vector<std::string>& notes,
                        const std::function<void()>& wait_window, double tolerance = 0.05);

}  // namespace powerml::sensors
