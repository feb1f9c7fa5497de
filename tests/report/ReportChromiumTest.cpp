// The report of a real experiment rendered in headless Chromium: no console message, every
// chart drawn with data, and a screenshot kept in the build tree
// (build/tests/report-artifacts/report.png) for people to look at.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

namespace {

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

std::vector<std::string> console_lines(const std::string& log) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while ((pos = log.find(":CONSOLE", pos)) != std::string::npos) {
        const auto end = log.find('\n', pos);
        out.push_back(log.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

// Appended to a copy of the report: the browser itself checks every chart.
const char* k_check_script = R"(<script>
const charts = [...document.querySelectorAll('svg.chart')];
const bad = charts.filter(c => !(Number(c.dataset.points) > 0) || c.querySelectorAll('path,rect,circle').length === 0 ||
                               c.getBBox().width === 0 || c.querySelector('.empty')).map(c => c.getAttribute('aria-label'));
document.body.setAttribute('data-check', JSON.stringify({charts: charts.length, bad}));
</script></body>)";

}  // namespace

TEST(ReportChromiumTest, ExperimentReportRendersWithoutErrors) {
    const std::string browser = find_chromium();
    if (browser.empty()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium): the report was NOT checked in a browser";

    test::TempDir dir;
    const std::string p = POWERML_BINARY;
    const std::string train = p + " metric epochs_total 4; for e in 1 2 3 4; do " + p + " mark epoch-$e; i=0; while [ $i -lt 4000 ]; " +
                              "do i=$((i+1)); done; " + p + " metric accuracy 0.$((e+5)); " + p + " metric loss 0.$((9-e)); " + p +
                              " metric samples 2000; " + p + " mark --end epoch-$e; done";
    const auto file = dir.write("exp.toml", "[experiment]\nname = \"chrome\"\nrepetitions = 3\ninterval_ms = 20\n"
                                            "[[scenario]]\nname = \"bare\"\nkind = \"baseline\"\nduration_s = 0.2\n"
                                            "[[scenario]]\nname = \"train\"\ncommand = " + nlohmann::json(train).dump() + "\n");
    const std::string db = (dir.path() / "runs.sqlite").string();
    const std::map<std::string, std::string> env = {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
    ASSERT_EQ(test::run_powerml({"experiment", "--db", db, "run", file.string(), "-q"}, env).exit_code, 0);
    const auto html_path = dir.path() / "report.html";
    const auto made = test::run_powerml({"report", "--db", db, "chrome", "--out", html_path.string()}, env);
    ASSERT_EQ(made.exit_code, 0) << made.err;

    // A page that does log must be caught, or the check below proves nothing.
    const auto control = dir.write("control.html", "<html><body><script>console.error('control')</script></body></html>");
    const auto control_run = chromium(browser, {"--dump-dom", "file://" + control.string()});
    ASSERT_FALSE(console_lines(control_run.err).empty()) << "console messages are not visible in Chromium's log:\n" << control_run.err;

    std::string html = test::read_file(html_path);
    const auto body_end = html.rfind("</body>");
    ASSERT_NE(body_end, std::string::npos);
    const auto checked = dir.write("checked.html", html.substr(0, body_end) + k_check_script + html.substr(body_end + 7));
    const auto run = chromium(browser, {"--dump-dom", "file://" + checked.string()});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(console_lines(run.err).empty()) << "console messages:\n" << run.err;
    std::smatch m;
    const std::regex attribute("data-check=\"([^\"]*)\"");
    ASSERT_TRUE(std::regex_search(run.out, m, attribute)) << run.out.substr(0, 500);
    std::string raw = m[1].str();
    raw = std::regex_replace(raw, std::regex("&quot;"), "\"");
    const auto check = nlohmann::json::parse(raw);
    // Experiment: side by side, two spreads, energy per phase; run: power, phases, accuracy,
    // accuracy/Wh, samples/kJ, prediction (4 epochs); bare run: power.
    EXPECT_GE(check["charts"].get<int>(), 10) << check.dump();
    EXPECT_TRUE(check["bad"].empty()) << "charts without data: " << check["bad"].dump();

    // The original report (no check script) must log nothing either, and is kept as a picture.
    const std::filesystem::path artifacts = std::filesystem::path(POWERML_TEST_BUILD_DIR) / "report-artifacts";
    std::filesystem::create_directories(artifacts);
    std::filesystem::copy_file(html_path, artifacts / "report.html", std::filesystem::copy_options::overwrite_existing);
    const auto shot = chromium(browser, {"--hide-scrollbars", "--window-size=1000,4000",
                                         "--screenshot=" + (artifacts / "report.png").string(), "file://" + html_path.string()});
    EXPECT_EQ(shot.exit_code, 0) << shot.err;
    EXPECT_TRUE(console_lines(shot.err).empty()) << shot.err;
    ASSERT_TRUE(std::filesystem::exists(artifacts / "report.png"));
    EXPECT_GT(std::filesystem::file_size(artifacts / "report.png"), 10000u);
}
