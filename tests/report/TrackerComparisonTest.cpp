// Seed 003's comparison as a feature: a CodeCarbon emissions.csv (2.x and 3.x) or an
// experiment-impact-tracker log beside PowerML's measurement of the same job.
#include "powerml/report/tracker_comparison.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/report/emissions_csv.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::report;

namespace {

// A job PowerML measured with a wall meter (node, 100 Wh), the GPU (60 Wh) and a 60 s baseline.
RunInput measured_job() {
    RunInput run;
    run.id = "job";
    run.summary.duration_s = 3600;
    run.summary.baseline_s = 60;
    powerml::record::ComponentEnergy node, gpu;
    node.component = powerml::record::Component::node;
    node.summed = false;  // a whole-machine reading
    node.gross_j = 360'000;
    node.net_j = 216'000;  // 40 Wh idle over the hour
    gpu.component = powerml::record::Component::gpu;
    gpu.summed = true;
    gpu.gross_j = 216'000;
    gpu.net_j = 180'000;
    run.summary.components = {node, gpu};
    run.summary.gross_j = gpu.gross_j;
    run.summary.net_j = gpu.net_j;
    return run;
}

// One CodeCarbon row with the given header (2.x or 3.x), GPU only as on seed 003's AMD machine:
// 0.0624 kWh including PUE 1.2, i.e. 0.052 kWh = 187,200 J measured.
std::string codecarbon_file(const std::vector<std::string>& columns, const std::string& version) {
    std::string header, row;
    for (const auto& c : columns) {
        const bool first = &c == &columns.front();
        header += (first ? "" : ",") + c;
        std::string v;
        if (c == "duration") v = "3590";
        else if (c == "emissions") v = "0.025";
        else if (c == "cpu_energy" || c == "ram_energy") v = "0";
        else if (c == "gpu_energy" || c == "energy_consumed") v = "0.0624";
        else if (c == "pue") v = "1.2";
        else if (c == "codecarbon_version") v = version;
        else if (c == "tracking_mode") v = "machine";
        else if (c == "run_id") v = "abc";
        row += (first ? "" : ",") + v;
    }
    return header + "\n" + row + "\n";
}

std::string joined(const std::vector<std::string>& notes) {
    std::string out;
    for (const auto& n : notes) out += n + "\n";
    return out;
}

}  // namespace

TEST(TrackerComparisonTest, CodeCarbon3xAnd2xFilesAreReadByColumnName) {
    for (const auto& [columns, version] : {std::pair{codecarbon_columns(), std::string("3.3.0")},
                                           std::pair{codecarbon2_columns(), std::string("2.8.3")}}) {
        const auto t = read_codecarbon_csv(codecarbon_file(columns, version), "emissions.csv");
        EXPECT_NE(t.tool.find(version), std::string::npos) << t.tool;
        EXPECT_NE(t.tool.find(version[0] == '3' ? "3.x columns" : "2.x columns"), std::string::npos) << t.tool;
        ASSERT_TRUE(t.gpu_j);
        EXPECT_NEAR(*t.gpu_j, 0.0624 * 3.6e6 / 1.2, 1e-6);  // PUE divided out: 187,200 J
        EXPECT_DOUBLE_EQ(*t.cpu_j, 0.0);
        EXPECT_DOUBLE_EQ(t.pue, 1.2);
        EXPECT_DOUBLE_EQ(*t.g_co2e, 25.0);
        EXPECT_DOUBLE_EQ(*t.duration_s, 3590);
    }
    // PowerML's own emissions.csv is a CodeCarbon 3.x file too.
    const std::string ours = emissions_csv({measured_job()});
    EXPECT_NE(read_codecarbon_csv(ours, "ours.csv").tool.find("3.x columns"), std::string::npos);
    EXPECT_THROW(read_codecarbon_csv("time,value\n1,2\n", "x.csv"), Error);
}

TEST(TrackerComparisonTest, CodeCarbonBesideTheMeterGivesRatioAndReasons) {
    const auto t = read_codecarbon_csv(codecarbon_file(codecarbon_columns(), "3.3.0"), "emissions.csv");
    std::vector<std::string> notes;
    const Table table = tracker_comparison(measured_job(), t, notes);
    ASSERT_EQ(table.rows.size(), 4u);
    // total row: tracker 187,200 J against the meter's 360,000 J.
    EXPECT_EQ(std::get<std::string>(table.rows[3][0]), "total (PowerML: whole machine)");
    EXPECT_DOUBLE_EQ(std::get<double>(table.rows[3][1]), 360'000);
    EXPECT_NEAR(std::get<double>(table.rows[3][4]), 187'200.0 / 360'000.0, 1e-12);
    // gpu row: 187,200 / 216,000.
    EXPECT_NEAR(std::get<double>(table.rows[1][4]), 187'200.0 / 216'000.0, 1e-12);
    const std::string all = joined(notes);
    EXPECT_NE(all.find("52 % of PowerML's gross energy"), std::string::npos) << all;
    EXPECT_NE(all.find("idle draw"), std::string::npos) << all;
    EXPECT_NE(all.find("PUE of 1.2"), std::string::npos) << all;
    EXPECT_NE(all.find("power supply losses"), std::string::npos) << all;
}

TEST(TrackerComparisonTest, ImpactTrackerLogIsIntegratedAsTheTrackerDoes) {
    // Three samples 10 s apart: each sample's power since the one before (the first adds nothing).
    const std::string log =
        R"({"timestamp": 1000.0, "rapl_estimated_attributable_power_draw": 99, "nvidia_estimated_attributable_power_draw": 99})" "\n"
        R"({"timestamp": 1010.0, "rapl_estimated_attributable_power_draw": 20, "nvidia_estimated_attributable_power_draw": 100})" "\n"
        R"({"timestamp": 1020.0, "rapl_estimated_attributable_power_draw": 30, "nvidia_estimated_attributable_power_draw": 200})" "\n";
    test::TempDir dir;
    const auto path = dir.write("impacttracker/data.json", log);
    const auto t = read_tracker_file(dir.path());  // the log directory
    EXPECT_EQ(t.tool, "experiment-impact-tracker");
    EXPECT_DOUBLE_EQ(*t.cpu_j, 20 * 10 + 30 * 10);
    EXPECT_DOUBLE_EQ(*t.gpu_j, 100 * 10 + 200 * 10);
    EXPECT_DOUBLE_EQ(*t.duration_s, 20);
    EXPECT_EQ(t.scope, "attributable");
    std::vector<std::string> notes;
    tracker_comparison(measured_job(), t, notes);
    const std::string all = joined(notes);
    EXPECT_NE(all.find("compare it with PowerML's net"), std::string::npos) << all;
    EXPECT_NE(all.find("durations differ"), std::string::npos) << all;
    EXPECT_NE(all.find("1.58"), std::string::npos) << all;
    // Malformed logs are refused with the line.
    EXPECT_THROW(read_impact_tracker_log("{\"timestamp\": 1}\nnot json\n", "d.json"), Error);
    EXPECT_THROW(read_impact_tracker_log("{\"timestamp\": 1, \"x\": 2}\n{\"timestamp\": 2, \"x\": 2}\n", "d.json"), Error);
}

TEST(TrackerComparisonTest, ComponentsTheTrackerCannotSeeAreNamed) {
    // A machine with RAPL: PowerML has cpu energy the (GPU-only) tracker reports as 0.
    RunInput run = measured_job();
    powerml::record::ComponentEnergy cpu;
    cpu.component = powerml::record::Component::cpu;
    cpu.summed = true;
    cpu.gross_j = 72'000;
    cpu.net_j = 36'000;
    run.summary.components.push_back(cpu);
    const auto t = read_codecarbon_csv(codecarbon_file(codecarbon2_columns(), "2.8.3"), "emissions.csv");
    std::vector<std::string> notes;
    const Table table = tracker_comparison(run, t, notes);
    EXPECT_NE(std::get<std::string>(table.rows[0][5]).find("the tracker saw no cpu energy"), std::string::npos);
    EXPECT_NE(joined(notes).find("cannot see this machine's cpu"), std::string::npos) << joined(notes);
}

TEST(TrackerComparisonTest, ReportCompareEndToEnd) {
    // A real measured run, then `powerml report RUN --compare` with a CodeCarbon 3.x file and
    // with something that is not a tracker's log (a clear one-line error, non-zero exit).
    test::TempDir dir;
    const std::map<std::string, std::string> env = {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
    const std::string db = (dir.path() / "runs.sqlite").string();
    ASSERT_EQ(test::run_powerml({"measure", "-q", "--db", db, "--", "true"}, env).exit_code, 0);
    const auto list = test::run_powerml({"runs", "--db", db, "list"}, env);
    ASSERT_EQ(list.exit_code, 0) << list.err;
    const auto second = list.out.substr(list.out.find('\n') + 1);
    const std::string id = second.substr(0, second.find(' '));
    ASSERT_FALSE(id.empty()) << list.out;
    const auto cc = dir.write("emissions.csv", codecarbon_file(codecarbon_columns(), "3.3.0"));
    const auto r = test::run_powerml({"report", "--db", db, id, "--compare", cc.string(), "--tables", (dir.path() / "t").string()}, env);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("PowerML beside CodeCarbon 3.3.0 (3.x columns)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("PUE of 1.2"), std::string::npos) << r.out;
    EXPECT_NE(dir.read("t/tracker-comparison.csv").find("tracker_over_powerml_gross"), std::string::npos);
    const auto bad = dir.write("nonsense.csv", "a,b\n1,2\n");
    const auto e = test::run_powerml({"report", "--db", db, id, "--compare", bad.string()}, env);
    EXPECT_NE(e.exit_code, 0);
    EXPECT_NE(e.err.find("not a CodeCarbon emissions.csv: no column duration"), std::string::npos) << e.err;
    EXPECT_EQ(std::count(e.err.begin(), e.err.end(), '\n'), 1) << e.err;
}
