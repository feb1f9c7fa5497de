// The report's tables, exports and charts, without a browser.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "powerml/report/emissions_csv.hpp"
#include "powerml/report/html_report.hpp"
#include "powerml/report/svg_chart.hpp"
#include "powerml/report/table.hpp"

using namespace powerml;
using namespace powerml::report;

TEST(ReportTest, TableCsvAndJsonKeepTypesAndEscape) {
    Table t{"t", "T", {"name", "value", "empty"}, {{std::string("a,\"b\""), 1.5, Cell()}, {std::string("c"), 1e-12, Cell()}}};
    EXPECT_EQ(t.to_csv(), "name,value,empty\n\"a,\"\"b\"\"\",1.5,\n"
                          "c,1e-12,\n");
    const auto j = nlohmann::json::parse(t.to_json());
    EXPECT_EQ(j["rows"][0]["name"], "a,\"b\"");
    EXPECT_DOUBLE_EQ(j["rows"][0]["value"].get<double>(), 1.5);
    EXPECT_TRUE(j["rows"][0]["empty"].is_null());
    EXPECT_NE(t.to_html().find("a,&quot;b&quot;"), std::string::npos);
}

TEST(ReportTest, EmissionsCsvHasCodeCarbonColumnsAndUnits) {
    RunInput run;
    run.id = "r1";
    run.started_utc_ms = 1'700'000'000'000;
    run.summary.duration_s = 100;
    run.summary.gross_j = 3.6e6 + 7.2e6;  // 3 kWh
    record::ComponentEnergy cpu, gpu, dram, core;
    cpu.component = powerml::record::Component::cpu;
    cpu.summed = true;
    cpu.gross_j = 3.6e6;  // 1 kWh
    gpu.component = powerml::record::Component::gpu;
    gpu.summed = true;
    gpu.gross_j = 5.4e6;
    dram.component = powerml::record::Component::dram;
    dram.summed = true;
    dram.gross_j = 1.8e6;
    cpu.net_j = cpu.gross_j;  // no baseline measured: net is gross
    gpu.net_j = gpu.gross_j;
    dram.net_j = dram.gross_j;
    core = cpu;
    core.summed = false;  // contained in the package: not counted twice
    run.summary.components = {cpu, gpu, dram, core};
    run.g_co2e = 1500;  // 1.5 kg
    run.zone = "DE";
    run.pue = 1.2;
    const std::string csv = emissions_csv({run}, "proj");
    const auto header = csv.substr(0, csv.find('\n'));
    // CodeCarbon 3.x (codecarbon/output_methods/emissions_data.py, 3.3.0): 38 fields in this order.
    EXPECT_EQ(header,
              "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,"
              "cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,region,"
              "cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,"
              "longitude,latitude,ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,"
              "ram_utilization_percent,ram_used_gb,on_cloud,pue,wue");
    EXPECT_EQ(codecarbon_columns().size(), 38u);
    EXPECT_EQ(codecarbon2_columns().size(), 31u);
    const auto line = csv.substr(header.size() + 1);
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i)
        if (i == line.size() || line[i] == ',' || line[i] == '\n') {
            cells.push_back(line.substr(start, i - start));
            start = i + 1;
            if (i < line.size() && line[i] == '\n') break;
        }
    ASSERT_GE(cells.size(), codecarbon_columns().size());
    auto cell = [&](const std::string& column) {
        for (std::size_t i = 0; i < codecarbon_columns().size(); ++i)
            if (codecarbon_columns()[i] == column) return cells[i];
        return std::string("?");
    };
    EXPECT_EQ(cell("project_name"), "proj");
    EXPECT_EQ(cell("duration"), "100");
    EXPECT_EQ(cell("emissions"), "1.5");          // kg
    EXPECT_EQ(cell("emissions_rate"), "0.015");   // kg/s
    // Energies times PUE (1.2), as CodeCarbon multiplies its energies before charging them.
    EXPECT_EQ(cell("cpu_energy"), "1.2");         // kWh
    EXPECT_EQ(cell("gpu_energy"), "1.8");
    EXPECT_EQ(cell("ram_energy"), "0.6");
    EXPECT_EQ(cell("energy_consumed"), "3.6");
    EXPECT_EQ(cell("cpu_power"), "36000");        // W = J / s
    EXPECT_EQ(cell("gpu_count"), "1");
    EXPECT_EQ(cell("region"), "DE");
    EXPECT_EQ(cell("pue"), "1.2");
    EXPECT_EQ(cell("on_cloud"), "N");
    EXPECT_EQ(cell("timestamp"), "2023-11-14T22:13:20Z");
}

TEST(ReportTest, EmissionsCsvEnergyIsTheEnergyTheEmissionsWereComputedFrom) {
    // A measured baseline: carbon was charged on net energy x PUE (measure --zone), so
    // energy_consumed must be that same energy, not the gross.
    RunInput run;
    run.id = "r2";
    run.summary.duration_s = 3600;
    run.summary.baseline_s = 60;
    powerml::record::ComponentEnergy cpu;
    cpu.component = powerml::record::Component::cpu;
    cpu.summed = true;
    cpu.gross_j = 7.2e6;  // 2 kWh
    cpu.baseline_j = 3.6e6;
    cpu.net_j = 3.6e6;    // 1 kWh
    run.summary.components = {cpu};
    run.summary.gross_j = cpu.gross_j;
    run.summary.net_j = cpu.net_j;
    run.pue = 1.5;
    run.g_co2e = 1.5 * 400;  // 1.5 kWh at 400 g/kWh
    const std::string csv = emissions_csv({run});
    const auto rows = csv.substr(csv.find('\n') + 1);
    auto cell = [&](const std::string& column) {
        std::size_t idx = 0;
        while (codecarbon_columns()[idx] != column) ++idx;
        std::size_t start = 0;
        for (std::size_t k = 0; k < idx; ++k) start = rows.find(',', start) + 1;
        return rows.substr(start, rows.find_first_of(",\n", start) - start);
    };
    EXPECT_EQ(cell("energy_consumed"), "1.5");  // kWh: net 1 kWh x PUE 1.5
    EXPECT_EQ(cell("cpu_energy"), "1.5");
    EXPECT_EQ(cell("emissions"), "0.6");        // kg: 1.5 kWh x 400 g/kWh
    EXPECT_EQ(cell("cpu_power"), "2000");       // W: the measured (gross) mean draw
    EXPECT_NE(emissions_basis({run}).find("net of the measured idle baseline"), std::string::npos);
}

TEST(ReportTest, ChartsCountTheirPointsAndSayWhenEmpty) {
    LineChart line;
    line.title = "P";
    line.series = {{"cpu", {0, 1, 2}, {1, 2, NAN}}};
    const auto svg = render(line);
    EXPECT_NE(svg.find("data-points=\"2\""), std::string::npos);
    EXPECT_NE(svg.find(" M"), std::string::npos);
    LineChart empty;
    EXPECT_NE(render(empty).find("no data"), std::string::npos);
    BarChart bars;
    bars.series_names = {"gross"};
    bars.groups = {{"a", {3}, {std::make_pair(2.0, 4.0)}}, {"b<", {-1}, {}}};
    const auto b = render(bars);
    EXPECT_NE(b.find("data-points=\"2\""), std::string::npos);
    EXPECT_NE(b.find("b&lt;"), std::string::npos);
    EXPECT_NE(b.find("errorbar"), std::string::npos);
    EXPECT_EQ(nice_ticks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
    EXPECT_EQ(nice_ticks(0, 1, 4), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
}

TEST(ReportTest, HtmlIsSelfContained) {
    ReportInput input;
    RunInput run;
    run.id = "r<1>";
    run.command = {"echo", "<script>"};
    input.runs.push_back(run);
    const auto html = render_html(input);
    EXPECT_EQ(html.find("<script"), std::string::npos) << "no script, and command text is escaped";
    EXPECT_EQ(html.find("http://"), std::string::npos);
    EXPECT_EQ(html.find("https://"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
}
