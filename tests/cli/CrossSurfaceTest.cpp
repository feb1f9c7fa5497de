// One run, every surface: the terminal summary, summary.json, samples.csv and phases.csv, the
// run store (runs show by id and by folder, runs export), the report's tables and
// emissions.csv all state the same gross, baseline, net, per-phase and carbon figures.
// A fake RAPL package counter is driven at a known power by a writer that starts before the
// idle baseline, so the baseline's samples are real samples of the run.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/counter_writer.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

double to_joules(double value, const std::string& unit) {
    if (unit == "J") return value;
    if (unit == "Wh") return value * 3600.0;
    if (unit == "kWh") return value * 3.6e6;
    ADD_FAILURE() << "unknown unit " << unit;
    return NAN;
}

std::size_t csv_rows(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) ++lines;
    return lines - 1;  // the header
}

std::map<std::string, std::string> csv_record(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string header, row;
    std::getline(in, header);
    std::getline(in, row);
    std::vector<std::string> names, values;
    for (std::stringstream s(header); std::getline(s, header, ',');) names.push_back(header);
    for (std::stringstream s(row); std::getline(s, row, ',');) values.push_back(row);
    std::map<std::string, std::string> out;
    for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) out[names[i]] = values[i];
    return out;
}

struct Scripted {
    double idle_watts = 6;
    double watts = 30;
    double baseline_s = 1;
    int epochs = 2;
    double epoch_s = 0.4;
    double pue = 1.2;
};

void check_every_surface(const Scripted& c) {
    test::TempDir dir, sys;
    const std::string zone = "class/powercap/intel-rapl:0/";
    sys.write(zone + "name", "package-0\n");
    sys.write(zone + "max_energy_range_uj", "262143328850\n");
    const auto busy_flag = dir.path() / "busy";
    test::CounterWriter writer(sys.path() / zone / "energy_uj", busy_flag, c.idle_watts, c.watts);
    const std::map<std::string, std::string> env = {{"XDG_DATA_HOME", (dir.path() / "xdg").string()},
                                                    {"POWERML_SYSFS_ROOT", sys.path().string()}};
    std::string script = "touch '" + busy_flag.string() + "'; ";
    const std::string mark = std::string("'") + POWERML_BINARY + "'";
    for (int e = 1; e <= c.epochs; ++e)
        script += mark + " mark epoch-" + std::to_string(e) + "; sleep " + std::to_string(c.epoch_s) + "; " + mark +
                  " metric loss 0." + std::to_string(e) + "; " + mark + " mark --end epoch-" + std::to_string(e) + "; ";
    script += mark + " metric epochs_total " + std::to_string(c.epochs) + "; rm '" + busy_flag.string() + "'";
    const auto out = dir.path() / "out";
    const auto r = test::run_powerml({"measure", "--interval", "50", "--baseline", std::to_string(c.baseline_s), "--zone", "GB",
                                      "--pue", std::to_string(c.pue), "--out", out.string(), "--", "sh", "-c", script},
                                     env);
    ASSERT_EQ(r.exit_code, 0) << r.err;

    // summary.json is the reference every other surface is held against.
    const json s = json::parse(test::read_file(out / "summary.json"));
    const double gross = s["energy_j"]["gross"], baseline = s["energy_j"]["baseline"], net = s["energy_j"]["net"];
    const std::string id = s["run_id"];
    EXPECT_NEAR(net, gross - baseline, 1e-9);
    EXPECT_GT(baseline, 0.0);
    EXPECT_EQ(s["carbon"]["energy_basis"], "net");
    EXPECT_NEAR(s["carbon"]["energy_j"].get<double>(), net, 1e-9);
    ASSERT_TRUE(s["carbon"]["g_co2e"].is_number());
    const double grams = s["carbon"]["g_co2e"];
    ASSERT_EQ(s["phases"].size(), static_cast<std::size_t>(c.epochs));
    // The package counter alone runs at the writer's power over the job (+- one sample's edge).
    for (const auto& comp : s["components"])
        if (comp["name"] == "package-0")
            EXPECT_NEAR(comp["mean_power_w"].get<double>(), c.watts, 0.15 * c.watts) << comp.dump();

    // The terminal: "energy: X U gross - Y U idle baseline (...) = Z U net +/- ...", one unit.
    const std::regex line(R"(energy: ([0-9.]+) (J|Wh|kWh) gross - ([0-9.]+) (J|Wh|kWh) idle baseline .* = (-?[0-9.]+) (J|Wh|kWh) net)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.err, m, line)) << r.err;
    EXPECT_EQ(m[2], m[4]);
    EXPECT_EQ(m[4], m[6]);
    EXPECT_NEAR(to_joules(std::stod(m[1]), m[2]), gross, 1e-3 * gross);
    EXPECT_NEAR(to_joules(std::stod(m[3]), m[4]), baseline, 1e-3 * baseline + 1e-3);
    EXPECT_NEAR(to_joules(std::stod(m[5]), m[6]), net, 1e-3 * std::fabs(gross));
    EXPECT_NE(r.err.find("charged on the net energy (gross minus idle baseline)"), std::string::npos) << r.err;

    // Every sample, the baseline's included, is in samples.csv, the store and runs export.
    const std::size_t samples = s["samples"];
    EXPECT_EQ(csv_rows(out / "samples.csv"), samples);
    EXPECT_GE(samples, static_cast<std::size_t>(c.baseline_s / 0.05 * 0.8));
    const auto exported = dir.path() / "exported";
    const auto ex = test::run_powerml({"runs", "export", id, "--out", exported.string()}, env);
    ASSERT_EQ(ex.exit_code, 0) << ex.err;
    EXPECT_EQ(csv_rows(exported / "samples.csv"), samples);
    EXPECT_EQ(test::read_file(exported / "phases.csv"), test::read_file(out / "phases.csv"));

    // runs show by id, by prefix and by folder: the same record.
    for (const std::string& which : {id, id.substr(0, 17), out.string()}) {
        const auto show = test::run_powerml({"runs", "show", which}, env);
        ASSERT_EQ(show.exit_code, 0) << which << ": " << show.err;
        const json j = json::parse(show.out);
        EXPECT_DOUBLE_EQ(j["energy_j"]["gross"].get<double>(), gross) << which;
        EXPECT_DOUBLE_EQ(j["energy_j"]["baseline"].get<double>(), baseline) << which;
        EXPECT_DOUBLE_EQ(j["energy_j"]["net"].get<double>(), net) << which;
        EXPECT_DOUBLE_EQ(j["carbon"]["g_co2e"].get<double>(), grams) << which;
        EXPECT_EQ(j["samples"], s["samples"]) << which;
        for (std::size_t p = 0; p < s["phases"].size(); ++p)
            EXPECT_DOUBLE_EQ(j["phases"][p]["energy_j"]["net"].get<double>(), s["phases"][p]["energy_j"]["net"].get<double>());
    }

    // The report's tables and emissions.csv, from the id and from the folder.
    for (const std::string& which : {id, out.string()}) {
        const auto tables = dir.path() / ("tables-" + std::to_string(which.size()));
        const auto emissions = dir.path() / ("emissions-" + std::to_string(which.size()) + ".csv");
        const auto rep = test::run_powerml(
            {"report", which, "--tables", tables.string(), "--emissions", emissions.string(), "--out", (tables / "r.html").string()},
            env);
        ASSERT_EQ(rep.exit_code, 0) << which << ": " << rep.err;
        const json overview = json::parse(test::read_file(tables / ("run-" + id + "-overview.json")));
        std::map<std::string, json> field;
        for (const auto& row : overview["rows"]) field[row["field"]] = row["value"];
        EXPECT_DOUBLE_EQ(field["gross_energy_j"].get<double>(), gross) << which;
        EXPECT_DOUBLE_EQ(field["baseline_energy_j"].get<double>(), baseline) << which;
        EXPECT_DOUBLE_EQ(field["net_energy_j"].get<double>(), net) << which;
        EXPECT_DOUBLE_EQ(field["g_co2e"].get<double>(), grams) << which;
        const json phases = json::parse(test::read_file(tables / ("run-" + id + "-phases.json")));
        ASSERT_EQ(phases["rows"].size(), s["phases"].size());
        for (std::size_t p = 0; p < s["phases"].size(); ++p)
            EXPECT_DOUBLE_EQ(phases["rows"][p]["net_energy_j"].get<double>(), s["phases"][p]["energy_j"]["net"].get<double>());
        // emissions.csv: energy and emissions on one basis (net, with PUE, as CodeCarbon counts
        // it), so their ratio is the intensity that was used.
        const auto e = csv_record(emissions);
        EXPECT_NEAR(std::stod(e.at("energy_consumed")) * 3.6e6, net * c.pue, 1e-6 * std::fabs(net) + 1e-6) << which;
        EXPECT_NEAR(std::stod(e.at("emissions")) * 1000.0, grams, 1e-6 * grams + 1e-9) << which;
        const double implied = grams / (net * c.pue / 3.6e6);
        EXPECT_NEAR(implied, s["carbon"]["intensity_g_per_kwh"].get<double>(), 0.05 * implied) << which;
    }

    // predict accepts the folder too, and its totals are the run's.
    const auto pr = test::run_powerml({"predict", out.string(), "--format", "json"}, env);
    ASSERT_EQ(pr.exit_code, 0) << pr.err;
    const json p = json::parse(pr.out);
    EXPECT_EQ(p["epochs_total"], c.epochs);
}

}  // namespace

TEST(CrossSurfaceTest, OneRunTheSameNumbersEverywhere) { check_every_surface({}); }

// The same property over randomly drawn scripted runs (seeded: a failure names its case).
TEST(CrossSurfaceTest, RandomScriptedRunsAgreeOnEverySurface) {
    std::mt19937 rng(20261201);
    std::uniform_real_distribution<double> watts(15, 80), baseline(0.4, 1.2), pue(1.0, 1.6), epoch(0.2, 0.5);
    std::uniform_int_distribution<int> epochs(1, 3);
    for (int i = 0; i < 3; ++i) {
        Scripted c;
        c.watts = watts(rng);
        c.baseline_s = baseline(rng);
        c.pue = pue(rng);
        c.epochs = epochs(rng);
        c.epoch_s = epoch(rng);
        SCOPED_TRACE(::testing::Message() << "case " << i << ": " << c.watts << " W, baseline " << c.baseline_s << " s, "
                                          << c.epochs << " epochs of " << c.epoch_s << " s, PUE " << c.pue);
        check_every_surface(c);
    }
}
