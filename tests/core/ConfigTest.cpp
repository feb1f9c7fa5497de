#include <gtest/gtest.h>

#include <cstdlib>

#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
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
