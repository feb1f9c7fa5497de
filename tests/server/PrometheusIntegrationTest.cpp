// Prometheus for real: Debian's `prometheus` scrapes a running `powerml serve` on 127.0.0.1 and
// a PowerML metric is read back through Prometheus's query API. Skipped (with the reason, never
// passed) where Prometheus is not installed or cannot start.
#include <gtest/gtest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/daemon.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

constexpr const char* k_prometheus = "/usr/bin/prometheus";

// The first sample's value of an instant query, or nothing when the result is still empty.
std::optional<double> query(int port, const std::string& promql) {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(5, 0);
    auto res = c.Get(("/api/v1/query?query=" + httplib::detail::encode_query_param(promql)).c_str());
    if (!res || res->status != 200) return std::nullopt;
    const json j = json::parse(res->body, nullptr, false);
    if (j.is_discarded() || j["status"] != "success" || j["data"]["result"].empty()) return std::nullopt;
    return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
}

TEST(PrometheusIntegrationTest, PrometheusScrapesServeAndAnswersAQueryOnItsMetrics) {
    if (!test::executable(k_prometheus)) GTEST_SKIP() << "prometheus is not installed (scripts/install-deps.sh installs it)";
    test::TempDir dir;
    const int serve_port = test::free_port();
    test::Daemon serve({POWERML_BINARY, "serve", "--port", std::to_string(serve_port), "--zone", "CY", "--interval", "200"},
                       {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}}, dir.path() / "serve.log");
    const bool serving = test::wait_for(15, [&] {
        httplib::Client c("127.0.0.1", serve_port);
        auto r = c.Get("/healthz");
        return r && r->status == 200;
    });
    if (!serving) GTEST_SKIP() << "powerml serve could not start here:\n" << serve.log_tail();

    const int prom_port = test::free_port();
    dir.write("prometheus.yml", "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                                "scrape_configs:\n  - job_name: powerml\n    static_configs:\n"
                                "      - targets: ['127.0.0.1:" + std::to_string(serve_port) + "']\n");
    test::Daemon prometheus({k_prometheus, "--config.file=" + (dir.path() / "prometheus.yml").string(),
                             "--storage.tsdb.path=" + (dir.path() / "tsdb").string(),
                             "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                            {}, dir.path() / "prometheus.log");
    const bool ready = test::wait_for(30, [&] {
        httplib::Client c("127.0.0.1", prom_port);
        auto r = c.Get("/-/ready");
        return r && r->status == 200;
    });
    if (!ready) GTEST_SKIP() << "Prometheus could not start on this machine:\n" << prometheus.log_tail();

    // A new target appears in queries after a few scrapes.
    std::optional<double> samples;
    test::wait_for(45, [&] { return (samples = query(prom_port, "powerml_sampler_samples_total{job=\"powerml\"}")).has_value(); });
    ASSERT_TRUE(samples) << "no PowerML series in Prometheus after 45 s\nprometheus:\n" << prometheus.log_tail()
                         << "\nserve:\n" << serve.log_tail();
    EXPECT_GT(*samples, 0);
    EXPECT_EQ(query(prom_port, "up{job=\"powerml\"}").value_or(0), 1.0);

    // The node's energy as Prometheus stored it never exceeds what the server reports now,
    // and the intensity is the value the server shows for CY.
    const auto stored_j = query(prom_port, "powerml_node_energy_joules_total");
    ASSERT_TRUE(stored_j);
    httplib::Client c("127.0.0.1", serve_port);
    auto page = c.Get("/metrics");
    ASSERT_TRUE(page);
    const auto at = page->body.find("\npowerml_node_energy_joules_total ");
    ASSERT_NE(at, std::string::npos);
    const double now_j = std::stod(page->body.substr(at + 34));
    EXPECT_GE(*stored_j, 0.0);
    EXPECT_LE(*stored_j, now_j + 1e-9);
    const auto intensity = query(prom_port, "powerml_grid_intensity_grams_per_kwh{zone=\"CY\"}");
    ASSERT_TRUE(intensity);
    EXPECT_GT(*intensity, 0);
    // A rate over the scrapes: the PromQL the fleet how-to uses for power from the counter.
    test::wait_for(10, [&] { return query(prom_port, "rate(powerml_node_energy_joules_total[10s])").has_value(); });
    EXPECT_TRUE(query(prom_port, "rate(powerml_node_energy_joules_total[10s])").has_value());
}

}  // namespace
