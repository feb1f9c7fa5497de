#pragma once
// The one interface the store's SQL runs on, with two implementations: SQLite (a file, the
// embedded default) and PostgreSQL through libpq (a team's database). The run store and the
// experiment state are written once against it, so both backends share every statement, the
// schema and its migrations. Internal to the store module: nobody else touches SQL.
//
// Statements are written in PostgreSQL's placeholder spelling ($1, $2, ... numbered from 1);
// SQLite reads the same numbers as ?1, ?2, .... Every value is bound, never spliced into the
// text. Errors become powerml::Error naming the store by its redacted location.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/core/redactor.hpp"

namespace powerml::store {

class SqlStatement {
public:
    virtual ~SqlStatement() = default;

    // Parameters are numbered from 1, as the placeholders in the text.
    virtual SqlStatement& bind(int i, const std::string& text) = 0;
    virtual SqlStatement& bind(int i, double value) = 0;
    virtual SqlStatement& bind(int i, std::int64_t value) = 0;
    SqlStatement& bind(int i, int value) { return bind(i, static_cast<std::int64_t>(value)); }
    SqlStatement& bind(int i, const char* text) { return bind(i, std::string(text)); }
    // Doubles in the host's byte order (little-endian IEEE 754 on every machine PowerML runs on).
    virtual SqlStatement& bind_blob(int i, const std::vector<double>& values) = 0;
    virtual SqlStatement& bind_null(int i) = 0;
    template <class T>
    SqlStatement& bind(int i, const std::optional<T>& value) {
        return value ? bind(i, *value) : bind_null(i);
    }

    // The next row of the result (running the statement on the first call); false at the end.
    virtual bool step() = 0;
    // Runs the statement for its effect and makes it ready to be bound and run again.
    virtual void run() = 0;

    // Columns of the current row, numbered from 0. A NULL reads as "", 0 or an empty blob.
    virtual std::string text(int col) const = 0;
    virtual double number(int col) const = 0;
    virtual std::int64_t integer(int col) const = 0;
    virtual bool is_null(int col) const = 0;
    virtual std::vector<double> blob(int col) const = 0;
};

// The column types the one schema is written with, in each backend's spelling: SQLite keeps its
// own (files written before PostgreSQL existed look the same), PostgreSQL gets 64-bit integers,
// double precision and BYTEA.
struct SqlTypes {
    const char* integer;
    const char* real;
    const char* blob;
};

class SqlConnection {
public:
    enum class Mode { read_write, read_only };
    virtual ~SqlConnection() = default;

    virtual std::unique_ptr<SqlStatement> prepare(const std::string& sql) = 0;
    // Runs statements without parameters (schema changes, BEGIN and COMMIT).
    virtual void exec(const std::string& sql) = 0;
    virtual bool in_transaction() const = 0;
    // BEGIN of a transaction that writes. On SQLite it takes the write lock at once (BEGIN
    // IMMEDIATE), waiting out the busy timeout: a deferred BEGIN that has read first and then
    // writes after another process committed gets "database is locked" at once, no wait (WAL's
    // snapshot rule), which lost one of two ranks' runs started together on a fresh store.
    virtual void begin_write() = 0;
    // BEGIN, holding off every other writer's schema change until COMMIT: concurrent first
    // opens (many nodes starting at once) migrate one after the other.
    virtual void begin_schema_change() = 0;
    virtual bool has_table(const std::string& name) = 0;
    virtual const SqlTypes& types() const = 0;
    virtual bool is_postgresql() const = 0;

    // The location as it may be shown: never with a password.
    const std::string& shown() const { return m_shown; }

protected:
    explicit SqlConnection(std::string shown) : m_shown(std::move(shown)) {}

private:
    std::string m_shown;
};

// Opens the store at `location` (a SQLite file, or a PostgreSQL database: store_location.hpp
// says which). read_only never writes: a read-only SQLite open, a PostgreSQL session whose
// transactions are all read-only. Throws Error with one line naming the store, never a password.
std::unique_ptr<SqlConnection> open_sqlite(const std::string& file, SqlConnection::Mode mode);
std::unique_ptr<SqlConnection> open_postgresql(const std::string& conninfo, SqlConnection::Mode mode);
std::unique_ptr<SqlConnection> open_connection(const std::string& location, SqlConnection::Mode mode);

// Knows the secrets a PostgreSQL location carries (its password, as libpq reads it), for
// scrubbing libpq's messages, which may echo them.
Redactor location_redactor(std::string_view location);
// Why libpq must not be handed this PostgreSQL location (it would misread it, and might echo
// its password back): nothing when it reads as written.
std::optional<std::string> location_problem(std::string_view location);

// BEGIN ... COMMIT that rolls back only what it began: a failed COMMIT (disk full) has often
// ended the transaction already, and a second error must not hide the first.
class SqlTransaction {
public:
    explicit SqlTransaction(SqlConnection& db) : m_db(db) { m_db.begin_write(); }
    ~SqlTransaction() {
        if (m_done || !m_db.in_transaction()) return;
        try {
            m_db.exec("ROLLBACK");
        } catch (...) {
        }
    }
    SqlTransaction(const SqlTransaction&) = delete;
    SqlTransaction& operator=(const SqlTransaction&) = delete;
    void commit() {
        m_db.exec("COMMIT");
        m_done = true;
    }

protected:
    struct Begun {};
    SqlTransaction(SqlConnection& db, Begun) : m_db(db) {}

private:
    SqlConnection& m_db;
    bool m_done = false;
};

// A transaction that changes the schema: one writer at a time across every process.
class SchemaTransaction : public SqlTransaction {
public:
    explicit SchemaTransaction(SqlConnection& db) : SqlTransaction(db, Begun{}) { db.begin_schema_change(); }
};

}  // namespace powerml::store
