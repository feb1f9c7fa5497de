#pragma once
// What the sensors miss (PSU losses, fans, disks: RAPL read 172 W where the wall read 280 W in
// one report) fitted once per machine from a run that had both a wall meter and the sensors:
// wall = a x (sum of sensors) + b, least squares on per-interval power. Applied to later runs
// on that machine, the result is labelled as corrected, never passed off as a measurement.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "powerml/core/time.hpp"
#include "powerml/sensors/meter_log.hpp"

namespace powerml::sensors {

struct WallCorrection {
    double a = 1.0;          // slope: wall W per sensor W
    double b = 0.0;          // intercept, W: what the sensors never see
    double r2 = 0.0;         // coefficient of determination of the fit
    double rmse_w = 0.0;     // residual error per interval, W
    std::size_t points = 0;  // intervals fitted
    double sensor_min_w = 0.0, sensor_max_w = 0.0;  // range the fit saw
    UtcMillis fitted_at = 0;
    std::string source;      // meter log or plug the fit came from

    // Least squares over the pairs. Throws Error with fewer than 3 pairs or when the sensor
    // power never varies (slope undefined: run something whose load changes).
    static WallCorrection fit(const std::vector<PowerPair>& pairs);

    double wall_power_w(double sensor_power_w) const { return a * sensor_power_w + b; }
    // Energy over `duration_s`: a x E + b x T (the linear fit holds for means, so for sums).
    double wall_energy_j(double sensor_energy_j, double duration_s) const { return a * sensor_energy_j + b * duration_s; }
    // "wall-corrected: wall = 1.12 x sensors + 41.3 W (r2 0.97, 600 intervals)"
    std::string label() const;
};

// Per-machine corrections in one JSON file (default: user_data_dir()/wall-corrections.json),
// keyed by machine id.
class WallCorrectionStore {
public:
    explicit WallCorrectionStore(std::filesystem::path file);
    static std::filesystem::path default_file();
    // /etc/machine-id, else the host name: stable across runs on one machine.
    static std::string this_machine();

    std::optional<WallCorrection> load(const std::string& machine) const;
    // Replaces the machine's entry, keeping the others; creates folders as needed.
    void save(const std::string& machine, const WallCorrection& correction) const;

private:
    std::filesystem::path m_file;
};

}  // namespace powerml::sensors
