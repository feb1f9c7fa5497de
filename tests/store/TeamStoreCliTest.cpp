// The real `powerml` against a team store on a real PostgreSQL: measure into it, list and show
// from it, serve it, with the password in the URI or in a password file; what a wrong one
// prints. No output ever holds the password.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/daemon.hpp"
#include "store/postgres_server.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

std::map<std::string, std::string> isolated_env(const test::TempDir& dir) {
    return {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
}

void expect_no_password(const test::ProcessResult& r, const std::string& password = test::PostgresServer::k_password) {
    EXPECT_EQ(r.out.find(password), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(password), std::string::npos) << r.err;
}

}  // namespace

TEST(TeamStoreCliTest, MeasureListShowAndServeOnPostgres) {
    auto* server = test::PostgresServer::shared();
    ASSERT_TRUE(server);
    test::TempDir dir;
    const auto env = isolated_env(dir);
    const std::string db = server->uri(server->create_database());

    const auto measured = test::run_powerml({"measure", "--interval", "50", "--db", db, "--", "true"}, env);
    ASSERT_EQ(measured.exit_code, 0) << measured.err;
    expect_no_password(measured);
    // Nothing was made on disk for a database location.
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "xdg" / "powerml" / "runs.sqlite"));
    EXPECT_FALSE(std::filesystem::exists("postgresql:"));

    const auto list = test::run_powerml({"runs", "--db", db, "list", "--format", "json"}, env);
    ASSERT_EQ(list.exit_code, 0) << list.err;
    expect_no_password(list);
    const auto runs = json::parse(list.out);
    ASSERT_EQ(runs.size(), 1u) << list.out;
    const std::string id = runs[0]["id"];
    EXPECT_EQ(runs[0]["status"], "finished");

    const auto text_list = test::run_powerml({"runs", "--db", db, "list"}, env);
    EXPECT_EQ(text_list.exit_code, 0) << text_list.err;
    EXPECT_NE(text_list.out.find(id), std::string::npos) << text_list.out;

    const auto show = test::run_powerml({"runs", "--db", db, "show", id.substr(0, 18)}, env);
    ASSERT_EQ(show.exit_code, 0) << show.err;
    expect_no_password(show);
    const auto summary = json::parse(show.out);
    EXPECT_EQ(summary["run_id"], id);
    EXPECT_EQ(summary["exit_status"], 0);

    const auto exported = test::run_powerml({"runs", "--db", db, "export", id, "--out", (dir.path() / "export").string()}, env);
    EXPECT_EQ(exported.exit_code, 0) << exported.err;

    // --repeat keeps its group as an experiment in the same database.
    const auto repeated = test::run_powerml({"measure", "-q", "--interval", "50", "--repeat", "2", "--db", db, "--", "true"}, env);
    ASSERT_EQ(repeated.exit_code, 0) << repeated.err;
    expect_no_password(repeated);
    const auto experiments = test::run_powerml({"experiment", "--db", db, "list"}, env);
    ASSERT_EQ(experiments.exit_code, 0) << experiments.err;
    EXPECT_NE(experiments.out.find("repeat-"), std::string::npos) << experiments.out;

    // powerml serve --db postgresql://...: /v1/runs and /v1/runs/ID come from the database.
    const int port = test::free_port();
    test::Daemon serve({POWERML_BINARY, "serve", "--port", std::to_string(port), "--no-sampler", "--db", db}, env,
                       dir.path() / "serve.log");
    httplib::Client client("127.0.0.1", port);
    ASSERT_TRUE(test::wait_for(20, [&] { return static_cast<bool>(client.Get("/v1/runs")); })) << serve.log_tail();
    const auto listed = client.Get("/v1/runs");
    ASSERT_EQ(listed->status, 200) << listed->body;
    EXPECT_EQ(json::parse(listed->body).size(), 3u) << listed->body;
    const auto one = client.Get("/v1/runs/" + id);
    ASSERT_EQ(one->status, 200) << one->body;
    EXPECT_EQ(one->body.find(test::PostgresServer::k_password), std::string::npos);
    serve.stop();
    EXPECT_EQ(serve.log_tail().find(test::PostgresServer::k_password), std::string::npos) << serve.log_tail();
}

// The password from libpq's usual places (here PGPASSFILE), never on the command line.
TEST(TeamStoreCliTest, PasswordComesFromThePasswordFile) {
    auto* server = test::PostgresServer::shared();
    ASSERT_TRUE(server);
    test::TempDir dir;
    auto env = isolated_env(dir);
    const std::string database = server->create_database();
    const auto pgpass = dir.write("pgpass", "127.0.0.1:" + std::to_string(server->port()) + ":*:powerml:" +
                                                std::string(test::PostgresServer::k_password) + "\n");
    ::chmod(pgpass.c_str(), 0600);  // libpq ignores a password file others may read
    env["PGPASSFILE"] = pgpass.string();
    const std::string db = server->uri_without_password(database);
    const auto measured = test::run_powerml({"measure", "-q", "--interval", "50", "--db", db, "--", "true"}, env);
    ASSERT_EQ(measured.exit_code, 0) << measured.err;
    const auto list = test::run_powerml({"runs", "--db", db, "list", "--format", "json"}, env);
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_EQ(json::parse(list.out).size(), 1u);
    expect_no_password(measured);
    expect_no_password(list);
}

// A wrong password: one line naming the server and database, a non-zero exit, the password
// nowhere; the measured command is not run with its energy silently lost.
TEST(TeamStoreCliTest, WrongPasswordIsOneClearLine) {
    auto* server = test::PostgresServer::shared();
    ASSERT_TRUE(server);
    test::TempDir dir;
    const auto env = isolated_env(dir);
    const std::string database = server->create_database();
    const std::string wrong = "Wr0ng-Passw0rd-On-The-Line";
    const std::string db = server->uri(database, wrong);
    for (const auto& args : std::vector<std::vector<std::string>>{{"runs", "--db", db, "list"},
                                                                  {"runs", "--db", db, "show", "2023"},
                                                                  {"measure", "-q", "--db", db, "--", "true"},
                                                                  {"report", "--db", db, "2023", "--out", (dir.path() / "r").string()}}) {
        const auto r = test::run_powerml(args, env);
        EXPECT_NE(r.exit_code, 0) << args[0];
        expect_no_password(r, wrong);
        expect_no_password(r);
        EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(database), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}
