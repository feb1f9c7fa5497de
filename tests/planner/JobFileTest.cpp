#include "powerml/planner/job_file.hpp"

#include <gtest/gtest.h>

#include "powerml/core/error.hpp"
#include "support/temp_dir.hpp"

namespace powerml::planner {
namespace {

const char* k_good = R"(
[job]
name = "cnn-retrain"
duration = "5h"
power_w = 300
earliest_start = "2023-06-15T00:00:00Z"
deadline = 2023-06-16T12:00:00Z
interruptible = true
checkpoint = { seconds = 120, energy_wh = 5 }
min_segment = "30m"
data_gb = 144
allowed_jurisdictions = ["EU", "UK"]
drift = { accuracy_loss_per_hour = 0.02, max_accuracy_loss = 0.5 }

[objective]
g_per_accuracy_pp = 100

[[site]]
name = "nicosia-mec"
zone = "CY"
current = true
jurisdiction = "EU"
pue = 1.2
network_kwh_per_gb = 0.06
bandwidth_gbps = 1.0

[[site]]
name = "lulea"
zone = "SE"
jurisdiction = "EU"
speed = 2
power_w = 250
slurm_cluster = "north"
)";

// Replaces the first occurrence of `from` in the good file.
std::string with(const std::string& from, const std::string& to) {
    std::string text = k_good;
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
}

// The error message of parsing `text`, or "" when it parsed.
std::string error_of(const std::string& text) {
    try {
        parse_job_toml(text, "job.toml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(JobFileTest, ReadsEveryField) {
    const JobSpec j = parse_job_toml(k_good, "job.toml");
    EXPECT_EQ(j.name, "cnn-retrain");
    EXPECT_DOUBLE_EQ(j.duration_s, 5 * 3600.0);
    EXPECT_DOUBLE_EQ(j.power_w, 300.0);
    EXPECT_EQ(*j.earliest_start, parse_rfc3339("2023-06-15T00:00:00Z"));
    EXPECT_EQ(j.deadline, parse_rfc3339("2023-06-16T12:00:00Z"));  // TOML date-time form
    EXPECT_TRUE(j.interruptible);
    EXPECT_DOUBLE_EQ(j.checkpoint.seconds, 120.0);
    EXPECT_DOUBLE_EQ(j.checkpoint.energy_j, 5 * 3600.0);
    EXPECT_DOUBLE_EQ(j.min_segment_s, 1800.0);
    EXPECT_DOUBLE_EQ(j.data_gb, 144.0);
    EXPECT_EQ(j.allowed_jurisdictions, (std::vector<std::string>{"EU", "UK"}));
    ASSERT_TRUE(j.drift);
    EXPECT_DOUBLE_EQ(j.drift->loss_pp_per_hour, 0.02);
    EXPECT_DOUBLE_EQ(*j.drift->max_loss_pp, 0.5);
    EXPECT_DOUBLE_EQ(j.objective.g_per_accuracy_pp, 100.0);
    ASSERT_EQ(j.sites.size(), 2u);
    EXPECT_EQ(j.current_site().name, "nicosia-mec");
    EXPECT_DOUBLE_EQ(j.sites[0].pue, 1.2);
    EXPECT_DOUBLE_EQ(j.sites[1].speed, 2.0);
    EXPECT_DOUBLE_EQ(*j.sites[1].power_w, 250.0);
    EXPECT_EQ(j.sites[1].slurm_cluster, "north");
    EXPECT_TRUE(j.jurisdiction_allowed("UK"));
    EXPECT_FALSE(j.jurisdiction_allowed("US"));
}

TEST(JobFileTest, RejectsBadFilesNamingTheField) {
    struct Bad {
        std::string text, field;
    };
    const std::vector<Bad> cases = {
        {with("name = \"cnn-retrain\"\n", ""), "name"},
        {with("deadline = 2023-06-16T12:00:00Z\n", ""), "deadline"},
        {with("deadline = 2023-06-16T12:00:00Z", "deadline = 2023-06-15T04:00:00Z"), "deadline"},
        {with("power_w = 300", "power_w = -300"), "power_w"},
        {with("power_w = 300\n", ""), "power_w"},
        {with("duration = \"5h\"", "duration = \"five hours\""), "duration"},
        {with("zone = \"CY\"\n", ""), "zone"},
        {with("zone = \"CY\"", "zone = \"\""), "zone"},
        {with("pue = 1.2", "pue = 0.8"), "pue"},
        {with("speed = 2", "speed = 0"), "speed"},
        {with("bandwidth_gbps = 1.0", "bandwidth_gbps = -1"), "bandwidth_gbps"},
        {with("data_gb = 144", "data_gb = -1"), "data_gb"},
        {with("current = true\n", ""), "current"},
        {with("name = \"lulea\"", "name = \"nicosia-mec\""), "used twice"},
        {with("min_segment = \"30m\"", "min_segmnet = \"30m\""), "min_segmnet"},
        {with("earliest_start = \"2023-06-15T00:00:00Z\"", "earliest_start = \"tomorrow\""), "earliest_start"},
        {with("checkpoint = { seconds = 120, energy_wh = 5 }", "checkpoint = { seconds = -1 }"), "seconds"},
        {with("slurm_cluster = \"north\"", "power_model = \"t4\""), "power_model"},
        {"[job\nname=1", "line"},
        // Durations past 100 years would overflow time arithmetic (found by fuzz/job_file).
        {with("duration = \"5h\"", "duration = \"55555555555555555555555555555555555555555555h\""), "duration"},
        {with("duration = \"5h\"", "duration = 1e300"), "duration"},
        {with("min_segment = \"30m\"", "min_segment = 4e9"), "min_segment"},
    };
    for (const Bad& b : cases) {
        const std::string message = error_of(b.text);
        EXPECT_NE(message, "") << "accepted a file lacking " << b.field;
        EXPECT_NE(message.find(b.field), std::string::npos) << message;
        EXPECT_NE(message.find("job.toml"), std::string::npos) << message;
    }
}

TEST(JobFileTest, TakesTheProfileFromAMeasuredRun) {
    test::TempDir dir;
    dir.write("run1/summary.json",
              R"({"schema":"powerml.run/1","duration_s":7200,"energy_j":{"gross":2160000,"baseline":0,"net":2160000}})");
    dir.write("job.toml", R"(
[job]
name = "from-run"
run = "run1"
deadline = "2023-06-16T12:00:00Z"
[[site]]
name = "here"
zone = "DE"
current = true
)");
    const JobSpec j = load_job_file(dir.path() / "job.toml");
    EXPECT_DOUBLE_EQ(j.duration_s, 7200.0);
    EXPECT_DOUBLE_EQ(j.power_w, 300.0);
    EXPECT_NE(j.profile_origin.find("run1"), std::string::npos);

    dir.write("bad.toml", "[job]\nname = \"x\"\nrun = \"nowhere\"\ndeadline = \"2023-06-16T12:00:00Z\"\n");
    try {
        load_job_file(dir.path() / "bad.toml");
        FAIL() << "accepted a missing run";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("run"), std::string::npos);
    }
}

TEST(JobFileTest, AsksTheLookupForRunIds) {
    const std::string text =
        "[job]\nname = \"x\"\nrun = \"20261123T131500Z-3f2a\"\ndeadline = \"2023-06-16T12:00:00Z\"\n"
        "[[site]]\nname = \"a\"\nzone = \"DE\"\ncurrent = true\n";
    RunLookup lookup = [](const std::string& id) -> std::optional<RunProfile> {
        if (id == "20261123T131500Z-3f2a") return RunProfile{3600.0, 150.0, "run " + id};
        return std::nullopt;
    };
    const JobSpec j = parse_job_toml(text, "job.toml", {}, lookup);
    EXPECT_DOUBLE_EQ(j.duration_s, 3600.0);
    EXPECT_DOUBLE_EQ(j.power_w, 150.0);
    EXPECT_EQ(j.profile_origin, "run 20261123T131500Z-3f2a");
    EXPECT_THROW(parse_job_toml(text, "job.toml"), Error);  // no store to ask
}

TEST(JobFileTest, MissingFileIsAnError) {
    EXPECT_THROW(load_job_file("/nonexistent/job.toml"), Error);
}

}  // namespace
}  // namespace powerml::planner

namespace powerml::planner {
namespace {

TEST(JobFileTest, FilesAreBoundedInSize) {
    test::TempDir dir;
    const auto big = dir.write("big.toml", std::string(2 << 20, '#'));
    try {
        load_job_file(big);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("more than the 1048576"), std::string::npos) << e.what();
    }
    try {
        load_job_file("/dev/zero");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
    std::string sites = k_good;
    for (int i = 0; i < 1001; ++i) sites += "[[site]]\nname = \"s" + std::to_string(i) + "\"\nzone = \"DE\"\n";
    try {
        parse_job_toml(sites, "job.toml");
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("at most 1000 sites"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace powerml::planner
