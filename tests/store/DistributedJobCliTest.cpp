// One job over several simulated nodes and ranks, through the real `powerml`, into one store
// (SQLite and a real PostgreSQL): each node is metered once whatever its number of ranks, the
// job sums the nodes with each node's own zone, and a node that never reported is named.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <future>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/postgres_server.hpp"
#include "support/counter_writer.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

struct SimulatedNode {
    std::string name, zone;
    double watts;
};

const json& component_named(const json& components, const std::string& name) {
    for (const auto& c : components)
        if (c["name"] == name) return c;
    throw std::runtime_error("no component " + name + " in " + components.dump());
}

// A fake powercap tree with one package zone, whose counter a CounterWriter drives.
std::filesystem::path fake_package(const std::filesystem::path& root) {
    const auto zone = root / "class" / "powercap" / "intel-rapl:0";
    std::filesystem::create_directories(zone);
    std::ofstream(zone / "name") << "package-0\n";
    std::ofstream(zone / "max_energy_range_uj") << "262143328850\n";
    return zone / "energy_uj";
}

class DistributedJobCliTest : public ::testing::TestWithParam<std::string> {
protected:
    std::string store_location() {
        if (GetParam() == "sqlite") return (m_dir.path() / "team.sqlite").string();
        auto* server = test::PostgresServer::shared();
        if (!server) throw std::runtime_error("no PostgreSQL server");
        return server->uri(server->create_database());
    }
    test::TempDir m_dir;
};

}  // namespace

TEST_P(DistributedJobCliTest, EachNodeIsMeteredOnceAndTheJobSumsThemWithTheirOwnZones) {
    const std::string db = store_location();
    const std::vector<SimulatedNode> nodes = {{"node-a", "FR", 20.0}, {"node-b", "PL", 30.0}};
    std::vector<std::unique_ptr<test::CounterWriter>> writers;
    std::vector<std::future<test::ProcessResult>> ranks;
    const std::string key = "team-job-" + GetParam();
    for (const auto& node : nodes) {
        const auto root = m_dir.path() / node.name / "sys";
        writers.push_back(std::make_unique<test::CounterWriter>(fake_package(root), "", node.watts, node.watts));
        const auto runtime = m_dir.path() / node.name / "run";
        std::filesystem::create_directories(runtime);
        ::chmod(runtime.c_str(), 0700);
        for (int local = 0; local < 2; ++local) {
            const int rank = (&node - nodes.data()) * 2 + local;
            const std::map<std::string, std::string> env = {
                {"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}, {"POWERML_SYSFS_ROOT", root.string()},
                {"POWERML_RUNTIME_DIR", runtime.string()},         {"POWERML_NODE", node.name},
                {"POWERML_JOB_NODES", "node-a,node-b,node-c"},     {"RANK", std::to_string(rank)},
                {"LOCAL_RANK", std::to_string(local)},             {"WORLD_SIZE", "6"},
                {"LOCAL_WORLD_SIZE", "2"}};
            // Rank 1 of each node runs longer: the node's meter must wait for it.
            const std::string script = std::string(POWERML_BINARY) + " mark epoch-1; sleep " + (local ? "1.5" : "0.5") + "; " +
                                       POWERML_BINARY + " mark --end epoch-1";
            ranks.push_back(std::async(std::launch::async, [=] {
                return test::run_powerml({"measure", "-q", "--interval", "50", "--job-key", key, "--zone", node.zone, "--db", db,
                                          "--", "sh", "-c", script},
                                         env);
            }));
        }
    }
    for (auto& r : ranks) {
        const auto result = r.get();
        EXPECT_EQ(result.exit_code, 0) << result.err;
    }
    writers.clear();

    const auto shown = test::run_powerml({"runs", "--db", db, "job", key, "--format", "json"}, {{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}});
    EXPECT_EQ(shown.exit_code, 3) << "a missing node makes the sum incomplete: " << shown.err;
    const json job = json::parse(shown.out);
    EXPECT_EQ(job["schema"], "powerml.job/1");
    EXPECT_EQ(job["complete"], false);
    EXPECT_EQ(job["missing_nodes"], json::array({"node-c"}));
    ASSERT_EQ(job["nodes"].size(), 2u) << shown.out;
    double package_sum = 0, carbon_sum = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const json& n = job["nodes"][i];
        EXPECT_EQ(n["node"], nodes[i].name);
        EXPECT_EQ(n["zone"], nodes[i].zone);
        EXPECT_EQ(n["ranks"], 2) << "both ranks reported into the node's one run";
        ASSERT_EQ(n["runs"].size(), 1u) << "one meter per node";
        // The node's package energy is one meter's: its power, never twice it.
        const auto run = test::run_powerml({"runs", "--db", db, "show", n["runs"][0]}, {{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}});
        ASSERT_EQ(run.exit_code, 0) << run.err;
        const json summary = json::parse(run.out);
        const json& package = component_named(summary["components"], "package-0");
        EXPECT_NEAR(package["mean_power_w"].get<double>(), nodes[i].watts, 0.1 * nodes[i].watts) << run.out;
        EXPECT_NEAR(component_named(n["components"], "package-0")["energy_j"]["gross"].get<double>(), package["energy_j"].get<double>(), 1e-9);
        // The meter waited for the longer rank: the run covers both ranks' phases.
        std::set<std::string> phases;
        for (const auto& p : summary["phases"]) phases.insert(p["name"]);
        EXPECT_EQ(phases, (std::set<std::string>{"rank" + std::to_string(2 * i) + "/epoch-1", "rank" + std::to_string(2 * i + 1) + "/epoch-1"}));
        EXPECT_GE(summary["duration_s"].get<double>(), 1.5);
        package_sum += n["energy_j"]["gross"].get<double>();
        carbon_sum += n["g_co2e"].get<double>();
        EXPECT_EQ(summary["carbon"]["zone"], nodes[i].zone);
        EXPECT_NEAR(n["g_co2e"].get<double>(), summary["carbon"]["g_co2e"].get<double>(), 1e-12);
    }
    EXPECT_NEAR(job["energy_j"]["gross"].get<double>(), package_sum, 1e-9);
    EXPECT_NEAR(job["carbon"]["g_co2e"].get<double>(), carbon_sum, 1e-12);
    EXPECT_EQ(job["phases"].size(), 4u);

    const auto text = test::run_powerml({"runs", "--db", db, "job", key}, {{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}});
    EXPECT_EQ(text.exit_code, 3);
    EXPECT_NE(text.out.find("node-c               never reported"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("MISSING: node-c"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find(test::PostgresServer::k_password), std::string::npos);

    // The report renders the same record: the nodes' table (with the missing one and the
    // total), as HTML and as the CSV/JSON tables.
    const auto html = m_dir.path() / "job.html";
    const auto report = test::run_powerml({"report", "--db", db, "--job", key, "--out", html.string(), "--tables",
                                           (m_dir.path() / "tables").string()},
                                          {{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}});
    ASSERT_EQ(report.exit_code, 0) << report.err;
    const std::string page = test::read_file(html);
    EXPECT_NE(page.find("Job " + key), std::string::npos);
    EXPECT_NE(page.find("node-c never reported"), std::string::npos);
    const json nodes_table = json::parse(test::read_file(m_dir.path() / "tables" / ("job-" + key + "-nodes.json")));
    ASSERT_EQ(nodes_table["rows"].size(), 4u);  // two nodes, the missing one, the total
    EXPECT_EQ(nodes_table["rows"][2]["ranks"], nullptr);
    EXPECT_NEAR(nodes_table["rows"][3]["gross_j"].get<double>(), job["energy_j"]["gross"].get<double>(), 1e-6);
    EXPECT_NEAR(nodes_table["rows"][3]["g_co2e"].get<double>(), job["carbon"]["g_co2e"].get<double>(), 1e-9);
    EXPECT_EQ(page.find(test::PostgresServer::k_password), std::string::npos);

    const auto unknown = test::run_powerml({"runs", "--db", db, "job", "no-such-job"}, {{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_NE(unknown.err.find("no run of job 'no-such-job'"), std::string::npos) << unknown.err;
}

TEST_P(DistributedJobCliTest, AMeterKilledMidJobIsTakenOverAndTheGapIsSaid) {
    const std::string db = store_location();
    const auto root = m_dir.path() / "sys";
    test::CounterWriter writer(fake_package(root), "", 25.0, 25.0);
    const auto runtime = m_dir.path() / "run";
    std::filesystem::create_directories(runtime);
    ::chmod(runtime.c_str(), 0700);
    const std::string key = "takeover-" + GetParam();
    const auto env_for = [&](int rank) {
        return std::map<std::string, std::string>{{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()},
                                                  {"POWERML_SYSFS_ROOT", root.string()},
                                                  {"POWERML_RUNTIME_DIR", runtime.string()},
                                                  {"RANK", std::to_string(rank)},
                                                  {"LOCAL_RANK", std::to_string(rank)},
                                                  {"WORLD_SIZE", "2"},
                                                  {"LOCAL_WORLD_SIZE", "2"}};
    };
    // Rank 0 starts first and meters; it is killed with SIGKILL a second in (its shell kills
    // its own parent, the meter). Rank 1 keeps running 3 s and must take over.
    auto first = std::async(std::launch::async, [&] {
        return test::run_powerml({"measure", "-q", "--interval", "50", "--job-key", key, "--db", db, "--", "sh", "-c",
                                  "sleep 1; kill -9 $PPID; sleep 0.2"},
                                 env_for(0));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto second = std::async(std::launch::async, [&] {
        return test::run_powerml({"measure", "-q", "--interval", "50", "--job-key", key, "--db", db, "--", "sh", "-c",
                                  std::string(POWERML_BINARY) + " mark epoch-1; sleep 3; " + POWERML_BINARY + " mark --end epoch-1"},
                                 env_for(1));
    });
    EXPECT_EQ(first.get().exit_code, 128 + 9);
    const auto survivor = second.get();
    EXPECT_EQ(survivor.exit_code, 0) << survivor.err;

    const auto shown = test::run_powerml({"runs", "--db", db, "job", key, "--format", "json"}, {{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}});
    ASSERT_EQ(shown.exit_code, 0) << shown.err << shown.out;
    const json job = json::parse(shown.out);
    ASSERT_EQ(job["nodes"].size(), 1u);
    const json& node = job["nodes"][0];
    ASSERT_EQ(node["runs"].size(), 2u) << "the killed meter's run and the one that took over: " << shown.out;
    EXPECT_EQ(node["statuses"][0], "interrupted");
    EXPECT_EQ(node["statuses"][1], "finished");
    bool said = false;
    for (const auto& n : job["notes"]) said |= n.get<std::string>().find("took over from run " + node["runs"][0].get<std::string>()) != std::string::npos;
    EXPECT_TRUE(said) << shown.out;
    // Together the two runs cover most of the job's ~3.4 s at 25 W; each counts its own time only.
    const double package = component_named(node["components"], "package-0")["energy_j"]["gross"].get<double>();
    EXPECT_GT(package, 25.0 * 2.0);
    EXPECT_LT(package, 25.0 * 4.5);
    // The run that took over names the run it follows.
    const auto run = test::run_powerml({"runs", "--db", db, "show", node["runs"][1]}, {{"XDG_DATA_HOME", (m_dir.path() / "xdg").string()}});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const json summary = json::parse(run.out);
    EXPECT_EQ(summary["job"]["took_over_from"], node["runs"][0]);
}

INSTANTIATE_TEST_SUITE_P(Backends, DistributedJobCliTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });
