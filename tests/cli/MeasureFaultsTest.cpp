// Faults and hostile input around one measurement (issue: never lose a run): any bytes in
// names and commands, a runaway control channel, work left in the background, powerml killed,
// a damaged or locked store, a full disk. Real processes, real signals, real files.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using nlohmann::json;

namespace {

std::map<std::string, std::string> isolated_env(const test::TempDir& dir) {
    return {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}};
}

std::string db_of(const test::TempDir& dir) { return (dir.path() / "runs.sqlite").string(); }

bool have_sqlite3_cli() { return std::system("command -v sqlite3 >/dev/null 2>&1") == 0; }

}  // namespace

// Invalid UTF-8 in the command, a phase name, a metric name and a label: the run is kept, with
// the job's exit status, and every file is written.
TEST(MeasureFaultsTest, InvalidUtf8AnywhereKeepsTheRun) {
    test::TempDir dir;
    auto env = isolated_env(dir);
    env["POWERML_LABELS"] = "team=caf\xe9";
    const std::string mark = std::string("'") + POWERML_BINARY + "'";
    const std::string script = "printf 'begin ph\\377se\\nmetric l\\351ss 1\\nend ph\\377se\\n' > \"$POWERML_CONTROL\"; exit 3";
    const auto out = dir.path() / "out";
    const auto r = test::run_powerml({"measure", "-q", "--db", db_of(dir), "--out", out.string(), "--", "sh", "-c", script,
                                      "caf\xe9"},
                                     env);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    ASSERT_TRUE(std::filesystem::exists(out / "summary.json")) << r.err;
    const auto s = json::parse(test::read_file(out / "summary.json"));
    EXPECT_EQ(s["exit_status"], 3);
    ASSERT_EQ(s["phases"].size(), 1u);
    const auto show = test::run_powerml({"runs", "--db", db_of(dir), "show", s["run_id"]}, env);
    ASSERT_EQ(show.exit_code, 0) << show.err;
    EXPECT_EQ(json::parse(show.out)["status"], "finished");
    const auto list = test::run_powerml({"runs", "--db", db_of(dir), "list", "--format", "json"}, env);
    ASSERT_EQ(list.exit_code, 0) << list.err;
}

// A line without a newline is cut at the limit and counted; a flood of marks stops at the
// limit, is counted, and the run still ends in seconds.
TEST(MeasureFaultsTest, ControlChannelFloodIsBoundedAndCounted) {
    test::TempDir dir;
    const auto out = dir.path() / "out";
    const std::string script =
        "head -c 3000000 /dev/zero | tr '\\0' x > \"$POWERML_CONTROL\"; printf '\\nbegin ok\\nend ok\\n' > \"$POWERML_CONTROL\"; "
        "i=0; while [ $i -lt 12000 ]; do echo \"begin p$i\"; echo \"end p$i\"; i=$((i+1)); done > \"$POWERML_CONTROL\"";
    const auto start = std::chrono::steady_clock::now();
    const auto r = test::run_powerml({"measure", "-q", "--no-db", "--out", out.string(), "--", "sh", "-c", script},
                                     isolated_env(dir));
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto s = json::parse(test::read_file(out / "summary.json"));
    EXPECT_GE(s["data_quality"]["control_errors"].get<int>(), 1);
    EXPECT_GT(s["data_quality"]["events_dropped"].get<int>(), 0);
    EXPECT_LE(s["phases"].size(), 10000u);
    EXPECT_EQ(s["phases"][0]["name"], "ok");
    EXPECT_LT(took, 60.0);
}

// A job that leaves work in the background: the window stays open until that work is done,
// and its marks still reach the run.
TEST(MeasureFaultsTest, OrphanedGrandchildrenStayTheJobs) {
    test::TempDir dir;
    const auto out = dir.path() / "out";
    const std::string mark = std::string("'") + POWERML_BINARY + "'";
    const std::string script = "(sleep 1; " + mark + " mark late; " + mark + " mark --end late) & exit 0";
    const auto r = test::run_powerml({"measure", "-q", "--no-db", "--out", out.string(), "--", "sh", "-c", script},
                                     isolated_env(dir));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto s = json::parse(test::read_file(out / "summary.json"));
    EXPECT_GE(s["duration_s"].get<double>(), 0.9);
    ASSERT_EQ(s["phases"].size(), 1u) << s.dump();
    EXPECT_EQ(s["phases"][0]["name"], "late");
}

// kill -9 of powerml: the phases and metrics sent so far are in the store like the samples,
// and the job's next mark fails at once instead of hanging.
TEST(MeasureFaultsTest, SigkillKeepsPhasesAndTheJobNeverBlocks) {
    test::TempDir dir;
    const std::string db = db_of(dir);
    const auto after = dir.path() / "after-kill";
    const std::string mark = std::string("'") + POWERML_BINARY + "'";
    const std::string script = mark + " mark epoch-1; " + mark + " metric loss 0.5; sleep 2.5; " + mark +
                               " mark epoch-2; echo $? > '" + after.string() + "'";
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 2);
        ::setsid();  // its own session: the job survives powerml's death like a real one would
        ::execl(POWERML_BINARY, POWERML_BINARY, "measure", "--db", db.c_str(), "--", "sh", "-c", script.c_str(), nullptr);
        ::_exit(99);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1800));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    // The job goes on alone; its next mark must come back (non-zero) within a second or so.
    for (int i = 0; i < 60 && !std::filesystem::exists(after); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(std::filesystem::exists(after)) << "the job's mark after powerml died did not return";
    EXPECT_NE(test::read_file(after), "0\n");
    const auto runs = json::parse(test::run_powerml({"runs", "--db", db, "list", "--format", "json"}).out);
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0]["status"], "interrupted");
    const auto show = test::run_powerml({"runs", "--db", db, "show", runs[0]["id"]});
    ASSERT_EQ(show.exit_code, 0) << show.err;
    const auto s = json::parse(show.out);
    ASSERT_GE(s["phases"].size(), 1u) << s.dump();
    EXPECT_EQ(s["phases"][0]["name"], "epoch-1");
    EXPECT_DOUBLE_EQ(s["metrics"]["loss"].get<double>(), 0.5);
}

// Damage in one run is reported by its id; the other runs stay readable; junk in the schema
// version is a clear message, not an internal error.
TEST(MeasureFaultsTest, DamagedStoreNeverCrashesItsReader) {
    if (!have_sqlite3_cli()) GTEST_SKIP() << "needs the sqlite3 command-line program (Debian package sqlite3)";
    test::TempDir dir;
    const std::string db = db_of(dir);
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(test::run_powerml({"measure", "-q", "--interval", "50", "--db", db, "--", "sleep", "0.2"}).exit_code, 0);
    const auto runs = json::parse(test::run_powerml({"runs", "--db", db, "list", "--format", "json"}).out);
    ASSERT_EQ(runs.size(), 3u);
    const std::string short_blob = runs[0]["id"], bad_command = runs[1]["id"], good = runs[2]["id"];
    const auto sql = [&](const std::string& statement) {
        return test::run_process({"sqlite3", db, statement}).exit_code;
    };
    ASSERT_EQ(sql("UPDATE samples SET vals = x'0000', energy = x'00' WHERE run_id = '" + short_blob + "';"), 0);
    ASSERT_EQ(sql("UPDATE runs SET command = '{not json' WHERE id = '" + bad_command + "';"), 0);
    for (const char* cmd : {"show", "export"}) {
        std::vector<std::string> args = {"runs", "--db", db, cmd, short_blob};
        if (std::string(cmd) == "export") args.insert(args.end(), {"--out", (dir.path() / "x").string()});
        const auto r = test::run_powerml(args);
        EXPECT_EQ(r.exit_code, 1) << cmd << ": " << r.err;
        EXPECT_NE(r.err.find(short_blob), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("damaged"), std::string::npos) << r.err;
    }
    const auto list = test::run_powerml({"runs", "--db", db, "list", "--format", "json"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    const auto listed = json::parse(list.out);
    ASSERT_EQ(listed.size(), 3u);
    bool saw_damaged = false;
    for (const auto& r : listed) saw_damaged |= r["status"] == "damaged";
    EXPECT_TRUE(saw_damaged);
    EXPECT_EQ(test::run_powerml({"runs", "--db", db, "show", good}).exit_code, 0);

    ASSERT_EQ(sql("UPDATE meta SET value = 'junk' WHERE key = 'schema_version';"), 0);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"runs", "--db", db, "list"}, {"measure", "-q", "--db", db, "--", "true"}}) {
        const auto r = test::run_powerml(args);
        EXPECT_NE(r.exit_code, 0) << args[0];
        EXPECT_NE(r.err.find("schema version"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("stoi"), std::string::npos) << r.err;
    }
}

// Another process holds the store's write lock for 3 s: the sampler does not wait for it (no
// gap), and the run reaches the store once the lock is released.
TEST(MeasureFaultsTest, LockedStoreDoesNotStallTheSampler) {
    if (!have_sqlite3_cli()) GTEST_SKIP() << "needs the sqlite3 command-line program (Debian package sqlite3)";
    test::TempDir dir;
    const std::string db = db_of(dir);
    ASSERT_EQ(test::run_powerml({"measure", "-q", "--db", db, "--", "true"}).exit_code, 0);  // creates the store
    const pid_t locker = ::fork();
    if (locker == 0) {
        const int null = ::open("/dev/null", O_WRONLY);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execlp("sqlite3", "sqlite3", db.c_str(), "BEGIN EXCLUSIVE; SELECT 1;", ".shell sleep 3", "COMMIT;", nullptr);
        ::_exit(99);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const auto out = dir.path() / "out";
    const auto r = test::run_powerml({"measure", "-q", "--interval", "50", "--db", db, "--out", out.string(), "--", "sleep", "2"});
    ::waitpid(locker, nullptr, 0);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto s = json::parse(test::read_file(out / "summary.json"));
    EXPECT_GE(s["samples"].get<int>(), 30);  // ~40 at 50 ms over 2 s
    EXPECT_EQ(s["data_quality"]["gaps"], 0);
    const auto show = test::run_powerml({"runs", "--db", db, "show", s["run_id"]});
    EXPECT_EQ(show.exit_code, 0) << show.err << r.err;
}

// --out on a full file system: the job's exit status stands, no temporary file is left, and
// what could be written (the summary) is.
TEST(MeasureFaultsTest, FullDiskKeepsTheExitStatusAndLeavesNoTemporaryFile) {
    test::TempDir dir;
    const auto mnt = dir.path() / "small";
    std::filesystem::create_directories(mnt);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=12k") != 0)
        GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): " << std::strerror(errno);
    const auto out = mnt / "out";
    const auto r = test::run_powerml({"measure", "-q", "--interval", "5", "--no-db", "--out", out.string(), "--", "sh", "-c",
                                      "sleep 1; exit 3"},
                                     isolated_env(dir));
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("not written"), std::string::npos) << r.err;
    for (const auto& f : std::filesystem::directory_iterator(out))
        EXPECT_EQ(f.path().extension(), f.path().extension() == ".tmp" ? ".never" : f.path().extension()) << f.path();
    ::umount(mnt.c_str());
}
