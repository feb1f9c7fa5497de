#pragma once
// A prepared SQLite statement that finalises itself, shared by the run store and the
// experiment state kept in the same database file. Errors become powerml::Error.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "powerml/core/error.hpp"

namespace powerml::store {

// A prepared statement that finalises itself.
class SqliteStatement {
public:
    // `context` starts every error message ("run store", "experiment state").
    SqliteStatement(sqlite3* db, const char* sql, const char* context = "run store") : m_db(db), m_context(context) {
        if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
            throw Error(std::string(m_context) + ": " + sqlite3_errmsg(db));
    }
    ~SqliteStatement() { sqlite3_finalize(m_stmt); }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    SqliteStatement& bind(int i, const std::string& text) {
        sqlite3_bind_text(m_stmt, i, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        return *this;
    }
    SqliteStatement& bind(int i, double value) {
        sqlite3_bind_double(m_stmt, i, value);
        return *this;
    }
    SqliteStatement& bind(int i, std::int64_t value) {
        sqlite3_bind_int64(m_stmt, i, value);
        return *this;
    }
    SqliteStatement& bind(int i, int value) { return bind(i, static_cast<std::int64_t>(value)); }
    SqliteStatement& bind_blob(int i, const std::vector<double>& values) {
        sqlite3_bind_blob(m_stmt, i, values.data(), static_cast<int>(values.size() * sizeof(double)), SQLITE_TRANSIENT);
        return *this;
    }
    SqliteStatement& bind_null(int i) {
        sqlite3_bind_null(m_stmt, i);
        return *this;
    }
    bool step() {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        throw Error(std::string(m_context) + ": " + sqlite3_errmsg(m_db));
    }
    void run() {
        step();
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(m_stmt, col);
        return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    }
    double number(int col) const { return sqlite3_column_double(m_stmt, col); }
    std::int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }
    bool is_null(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
    std::vector<double> blob(int col) const {
        const auto* p = static_cast<const double*>(sqlite3_column_blob(m_stmt, col));
        const int bytes = sqlite3_column_bytes(m_stmt, col);
        return p ? std::vector<double>(p, p + bytes / static_cast<int>(sizeof(double))) : std::vector<double>();
    }

private:
    sqlite3* m_db;
    const char* m_context;
    sqlite3_stmt* m_stmt = nullptr;
};

}  // namespace powerml::store
