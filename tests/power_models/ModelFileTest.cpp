#include <gtest/gtest.h>

#include <cmath>

#include "powerml/core/error.hpp"
#include "powerml/power_models/model_file.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::power_models;

namespace {

// The message of the Error parsing `text` throws ("" when it parses).
std::string error_of(const std::string& text) {
    try {
        parse_model_file(text, "m.toml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

const std::string k_single = R"(schema = "powerml.power-models/1"
[[model]]
id = "lab/xeon-e5-2630"
kind = "cpu"
form = "power"
scale = "socket"
idle_w = 20
max_w = 85
exponent = 1.7
source = "measured in our lab"
licence = "CC0-1.0"
match = { cpu = "Intel Xeon E5-2630 v4", vm = false }
)";

}  // namespace

TEST(ModelFileTest, ReadsASingleModelFile) {
    const auto models = parse_model_file(k_single, "m.toml");
    ASSERT_EQ(models.size(), 1u);
    const auto& m = models[0];
    EXPECT_EQ(m.id, "lab/xeon-e5-2630");
    EXPECT_EQ(m.kind, ComponentKind::cpu);
    EXPECT_EQ(m.form, Form::power);
    EXPECT_EQ(m.scale, Scale::socket);
    EXPECT_EQ(m.match.cpu, std::vector<std::string>{"Intel Xeon E5-2630 v4"});
    EXPECT_EQ(m.match.vm, false);
    EXPECT_EQ(m.location.line, 2);
    EXPECT_DOUBLE_EQ(m.watts_at(0.5), 20 + 65 * std::pow(0.5, 1.7));
    EXPECT_DOUBLE_EQ(m.relative_uncertainty, 0.3);  // the documented default
}

TEST(ModelFileTest, CatalogFileWithDefaultsAndInlineModels) {
    const std::string text = R"(schema = "powerml.power-models/1"
catalog = { name = "t", source = "a table", licence = "MIT" }
defaults = { kind = "gpu", form = "linear", scale = "device", match = { vm = false } }
model = [
  { id = "a", match = { gpu = "T4" }, idle_w = 7, max_w = 70 },
  { id = "b", match = { gpu = "A100" }, idle_w = 25, max_w = 250, source = "its own datasheet" },
  { id = "c", kind = "node", form = "piecewise", scale = "machine", match = { board = "R610" }, points = [[0, 60], [0.5, 150], [1, 236]] },
]
)";
    const auto models = parse_model_file(text, "c.toml");
    ASSERT_EQ(models.size(), 3u);
    EXPECT_EQ(models[0].source, "a table");
    EXPECT_EQ(models[0].licence, "MIT");
    EXPECT_EQ(models[0].match.vm, false);  // from the defaults, merged with the model's own rule
    EXPECT_EQ(models[0].match.gpu, std::vector<std::string>{"T4"});
    EXPECT_EQ(models[1].source, "its own datasheet");
    EXPECT_EQ(models[2].kind, ComponentKind::node);
    EXPECT_DOUBLE_EQ(models[2].watts_at(0.25), 105);
    EXPECT_DOUBLE_EQ(models[2].watts_at(2.0), 236);  // clamped to the last point
    EXPECT_EQ(models[2].location.line, 7);
}

TEST(ModelFileTest, EveryFormEvaluates) {
    PowerModel m;
    m.form = Form::constant;
    m.watts = 5;
    EXPECT_DOUBLE_EQ(m.watts_at(0.9), 5);
    m.form = Form::linear;
    m.idle_w = 10, m.max_w = 110;
    EXPECT_DOUBLE_EQ(m.watts_at(0.3), 40);
    m.form = Form::dram;
    m.capacitance_f = 1.7361e-9, m.voltage_v = 1.2, m.frequency_hz = 2.4e9;
    EXPECT_NEAR(m.watts_at(0), 3.0, 1e-3);  // the 3 W per 8 GB DDR4 DIMM the constant is chosen for
    m.form = Form::network;
    m.idle_w = 2, m.joules_per_byte = 3.6e-3 * 0.06;  // 0.06 kWh/GB
    EXPECT_DOUBLE_EQ(m.watts_at(1e6), 2 + 216);
}

TEST(ModelFileTest, ProblemsNameFileLineAndField) {
    // Malformed TOML.
    EXPECT_EQ(error_of("schema = \"powerml.power-models/1\"\n[[model]\nid = 1\n").rfind("m.toml:2: not valid TOML", 0), 0u);
    // Contradiction: max below idle, named at max_w's line.
    std::string text = k_single;
    text.replace(text.find("max_w = 85"), 10, "max_w = 15");
    EXPECT_NE(error_of(text).find("m.toml:8: model 'lab/xeon-e5-2630': field 'max_w': 15 W is below idle_w = 20 W"), std::string::npos)
        << error_of(text);
    // A parameter of another form.
    text = k_single;
    text.replace(text.find("form = \"power\""), 14, "form = \"linear\"");
    EXPECT_NE(error_of(text).find("m.toml:9: model 'lab/xeon-e5-2630': field 'exponent': is not used by form 'linear'"),
              std::string::npos)
        << error_of(text);
    // A misspelt field.
    text = k_single + "idel_w = 3\n";
    EXPECT_NE(error_of(text).find("m.toml:13: model 'lab/xeon-e5-2630': field 'idel_w': unknown field"), std::string::npos)
        << error_of(text);
    // Missing source.
    text = k_single;
    text.erase(text.find("source = "), std::string("source = \"measured in our lab\"\n").size());
    EXPECT_NE(error_of(text).find("field 'source': missing"), std::string::npos) << error_of(text);
    // A cpu model matched by GPU name.
    text = k_single;
    text.replace(text.find("cpu = \"Intel"), 3, "gpu");
    EXPECT_NE(error_of(text).find("m.toml:12: model 'lab/xeon-e5-2630': field 'match.gpu': a cpu model cannot match by GPU name"),
              std::string::npos)
        << error_of(text);
    // Points that go back.
    const std::string pts = R"(schema = "powerml.power-models/1"
[[model]]
id = "p"
kind = "node"
form = "piecewise"
source = "s"
licence = "l"
match = { fallback = true }
points = [[0, 1], [0.6, 2],
          [0.5, 3], [1, 4]]
)";
    EXPECT_NE(error_of(pts).find("m.toml:9: model 'p': field 'points': point 3: utilisation 0.5 does not increase"), std::string::npos)
        << error_of(pts);
    // Two models with one id.
    EXPECT_NE(error_of(k_single + "[[model]]\n" + k_single.substr(k_single.find("id ="))).find("appears twice"), std::string::npos);
    // Wrong type, unknown kind, no models at all.
    EXPECT_NE(error_of(std::string(k_single).replace(k_single.find("idle_w = 20"), 11, "idle_w = \"20\"")).find("field 'idle_w': must be a number"),
              std::string::npos);
    EXPECT_NE(error_of(std::string(k_single).replace(k_single.find("\"cpu\"\n"), 5, "\"fpga\"")).find("field 'kind': 'fpga' is not one of"),
              std::string::npos);
    EXPECT_NE(error_of("schema = \"powerml.power-models/1\"\n").find("no [[model]] table"), std::string::npos);
    EXPECT_NE(error_of("schema = \"other/2\"\n[[model]]\n").find("field 'schema'"), std::string::npos);
}

TEST(ModelFileTest, WrittenFilesReadBackTheSame) {
    auto m = parse_model_file(k_single, "m.toml")[0];
    m.description = "with \"quotes\" and a \\ backslash";
    m.fit = FitInfo{"20250101T000000-abcd", 120, 0.987, 0.031, 1.5, "PROCFS::CPU_UTIL@cpu"};
    const auto back = parse_model_file(write_model_file(m), "w.toml");
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].id, m.id);
    EXPECT_EQ(back[0].description, m.description);
    EXPECT_DOUBLE_EQ(back[0].exponent, 1.7);
    EXPECT_EQ(back[0].match.cpu, m.match.cpu);
    EXPECT_EQ(back[0].match.vm, false);
    ASSERT_TRUE(back[0].fit);
    EXPECT_DOUBLE_EQ(back[0].fit->mape, 0.031);
    EXPECT_EQ(back[0].fit->samples, 120);
    for (double u : {0.0, 0.33, 1.0}) EXPECT_DOUBLE_EQ(back[0].watts_at(u), m.watts_at(u));
}

TEST(ModelFileTest, FilesAreBoundedInSize) {
    test::TempDir dir;
    const auto big = dir.write("big.toml", std::string((32u << 20) + 1, '#'));
    try {
        read_model_file(big);
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("more than the"), std::string::npos) << e.what();
    }
    EXPECT_THROW(read_model_file("/dev/zero"), Error);
}
