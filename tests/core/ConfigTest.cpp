#include <gtest/gtest.h>

#include <cstdlib>

#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

TEST(ConfigTest, PrecedenceDefaultFileEnvFlag) {
    test::TempDir dir;
    const auto file = dir.write("c.toml", "[measure]\ninterval_ms = 50\nzone = \"GB\"\n[provider.ukgrid]\nbase_url = \"http://x\"\n");
    Config config;
    config.set_default("measure.interval_ms", "100");
    config.set_default("measure.baseline_s", "0");
    config.load_file(file);
    EXPECT_EQ(config.get_or("measure.interval_ms", ""), "50");
    EXPECT_EQ(config.get_or("provider.ukgrid.base_url", ""), "http://x");
    ::setenv("POWERML_MEASURE_INTERVAL_MS", "20", 1);
    config.load_env();
    EXPECT_EQ(config.get_double("measure.interval_ms", 0), 20);
    EXPECT_EQ(config.origin("measure.interval_ms"), Config::Origin::env);
    config.set_flag("measure.interval_ms", "10");
    EXPECT_EQ(config.get_double("measure.interval_ms", 0), 10);
    EXPECT_EQ(config.get_or("measure.baseline_s", ""), "0");
    ::unsetenv("POWERML_MEASURE_INTERVAL_MS");
}

TEST(ConfigTest, BadFileNamesFileAndLine) {
    test::TempDir dir;
    const auto file = dir.write("bad.toml", "[measure]\ninterval_ms = = 3\n");
    Config config;
    try {
        config.load_file(file);
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bad.toml:2"), std::string::npos) << e.what();
    }
}

TEST(ConfigTest, BadNumberIsAnError) {
    Config config;
    config.set_flag("measure.interval_ms", "fast");
    EXPECT_THROW(config.get_double("measure.interval_ms", 1), Error);
}

// A configuration PowerML cannot take as written is an error naming the file, line and key:
// dropping the value (a pinned power model, a provider key) without a word is not an option.
TEST(ConfigTest, ValuesOfOtherTypesAreErrorsNotDropped) {
    test::TempDir dir;
    struct Case {
        const char* text;
        const char* words;
    };
    for (const Case& c : {Case{"[power_models]\ncpu = [\"a\", \"b\"]\n", "c.toml:2: power_models.cpu: a list"},
                          Case{"[measure]\nstart = 2024-01-01T00:00:00Z\n", "c.toml:2: measure.start"},
                          Case{"[measure]\ninterval_ms = nan\n", "c.toml:2: measure.interval_ms: not a finite number"},
                          Case{"[power_models\ncpu = \"x\"\n", "c.toml:1:"},
                          Case{"power_models = 3\npower_models.cpu = \"x\"\n", "c.toml:"}}) {
        const auto file = dir.write("c.toml", c.text);
        Config config;
        try {
            config.load_file(file);
            ADD_FAILURE() << c.text;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(c.words), std::string::npos) << e.what();
        }
        EXPECT_FALSE(config.get("power_models.cpu").has_value());  // nothing half-loaded
    }
    // Numbers keep their value as text that reads back the same.
    const auto file = dir.write("n.toml", "[measure]\ninterval_ms = 0.000125\nbig = 12345678901234\n");
    Config config;
    config.load_file(file);
    EXPECT_DOUBLE_EQ(config.get_double("measure.interval_ms", 0), 0.000125);
    EXPECT_EQ(config.get_or("measure.big", ""), "12345678901234");
    // Not a regular file, or too large.
    EXPECT_THROW(Config().load_file("/dev/zero"), Error);
    EXPECT_THROW(Config().load_file(dir.write("huge.toml", std::string((1 << 20) + 1, '#'))), Error);
}

// `powerml measure` with a malformed configuration stops with the file and line instead of
// measuring without the power model and reporting 0 J.
TEST(ConfigTest, MeasureWithAMalformedConfigFailsClearly) {
    test::TempDir dir;
    const auto file = dir.write("config.toml", "[power_models]\ncpu = \"ccf/aws/cascade-lake\"\ngpu = = 3\n");
    const auto r = test::run_powerml({"measure", "-q", "--out", (dir.path() / "out").string(), "--", "true"},
                                     {{"POWERML_CONFIG", file.string()}, {"XDG_DATA_HOME", (dir.path() / "data").string()}});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("config.toml:3"), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("0 J"), std::string::npos) << r.out;
}
