// The store's SQL on a SQLite file: the embedded default, one file per machine, WAL so that
// readers (runs list) never block the measuring writer.
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <thread>

#include "powerml/core/error.hpp"
#include "sql_connection.hpp"

namespace powerml::store {

namespace {

// "$3" (PostgreSQL's numbered placeholder, the spelling every statement is written in) is
// "?3" to SQLite. The statements hold no '$' anywhere else.
std::string sqlite_placeholders(const std::string& sql) {
    std::string out = sql;
    for (std::size_t i = 0; i + 1 < out.size(); ++i)
        if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
    return out;
}

class SqliteStatement final : public SqlStatement {
public:
    SqliteStatement(sqlite3* db, const std::string& sql, const std::string& shown) : m_db(db), m_shown(shown) {
        if (sqlite3_prepare_v2(db, sqlite_placeholders(sql).c_str(), -1, &m_stmt, nullptr) != SQLITE_OK) fail();
    }
    ~SqliteStatement() override { sqlite3_finalize(m_stmt); }

    SqlStatement& bind(int i, const std::string& text) override {
        sqlite3_bind_text(m_stmt, i, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    SqlStatement& bind(int i, double value) override {
        sqlite3_bind_double(m_stmt, i, value);
        return *this;
    }
    SqlStatement& bind(int i, std::int64_t value) override {
        sqlite3_bind_int64(m_stmt, i, value);
        return *this;
    }
    SqlStatement& bind_blob(int i, const std::vector<double>& values) override {
        sqlite3_bind_blob(m_stmt, i, values.data(), static_cast<int>(values.size() * sizeof(double)), SQLITE_TRANSIENT);
        return *this;
    }
    SqlStatement& bind_null(int i) override {
        sqlite3_bind_null(m_stmt, i);
        return *this;
    }
    bool step() override {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail();
    }
    void run() override {
        step();
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    std::string text(int col) const override {
        const auto* p = sqlite3_column_text(m_stmt, col);
        return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    }
    double number(int col) const override { return sqlite3_column_double(m_stmt, col); }
    std::int64_t integer(int col) const override { return sqlite3_column_int64(m_stmt, col); }
    bool is_null(int col) const override { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
    std::vector<double> blob(int col) const override {
        const auto* p = static_cast<const double*>(sqlite3_column_blob(m_stmt, col));
        const int bytes = sqlite3_column_bytes(m_stmt, col);
        return p ? std::vector<double>(p, p + bytes / static_cast<int>(sizeof(double))) : std::vector<double>();
    }

private:
    [[noreturn]] void fail() const { throw Error("run store " + m_shown + ": " + sqlite3_errmsg(m_db)); }
    sqlite3* m_db;
    const std::string& m_shown;
    sqlite3_stmt* m_stmt = nullptr;
};

class SqliteConnection final : public SqlConnection {
public:
    SqliteConnection(const std::filesystem::path& file, Mode mode) : SqlConnection(file.string()) {
        int flags = SQLITE_OPEN_FULLMUTEX;
        if (mode == Mode::read_only) {
            std::error_code ec;
            if (!std::filesystem::exists(file, ec))
                throw Error("no run store at " + file.string() + " (nothing has been measured with it yet)");
            flags |= SQLITE_OPEN_READONLY;
        } else {
            std::error_code ec;
            if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        }
        open(file.string(), flags, "");
        if (mode == Mode::read_only && !readable()) {
            // A store in a folder we may not write to: SQLite cannot create the WAL's shared-memory
            // file there. Read it as immutable (nothing is writing it, or we could not read it at all).
            sqlite3_close(m_db);
            m_db = nullptr;
            open("file:" + file.string() + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, " read-only");
        }
        sqlite3_busy_timeout(m_db, static_cast<int>(k_busy_timeout.count()));
        if (mode == Mode::read_write) {
            try {
                switch_to_wal();
                exec("PRAGMA synchronous=NORMAL");
            } catch (...) {
                sqlite3_close(m_db);
                throw;
            }
        }
    }
    ~SqliteConnection() override { sqlite3_close(m_db); }

    std::unique_ptr<SqlStatement> prepare(const std::string& sql) override {
        return std::make_unique<SqliteStatement>(m_db, sql, shown());
    }
    void exec(const std::string& sql) override {
        char* message = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string why = message ? message : sqlite3_errmsg(m_db);
            sqlite3_free(message);
            throw Error("run store " + shown() + ": " + why);
        }
    }
    bool in_transaction() const override { return !sqlite3_get_autocommit(m_db); }
    void begin_write() override { exec("BEGIN IMMEDIATE"); }
    // IMMEDIATE takes the write lock at BEGIN: a second process waits (busy timeout) instead of
    // reading the old schema and failing to upgrade it.
    void begin_schema_change() override { exec("BEGIN IMMEDIATE"); }
    bool has_table(const std::string& name) override {
        const auto q = prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1");
        q->bind(1, name);
        return q->step();
    }
    const SqlTypes& types() const override {
        static constexpr SqlTypes k_types{"INTEGER", "REAL", "BLOB"};
        return k_types;
    }
    bool is_postgresql() const override { return false; }

private:
    static constexpr std::chrono::milliseconds k_busy_timeout{5000};

    // Switching to WAL needs the file to itself. While another process is between BEGIN
    // IMMEDIATE and COMMIT (creating the schema of a store both just opened), SQLite answers
    // "database is locked" at once instead of waiting on the busy timeout (waiting could
    // deadlock inside SQLite): the switch is retried for as long as that timeout.
    void switch_to_wal() {
        const auto give_up = std::chrono::steady_clock::now() + k_busy_timeout;
        for (;;) {
            char* message = nullptr;
            const int rc = sqlite3_exec(m_db, "PRAGMA journal_mode=WAL", nullptr, nullptr, &message);
            const std::string why = rc == SQLITE_OK ? "" : message ? message : sqlite3_errmsg(m_db);
            sqlite3_free(message);
            if (rc == SQLITE_OK) return;
            if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up)
                throw Error("run store " + shown() + ": " + why);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

    void open(const std::string& name, int flags, const char* how) {
        if (sqlite3_open_v2(name.c_str(), &m_db, flags, nullptr) == SQLITE_OK) return;
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error("cannot open run store " + shown() + how + ": " + why);
    }
    bool readable() const {
        sqlite3_stmt* stmt = nullptr;
        const bool ok = sqlite3_prepare_v2(m_db, "SELECT count(*) FROM sqlite_master", -1, &stmt, nullptr) == SQLITE_OK &&
                        sqlite3_step(stmt) == SQLITE_ROW;
        sqlite3_finalize(stmt);
        return ok;
    }
    sqlite3* m_db = nullptr;
};

}  // namespace

std::unique_ptr<SqlConnection> open_sqlite(const std::string& file, SqlConnection::Mode mode) {
    return std::make_unique<SqliteConnection>(file, mode);
}

}  // namespace powerml::store
