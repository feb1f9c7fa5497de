// The profile report (seed 001's figures) from a profile whose numbers are known: sixteen models
// whose training energy per sample is exactly k x (MACs per parameter)^0.5, at two batch sizes.
// Checked as text (figures, tables, the rho and slope the profile holds) and rendered in
// headless Chromium (no console message, every figure drawn with data); a screenshot is kept in
// the build tree (build/tests/report-artifacts/profile-report.png).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "powerml/report/profile_report.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::workloads;

namespace {

analysis::PhaseSummary phase(const std::string& name, double start, double end, double net, double samples) {
    analysis::PhaseSummary p;
    p.name = name;
    p.start_s = start;
    p.end_s = end;
    p.gross_j = net + 5 * (end - start);
    p.net_j = net;
    p.metrics["samples"] = samples;
    return p;
}

Profile known_profile() {
    // MACs and parameters of seed 001's sixteen (tests/workloads/CifarZooTest.cpp derives them).
    const std::vector<std::tuple<std::string, double, std::int64_t>> zoo = {
        {"simpledla", 913495040, 15142970},    {"dpn26", 665050880, 11574842},     {"densenet121", 888350720, 6956298},
        {"efficientnetb0", 30331392, 3599686}, {"googlenet", 1521756160, 6166250}, {"lenet", 651720, 62006},
        {"mobilenet", 46354432, 3217226},      {"mobilenetv2", 91154944, 2296922}, {"pnasnetb", 74474752, 451626},
        {"preactresnet18", 555422720, 11171146}, {"regnetx_200mf", 223317600, 2321946}, {"resnet18", 555422720, 11173962},
        {"resnext29_2x64d", 1409492992, 9128778}, {"senet18", 555509760, 11260354}, {"shufflenetv2", 45002112, 1263854},
        {"vgg16", 313201664, 14728266}};
    ProfilePlan plan;
    plan.batch_sizes = {32, 128};
    plan.repeat = 2;
    std::map<std::string, ModelCharacteristics> info;
    for (const auto& [name, macs, params] : zoo) {
        plan.models.push_back(name);
        ModelCharacteristics c;
        c.model = name;
        c.source = "builtin";
        c.input = {3, 32, 32};
        c.classes = 10;
        c.macs = macs;
        c.total_params = c.trainable_params = params;
        info[name] = c;
    }
    analysis::RunSummary run;
    analysis::ComponentEnergy cpu;
    cpu.name = "cpu";
    cpu.source = "model";
    cpu.kind = powerml::record::EnergyKind::model;
    cpu.model_id = "generic-x86";
    cpu.summed = true;
    cpu.baseline_power_w = 4;
    run.components.push_back(cpu);
    double t = 0;
    for (int r = 1; r <= plan.repeat; ++r)
        for (const auto& name : plan.models)
            for (int batch : plan.batch_sizes) {
                // 1e-3 x sqrt(MACs/param) J per sample; larger batches 20 % cheaper; inference a third.
                const double per_sample = 1e-3 * std::sqrt(info[name].macs_per_param()) * (batch == 32 ? 1.0 : 0.8) * (1 + 0.01 * r);
                const std::string prefix = step_prefix(name, batch, r);
                run.phases.push_back(phase(prefix + "epoch-1", t, t + 3, per_sample * 100, 100));
                run.phases.push_back(phase(prefix + "infer", t + 3, t + 4, per_sample / 3 * 100, 100));
                t += 4;
            }
    run.net_j = 1000;
    run.uncertainty_j = 10;
    Profile p = build_profile(plan, run, info);
    p.host = "test-host";
    p.run_id = "20261201T0000Z-test";
    return p;
}

std::string find_chromium() {
    for (const char* name : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
        if (::access(name, X_OK) == 0) return name;
    return {};
}

test::ProcessResult chromium(const std::string& binary, std::vector<std::string> args) {
    std::vector<std::string> argv = {binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                     "--enable-logging=stderr", "--v=0"};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_process(argv, {{"HOME", std::filesystem::temp_directory_path().string()}});
}

bool has_console_message(const std::string& log) { return log.find(":CONSOLE") != std::string::npos; }

// Appended to a copy of the report: the browser checks that every figure has data and a size.
const char* k_check_script = R"(<script>
const charts = [...document.querySelectorAll('svg.chart')];
const bad = charts.filter(c => !(Number(c.dataset.points) > 0) || c.querySelectorAll('path,rect,circle').length === 0 ||
                               c.getBBox().width === 0 || c.querySelector('.empty')).map(c => c.getAttribute('aria-label'));
const circles = charts.filter(c => c.dataset.kind === 'xy').map(c => c.querySelectorAll('circle').length);
document.body.setAttribute('data-check', JSON.stringify({charts: charts.length, bad, circles}));
</script></body>)";

}  // namespace

TEST(ProfileReportTest, FiguresAndTablesCarryTheProfilesNumbers) {
    const Profile p = known_profile();
    // The profile (analysis) found the law: training energy is monotone in MACs per parameter.
    const Correlation* rho = nullptr;
    for (const auto& c : p.correlations)
        if (c.phase == "train" && c.batch_size == 32 && c.feature == "macs_per_param") rho = &c;
    ASSERT_TRUE(rho && rho->spearman);
    EXPECT_NEAR(*rho->spearman, 1.0, 1e-12);
    const PowerLawFit* fit = nullptr;
    for (const auto& f : p.fits)
        if (f.phase == "train" && f.batch_size == 32 && f.feature == "macs_per_param") fit = &f;
    ASSERT_NE(fit, nullptr);
    EXPECT_NEAR(fit->exponent, 0.5, 1e-3);  // the 1 % repeat drift is common to all models

    const std::string html = report::render_profile_html(p, "powerml test", 0, "known.json");
    EXPECT_NE(html.find("Energy per sample vs MACs per parameter, batch 32"), std::string::npos);
    EXPECT_NE(html.find("Spearman rho and fitted log-log slope: training: rho 1.00, slope 0.50; inference: rho 1.00, slope 0.50"),
              std::string::npos);
    EXPECT_NE(html.find("generic-x86"), std::string::npos);  // the sensor is named, and that it is modelled
    EXPECT_NE(html.find("estimated from utilisation"), std::string::npos);
    const auto tables = report::profile_tables(p);
    ASSERT_EQ(tables.size(), 8u);
    for (const auto& t : tables) EXPECT_NE(html.find(t.title.substr(0, 20)), std::string::npos) << t.id;
    EXPECT_EQ(tables[0].rows.size(), 32u);  // 16 models x 2 batch sizes
    EXPECT_EQ(html.find("<script"), std::string::npos);  // offline, no script
}

TEST(ProfileReportTest, RendersInHeadlessChromiumWithItsFigures) {
    const std::string browser = find_chromium();
    if (browser.empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium): the report was NOT checked in a browser";
    test::TempDir dir;
    const std::string html = report::render_profile_html(known_profile(), "powerml test", 0, "known.json");
    const auto control = dir.write("control.html", "<html><body><script>console.error('control')</script></body></html>");
    ASSERT_TRUE(has_console_message(chromium(browser, {"--dump-dom", "file://" + control.string()}).err))
        << "console messages are not visible in Chromium's log: the check below would prove nothing";

    const auto body_end = html.rfind("</body>");
    ASSERT_NE(body_end, std::string::npos);
    const auto checked = dir.write("checked.html", html.substr(0, body_end) + k_check_script + html.substr(body_end + 7));
    const auto run = chromium(browser, {"--dump-dom", "file://" + checked.string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_FALSE(has_console_message(run.err)) << run.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(run.out, m, std::regex("data-check=\"([^\"]*)\""))) << run.out.substr(0, 500);
    const auto check = nlohmann::json::parse(std::regex_replace(m[1].str(), std::regex("&quot;"), "\""));
    // Per batch size (2): two scatters, a time and a power bar chart; plus two batch-size curves.
    EXPECT_EQ(check["charts"], 10) << check.dump();
    EXPECT_TRUE(check["bad"].empty()) << "figures without data: " << check["bad"].dump();
    // Each scatter: 16 training and 16 inference points; each batch-size chart: 16 models x 2 sizes.
    EXPECT_EQ(check["circles"], nlohmann::json::array({32, 32, 32, 32, 32, 32})) << check.dump();

    const std::filesystem::path artifacts = std::filesystem::path(POWERML_TEST_BUILD_DIR) / "report-artifacts";
    std::filesystem::create_directories(artifacts);
    const auto page = dir.write("profile-report.html", html);
    std::filesystem::copy_file(page, artifacts / "profile-report.html", std::filesystem::copy_options::overwrite_existing);
    const auto shot = chromium(browser, {"--hide-scrollbars", "--window-size=1000,6000",
                                         "--screenshot=" + (artifacts / "profile-report.png").string(), "file://" + page.string()});
    EXPECT_EQ(shot.exit_code, 0) << shot.err;
    EXPECT_FALSE(has_console_message(shot.err)) << shot.err;
    ASSERT_TRUE(std::filesystem::exists(artifacts / "profile-report.png"));
    EXPECT_GT(std::filesystem::file_size(artifacts / "profile-report.png"), 10000u);
}
