// A run records who started it: Slurm's job id from the environment, and POWERML_LABELS.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

TEST(MeasureLabelsTest, SlurmJobIdAndPowermlLabelsGoIntoSummaryJson) {
    test::TempDir dir;
    const auto r = test::run_powerml({"measure", "-q", "--no-db", "--out", (dir.path() / "out").string(), "--", "true"},
                                     {{"XDG_DATA_HOME", (dir.path() / "xdg").string()},
                                      {"SLURM_JOB_ID", "4242"},
                                      {"POWERML_LABELS", "team=vision,experiment=resnet-a"}});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = nlohmann::json::parse(test::read_file(dir.path() / "out" / "summary.json"));
    EXPECT_EQ(summary["labels"]["slurm_job_id"], "4242");
    EXPECT_EQ(summary["labels"]["team"], "vision");
    EXPECT_EQ(summary["labels"]["experiment"], "resnet-a");

    const auto bad = test::run_powerml({"measure", "-q", "--no-db", "--", "true"},
                                       {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}, {"POWERML_LABELS", "novalue"}});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_NE(bad.err.find("POWERML_LABELS"), std::string::npos) << bad.err;
}
