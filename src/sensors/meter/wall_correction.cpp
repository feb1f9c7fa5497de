#include "powerml/sensors/wall_correction.hpp"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::sensors {

WallCorrection WallCorrection::fit(const std::vector<PowerPair>& pairs) {
    if (pairs.size() < 3)
        throw Error("a wall correction needs at least 3 intervals with both meter and sensor power; found " +
                    std::to_string(pairs.size()) + " (check that the meter log and the run overlap in time)");
    const double n = static_cast<double>(pairs.size());
    double mx = 0, my = 0;
    for (const auto& p : pairs) {
        mx += p.sensor_w;
        my += p.wall_w;
    }
    mx /= n;
    my /= n;
    double sxx = 0, sxy = 0, syy = 0;
    WallCorrection c;
    c.sensor_min_w = c.sensor_max_w = pairs.front().sensor_w;
    for (const auto& p : pairs) {
        sxx += (p.sensor_w - mx) * (p.sensor_w - mx);
        sxy += (p.sensor_w - mx) * (p.wall_w - my);
        syy += (p.wall_w - my) * (p.wall_w - my);
        c.sensor_min_w = std::min(c.sensor_min_w, p.sensor_w);
        c.sensor_max_w = std::max(c.sensor_max_w, p.sensor_w);
    }
    // Relative to the mean so that a fleet of near-identical readings still counts as flat.
    if (sxx <= 1e-12 * std::max(1.0, mx * mx) * n)
        throw Error("sensor power never varied during the run, so the slope of wall against sensors is undefined; "
                    "fit from a run whose load changes (idle, then busy)");
    c.a = sxy / sxx;
    c.b = my - c.a * mx;
    double sse = 0;
    for (const auto& p : pairs) {
        const double r = p.wall_w - c.wall_power_w(p.sensor_w);
        sse += r * r;
    }
    c.points = pairs.size();
    c.rmse_w = std::sqrt(sse / n);
    c.r2 = syy > 0 ? 1.0 - sse / syy : 1.0;
    return c;
}

std::string WallCorrection::label() const {
    return fmt::format("wall-corrected: wall = {:.3f} x sensors {} {:.1f} W (r2 {:.2f}, {} intervals)", a,
                       b < 0 ? "-" : "+", std::fabs(b), r2, points);
}

WallCorrectionStore::WallCorrectionStore(std::filesystem::path file) : m_file(std::move(file)) {}

std::filesystem::path WallCorrectionStore::default_file() { return paths::user_data_dir() / "wall-corrections.json"; }

std::string WallCorrectionStore::this_machine() {
    std::string id;
    if (paths::read_small_file("/etc/machine-id", id)) {
        while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.pop_back();
        if (!id.empty()) return id;
    }
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
    return "unknown-machine";
}

namespace {
nlohmann::json read_json(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return nlohmann::json::object();
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(file.string() + " is not valid JSON (" + e.what() + "); fix or delete it");
    }
}
}  // namespace

std::optional<WallCorrection> WallCorrectionStore::load(const std::string& machine) const {
    const auto doc = read_json(m_file);
    if (!doc.contains("machines") || !doc["machines"].contains(machine)) return std::nullopt;
    const auto& j = doc["machines"][machine];
    try {
        WallCorrection c;
        c.a = j.at("a").get<double>();
        c.b = j.at("b_w").get<double>();
        c.r2 = j.value("r2", 0.0);
        c.rmse_w = j.value("rmse_w", 0.0);
        c.points = j.value("points", std::size_t{0});
        c.sensor_min_w = j.value("sensor_min_w", 0.0);
        c.sensor_max_w = j.value("sensor_max_w", 0.0);
        c.fitted_at = j.contains("fitted_at") ? parse_rfc3339(j["fitted_at"].get<std::string>()) : 0;
        c.source = j.value("source", std::string());
        return c;
    } catch (const nlohmann::json::exception& e) {
        throw Error(m_file.string() + ": machines." + machine + ": " + e.what());
    }
}

void WallCorrectionStore::save(const std::string& machine, const WallCorrection& c) const {
    auto doc = read_json(m_file);
    doc["schema"] = "powerml.wall-corrections/1";
    doc["machines"][machine] = {{"a", c.a},           {"b_w", c.b},
                                {"r2", c.r2},         {"rmse_w", c.rmse_w},
                                {"points", c.points}, {"sensor_min_w", c.sensor_min_w},
                                {"sensor_max_w", c.sensor_max_w},
                                {"fitted_at", format_rfc3339(c.fitted_at)},
                                {"source", c.source}};
    std::filesystem::create_directories(m_file.parent_path());
    const auto tmp = m_file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) throw Error("cannot write " + tmp);
        out << doc.dump(2) << "\n";
    }
    std::filesystem::rename(tmp, m_file);  // never a half-written file
}

}  // namespace powerml::sensors
