// The intensity document written straight into a buffer against the nlohmann::json tree it
// replaced (the way `powerml intensity --format json` built it before): the same bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "powerml/carbon/series_json.hpp"

using namespace powerml;
using namespace powerml::carbon;

namespace {

std::string as_tree(const IntensitySeries& s) {
    nlohmann::json j = {{"zone", s.zone},
                        {"unit", "gCO2eq/kWh"},
                        {"signal", to_string(s.signal)},
                        {"basis", to_string(s.basis)},
                        {"source", s.provider},
                        {"answered_by", s.answered_by},
                        {"attribution", s.attribution},
                        {"licence", s.licence},
                        {"note", s.note}};
    auto& pts = j["points"] = nlohmann::json::array();
    for (const auto& p : s.points)
        pts.push_back({{"time", format_rfc3339(p.start)},
                       {"duration_s", p.duration_s},
                       {"value", p.g_per_kwh},
                       {"kind", to_string(p.kind)}});
    return j.dump(1);
}

std::string direct(const IntensitySeries& s) {
    std::string out = "unchanged prefix ";
    append_series_json(out, s);
    EXPECT_EQ(out.rfind("unchanged prefix ", 0), 0u);
    return out.substr(17);
}

}  // namespace

TEST(SeriesJsonTest, EmptySeriesMatchesTheTree) {
    IntensitySeries s;
    EXPECT_EQ(direct(s), as_tree(s));
    s.zone = "DE";
    s.provider = "embedded";
    EXPECT_EQ(direct(s), as_tree(s));
}

TEST(SeriesJsonTest, StringsAndNumbersMatchTheTree) {
    IntensitySeries s;
    s.zone = "aws:eu-west-1";
    s.signal = SignalType::marginal;
    s.basis = FactorBasis::direct;
    s.provider = "csv:/tmp/a \"quoted\" path\\x.csv";
    s.answered_by = "embedded";
    s.attribution = "Électricité \u00e9 \u4e2d";
    s.licence = "ODbL-1.0";
    s.note = "tab\there, newline\nthere, bell \x07, del \x7f";
    const UtcMillis t0 = parse_rfc3339("2024-02-29T23:00:00Z");
    const double values[] = {0.0, -0.0, 1e-7, 4999.999999999999, 123.45678901234568, 1e21, 1e16, 0.1,
                             std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                             std::numeric_limits<double>::denorm_min(), 177.74};
    int i = 0;
    for (double v : values) {
        const PointKind kind = static_cast<PointKind>(i % 3);
        s.points.push_back({t0 + i * 1'800'000 + (i % 2 ? 123 : 0), i % 2 ? 1800.0 : 0.5, v, kind});
        ++i;
    }
    EXPECT_EQ(direct(s), as_tree(s));
}

TEST(SeriesJsonTest, InvalidUtf8ThrowsAsTheTreeDoes) {
    IntensitySeries s;
    s.note = "\xff\xfe";
    EXPECT_THROW(as_tree(s), nlohmann::json::type_error);
    EXPECT_THROW(direct(s), nlohmann::json::type_error);
}
