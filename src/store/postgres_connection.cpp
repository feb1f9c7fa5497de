// The store's SQL on PostgreSQL through libpq: a team's store that every node writes to at
// once. Every statement goes through PQexecParams with its values as parameters (samples as
// binary BYTEA), results come back as text and are parsed exactly (extra_float_digits = 3).
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "powerml/core/error.hpp"
#include "powerml/core/utf8_check.hpp"
#include "libpq_library.hpp"
#include "powerml/store/store_location.hpp"
#include "sql_connection.hpp"

namespace powerml::store {

namespace {

// Every libpq call goes through the table bound when the first PostgreSQL store is opened.
const detail::LibPq& pq() { return detail::libpq(); }

// Type OIDs of PostgreSQL's built-in types (pg_type.dat; fixed since 7.x).
constexpr Oid k_bytea_oid = 17, k_int8_oid = 20, k_text_oid = 25, k_float8_oid = 701;

// libpq's messages, made one line: "FATAL:  x\n\tHint\n" reads "FATAL: x; Hint".
std::string one_line(std::string_view text) {
    std::string out;
    bool space = false, line_break = false;
    for (const char c : text) {
        if (c == '\n') {
            line_break = true;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            space = true;
        } else {
            if (!out.empty()) out += line_break ? "; " : space ? " " : "";
            out += c;
            space = line_break = false;
        }
    }
    return out;
}

// libpq's words about a failure, safe to show: the secrets the location carries (and the
// password libpq used, from a password file or the environment) scrubbed away. A password too
// short for the Redactor to replace safely withholds the text instead when it occurs in it.
std::string safe_detail(std::string_view detail, const Redactor& redactor, const char* password) {
    std::string text = one_line(detail);
    Redactor with_used = redactor;
    if (password && *password) {
        with_used.add_secret(password);
        if (std::strlen(password) < Redactor::k_min_secret && text.find(password) != std::string::npos)
            return "(libpq's message is withheld: it may contain the password)";
    }
    return with_used.scrub(text);
}

std::string format_double(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    char buffer[32];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;  // shortest exact form
    return std::string(buffer, end);
}

double parse_double(const char* text) {
    if (std::strcmp(text, "NaN") == 0) return std::numeric_limits<double>::quiet_NaN();
    if (std::strcmp(text, "Infinity") == 0) return std::numeric_limits<double>::infinity();
    if (std::strcmp(text, "-Infinity") == 0) return -std::numeric_limits<double>::infinity();
    double value = 0;
    std::from_chars(text, text + std::strlen(text), value);
    return value;
}

class PostgresConnection;

class PostgresStatement final : public SqlStatement {
public:
    PostgresStatement(PostgresConnection& db, std::string sql) : m_db(db), m_sql(std::move(sql)) {}
    ~PostgresStatement() override { pq().PQclear(m_result); }

    // PostgreSQL's text holds only well-formed characters (SQLite keeps any bytes): a stray byte
    // in a host or phase name becomes '?' rather than losing the run.
    SqlStatement& bind(int i, const std::string& text) override {
        return set(i, valid_utf8(text) ? text : printable_utf8(text), k_text_oid, 0);
    }
    SqlStatement& bind(int i, double value) override { return set(i, format_double(value), k_float8_oid, 0); }
    SqlStatement& bind(int i, std::int64_t value) override { return set(i, std::to_string(value), k_int8_oid, 0); }
    SqlStatement& bind_blob(int i, const std::vector<double>& values) override {
        std::string bytes(values.size() * sizeof(double), '\0');
        if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
        return set(i, std::move(bytes), k_bytea_oid, 1);
    }
    SqlStatement& bind_null(int i) override {
        auto& p = param(i);
        p = {};
        return *this;
    }
    bool step() override {
        if (!m_result) execute();
        return ++m_row < pq().PQntuples(m_result);
    }
    void run() override {
        execute();
        pq().PQclear(m_result);
        m_result = nullptr;
        m_params.clear();
    }
    std::string text(int col) const override { return is_null(col) ? std::string() : std::string(value(col)); }
    double number(int col) const override { return is_null(col) ? 0.0 : parse_double(value(col)); }
    std::int64_t integer(int col) const override {
        if (is_null(col)) return 0;
        const char* v = value(col);
        std::int64_t out = 0;
        std::from_chars(v, v + std::strlen(v), out);
        return out;
    }
    bool is_null(int col) const override { return pq().PQgetisnull(m_result, m_row, col) != 0; }
    std::vector<double> blob(int col) const override {
        if (is_null(col)) return {};
        std::size_t bytes = 0;
        unsigned char* raw = pq().PQunescapeBytea(reinterpret_cast<const unsigned char*>(value(col)), &bytes);
        if (!raw) throw Error("run store: out of memory reading a sample");
        std::vector<double> out(bytes / sizeof(double));
        if (!out.empty()) std::memcpy(out.data(), raw, out.size() * sizeof(double));
        pq().PQfreemem(raw);
        return out;
    }

private:
    struct Param {
        bool null = true;
        std::string value;
        Oid type = 0;  // unknown: the server infers it from where a NULL goes
        int format = 0;
    };
    Param& param(int i) {
        if (static_cast<std::size_t>(i) > m_params.size()) m_params.resize(static_cast<std::size_t>(i));
        return m_params[static_cast<std::size_t>(i) - 1];
    }
    SqlStatement& set(int i, std::string value, Oid type, int format) {
        param(i) = {false, std::move(value), type, format};
        return *this;
    }
    const char* value(int col) const { return pq().PQgetvalue(m_result, m_row, col); }
    void execute();

    PostgresConnection& m_db;
    std::string m_sql;
    std::vector<Param> m_params;
    PGresult* m_result = nullptr;
    int m_row = -1;
};

class PostgresConnection final : public SqlConnection {
public:
    PostgresConnection(const std::string& conninfo, Mode mode)
        : SqlConnection(redacted_location(conninfo)), m_redactor(location_redactor(conninfo)) {
        // The location is expanded as libpq's own connection string; what it does not say comes
        // from libpq's usual places (PG* variables, the service file, PGPASSFILE or ~/.pgpass).
        // Unless told otherwise, a node gives up on an unreachable server after 10 s rather
        // than holding its job forever.
        if (const auto problem = location_problem(conninfo))
            throw Error("cannot use the run store location " + shown() + ": " + *problem);
        std::vector<const char*> keywords, values;
        if (!std::getenv("PGCONNECT_TIMEOUT")) {
            keywords.push_back("connect_timeout");
            values.push_back("10");
        }
        keywords.insert(keywords.end(), {"fallback_application_name", "dbname", nullptr});
        values.insert(values.end(), {"powerml", conninfo.c_str(), nullptr});
        m_conn = pq().PQconnectdbParams(keywords.data(), values.data(), 1);
        if (!m_conn) throw Error("cannot connect to the run store " + shown() + ": out of memory");
        if (pq().PQstatus(m_conn) != CONNECTION_OK) {
            const std::string why = "cannot connect to the run store " + shown() + where() + ": " + detail(pq().PQerrorMessage(m_conn));
            pq().PQfinish(m_conn);
            throw Error(why);
        }
        // NOTICEs ("relation already exists, skipping") would go to stderr: the library never
        // writes there.
        pq().PQsetNoticeProcessor(m_conn, [](void*, const char*) {}, nullptr);
        try {
            exec("SET client_encoding = 'UTF8'; SET client_min_messages = warning; SET extra_float_digits = 3");
            if (mode == Mode::read_only) exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
        } catch (...) {
            pq().PQfinish(m_conn);
            throw;
        }
    }
    ~PostgresConnection() override { pq().PQfinish(m_conn); }

    std::unique_ptr<SqlStatement> prepare(const std::string& sql) override {
        return std::make_unique<PostgresStatement>(*this, sql);
    }
    void exec(const std::string& sql) override {
        PGresult* result = pq().PQexec(m_conn, sql.c_str());
        const auto status = pq().PQresultStatus(result);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            const std::string why = failure(result);
            pq().PQclear(result);
            throw Error(why);
        }
        pq().PQclear(result);
    }
    // Row locks and MVCC: a writer waits for another only on the rows both touch.
    void begin_write() override { exec("BEGIN"); }
    bool in_transaction() const override {
        const auto status = pq().PQtransactionStatus(m_conn);
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
    }
    // An advisory lock held until COMMIT: the first of many nodes creates or upgrades the
    // schema, the others wait for it and then find it done.
    void begin_schema_change() override {
        exec("BEGIN");
        exec("SELECT pg_advisory_xact_lock(7020901981346640)");  // "powerml run store schema"
    }
    bool has_table(const std::string& name) override {
        const auto q = prepare("SELECT 1 WHERE to_regclass($1) IS NOT NULL");
        q->bind(1, name);
        return q->step();
    }
    const SqlTypes& types() const override {
        static constexpr SqlTypes k_types{"BIGINT", "DOUBLE PRECISION", "BYTEA"};
        return k_types;
    }
    bool is_postgresql() const override { return true; }

    PGconn* handle() const { return m_conn; }
    // "run store postgresql://[redacted]@db/powerml: ERROR: ..." for a failed result.
    std::string failure(const PGresult* result) const {
        const char* message = result ? pq().PQresultErrorMessage(result) : pq().PQerrorMessage(m_conn);
        return "run store " + shown() + ": " + detail(message && *message ? message : pq().PQerrorMessage(m_conn));
    }

private:
    std::string detail(const char* message) const { return safe_detail(message ? message : "", m_redactor, pq().PQpass(m_conn)); }
    // " (host db.lab, port 5432, database powerml)": which server it was, as libpq resolved it.
    std::string where() const {
        std::string out;
        const auto add = [&](const char* name, const char* value) {
            if (value && *value) out += std::string(out.empty() ? " (" : ", ") + name + " " + m_redactor.scrub(value);
        };
        add("host", pq().PQhost(m_conn));
        add("port", pq().PQport(m_conn));
        add("database", pq().PQdb(m_conn));
        add("user", pq().PQuser(m_conn));
        return out.empty() ? out : out + ")";
    }

    Redactor m_redactor;
    PGconn* m_conn = nullptr;
};

void PostgresStatement::execute() {
    pq().PQclear(m_result);
    m_result = nullptr;
    m_row = -1;
    std::vector<const char*> values;
    std::vector<Oid> types;
    std::vector<int> lengths, formats;
    for (const auto& p : m_params) {
        values.push_back(p.null ? nullptr : p.value.data());
        types.push_back(p.null ? 0 : p.type);
        lengths.push_back(static_cast<int>(p.value.size()));
        formats.push_back(p.format);
    }
    m_result = pq().PQexecParams(m_db.handle(), m_sql.c_str(), static_cast<int>(values.size()), types.data(), values.data(),
                            lengths.data(), formats.data(), 0);
    const auto status = pq().PQresultStatus(m_result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        const std::string why = m_db.failure(m_result);
        pq().PQclear(m_result);
        m_result = nullptr;
        throw Error(why);
    }
}

}  // namespace

std::unique_ptr<SqlConnection> open_postgresql(const std::string& conninfo, SqlConnection::Mode mode) {
    return std::make_unique<PostgresConnection>(conninfo, mode);
}

}  // namespace powerml::store
