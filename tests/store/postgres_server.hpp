#pragma once
// A real PostgreSQL for the store tests: Debian's server binaries, `initdb` into a temporary
// folder, listening only on 127.0.0.1 on a free port (its socket in that folder too), run as a
// non-root user (root, as in CI, runs it as `postgres` through runuser), password
// authentication (scram-sha-256) for the superuser `powerml`. One server per test program,
// started on first use, stopped and removed when the program ends, failed tests included.
// Missing binaries are a failure naming the package, never a skip: install-deps.sh all installs it.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/daemon.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

namespace powerml::test {

class PostgresServer {
public:
    // The superuser's password: distinctive, so that a test can look for it in any output.
    static constexpr const char* k_password = "Sup3r-Secret-Team-Passw0rd";
    static constexpr const char* k_user = "powerml";

    // Empty when the server runs; else why not (the caller fails the test with it).
    std::string start() {
        const auto bin = binaries();
        if (bin.empty())
            return "PostgreSQL's server binaries are not installed (no /usr/lib/postgresql/*/bin/initdb): "
                   "scripts/install-deps.sh all installs the Debian package postgresql";
        m_bin = bin;
        if (::geteuid() == 0) {
            // initdb refuses root: the server runs as the package's own user.
            const passwd* pw = ::getpwnam("postgres");
            if (!pw) return "running as root and there is no user 'postgres' to run PostgreSQL as (the postgresql package creates it)";
            if (!executable("/usr/sbin/runuser") && !executable("/sbin/runuser"))
                return "running as root and runuser is missing (Debian package util-linux)";
            m_as_user = {executable("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "/sbin/runuser", "-u", "postgres", "--"};
            ::chmod(m_dir.path().c_str(), 0755);  // the server's user must reach its folder
            m_uid = pw->pw_uid;
            m_gid = pw->pw_gid;
        }
        m_root = m_dir.path() / "pg";
        std::filesystem::create_directories(m_root);
        m_dir.write("pg/password", std::string(k_password) + "\n");
        own(m_root);
        own(m_root / "password");

        const auto init = run(
            {(m_bin / "initdb").string(), "-D", (m_root / "data").string(), "-U", k_user, "--pwfile=" + (m_root / "password").string(),
             "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"});
        if (init.exit_code != 0) return "initdb failed:\n" + init.out + init.err;
        m_port = free_port();
        // fsync off: a test server's data need not survive a power cut, and it is far faster.
        const auto started = run({(m_bin / "pg_ctl").string(), "-D", (m_root / "data").string(), "-l", (m_root / "log").string(), "-w",
                                  "-t", "60", "-o",
                                  "-c listen_addresses=127.0.0.1 -p " + std::to_string(m_port) + " -k " + m_root.string() +
                                      " -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                                  "start"});
        if (started.exit_code != 0) return "pg_ctl start failed:\n" + started.out + started.err + "\n" + log_tail();
        m_running = true;
        return {};
    }

    ~PostgresServer() {
        if (m_running) run({(m_bin / "pg_ctl").string(), "-D", (m_root / "data").string(), "-m", "immediate", "-w", "stop"});
    }

    int port() const { return m_port; }
    // postgresql://powerml:PASSWORD@127.0.0.1:PORT/DATABASE
    std::string uri(const std::string& database, const std::string& password = k_password) const {
        return std::string("postgresql://") + k_user + ":" + password + "@127.0.0.1:" + std::to_string(m_port) + "/" + database;
    }
    // The same without the password (it comes from PGPASSFILE or the environment).
    std::string uri_without_password(const std::string& database) const {
        return std::string("postgresql://") + k_user + "@127.0.0.1:" + std::to_string(m_port) + "/" + database;
    }

    // A new empty database, its name unique in this server.
    std::string create_database() {
        static std::atomic<int> counter{0};
        const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        admin("CREATE DATABASE " + name);
        return name;
    }

    // Runs one statement as the superuser in `database` (the tests' own set-up and damage).
    void admin(const std::string& sql, const std::string& database = "postgres") const {
        PGconn* conn = PQconnectdb(uri(database).c_str());
        if (PQstatus(conn) != CONNECTION_OK) {
            const std::string why = PQerrorMessage(conn);
            PQfinish(conn);
            throw std::runtime_error("test server: " + why);
        }
        PGresult* result = PQexec(conn, sql.c_str());
        const auto status = PQresultStatus(result);
        const std::string why = PQresultErrorMessage(result);
        PQclear(result);
        PQfinish(conn);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw std::runtime_error("test server: " + sql + ": " + why);
    }

    std::string log_tail() const {
        try {
            const std::string all = read_file(m_root / "log");
            return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
        } catch (const std::exception&) {
            return "(no server log)";
        }
    }

    // The one server of this test program, started on first use (nullptr, with the reason
    // added as a test failure, when it cannot start).
    static PostgresServer* shared() {
        static std::unique_ptr<PostgresServer> server;
        static std::string failure;
        if (!server && failure.empty()) {
            auto candidate = std::make_unique<PostgresServer>();
            failure = candidate->start();
            if (failure.empty()) {
                server = std::move(candidate);
                // Stopped when the program ends (gtest's environments are torn down even when tests fail).
                ::testing::AddGlobalTestEnvironment(new Stopper(server));
            }
        }
        if (!failure.empty()) ADD_FAILURE() << failure;
        return server.get();
    }

private:
    struct Stopper : ::testing::Environment {
        explicit Stopper(std::unique_ptr<PostgresServer>& server) : m_server(server) {}
        void TearDown() override { m_server.reset(); }
        std::unique_ptr<PostgresServer>& m_server;
    };

    static std::filesystem::path binaries() {
        if (executable("/usr/lib/postgresql/15/bin/initdb")) return "/usr/lib/postgresql/15/bin";
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
            if (executable((entry.path() / "bin" / "initdb").string())) return entry.path() / "bin";
        return {};
    }
    ProcessResult run(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), m_as_user.begin(), m_as_user.end());
        return run_process(argv);
    }
    void own(const std::filesystem::path& path) const {
        if (m_uid && ::chown(path.c_str(), *m_uid, *m_gid) != 0) ADD_FAILURE() << "cannot hand " << path << " to postgres";
    }

    TempDir m_dir;
    std::filesystem::path m_root, m_bin;
    std::vector<std::string> m_as_user;
    std::optional<uid_t> m_uid;
    std::optional<gid_t> m_gid;
    int m_port = 0;
    bool m_running = false;
};

}  // namespace powerml::test
