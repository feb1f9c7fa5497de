#include "powerml/carbon/intensity_cache.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "powerml/core/error.hpp"

namespace powerml::carbon {

namespace {
PointKind kind_from(const std::string& k) {
    if (k == "estimated") return PointKind::estimated;
    if (k == "forecast") return PointKind::forecast;
    return PointKind::measured;
}

struct Statement {
    sqlite3_stmt* s = nullptr;
    Statement(sqlite3* db, const char* sql, const std::filesystem::path& file) {
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
            throw Error("intensity cache " + file.string() + ": " + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(s); }
};
}  // namespace

IntensityCache::IntensityCache(const std::filesystem::path& file) : m_file(file) {
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    if (sqlite3_open(file.string().c_str(), &m_db) != SQLITE_OK) {
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error("cannot open intensity cache " + file.string() + ": " + why + "; set carbon.cache_path");
    }
    sqlite3_busy_timeout(m_db, 2000);
    char* err = nullptr;
    const char* schema =
        "CREATE TABLE IF NOT EXISTS intensity_cache (provider TEXT NOT NULL, zone TEXT NOT NULL, from_ms INTEGER NOT "
        "NULL, to_ms INTEGER NOT NULL, stored_ms INTEGER NOT NULL, series TEXT NOT NULL, PRIMARY KEY (provider, zone, "
        "from_ms, to_ms))";
    if (sqlite3_exec(m_db, schema, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string why = err ? err : "unknown";
        sqlite3_free(err);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error("intensity cache " + file.string() + " is not usable: " + why + "; delete it or set carbon.cache_path");
    }
}

IntensityCache::~IntensityCache() { sqlite3_close(m_db); }

std::string IntensityCache::to_json(const IntensitySeries& s) {
    nlohmann::json j = {{"zone", s.zone},         {"signal", to_string(s.signal)}, {"basis", to_string(s.basis)},
                        {"provider", s.provider}, {"attribution", s.attribution},  {"licence", s.licence},
                        {"note", s.note},         {"u", s.relative_uncertainty}};
    auto& pts = j["points"] = nlohmann::json::array();
    for (const auto& p : s.points) pts.push_back({p.start, p.duration_s, p.g_per_kwh, std::string(to_string(p.kind))});
    return j.dump();
}

IntensitySeries IntensityCache::from_json(const std::string& text) {
    const auto j = nlohmann::json::parse(text);
    IntensitySeries s;
    s.zone = j.at("zone").get<std::string>();
    s.signal = j.at("signal") == "marginal" ? SignalType::marginal : SignalType::average;
    s.basis = j.at("basis") == "direct" ? FactorBasis::direct : FactorBasis::lifecycle;
    s.provider = j.at("provider").get<std::string>();
    s.attribution = j.at("attribution").get<std::string>();
    s.licence = j.at("licence").get<std::string>();
    s.note = j.at("note").get<std::string>();
    s.relative_uncertainty = j.at("u").get<double>();
    for (const auto& p : j.at("points"))
        s.points.push_back({p.at(0).get<UtcMillis>(), p.at(1).get<double>(), p.at(2).get<double>(),
                            kind_from(p.at(3).get<std::string>())});
    return s;
}

void IntensityCache::put(const std::string& provider, const std::string& zone, UtcMillis from, UtcMillis to,
                         const IntensitySeries& series, UtcMillis now) {
    Statement st(m_db, "INSERT OR REPLACE INTO intensity_cache VALUES (?,?,?,?,?,?)", m_file);
    const std::string json = to_json(series);
    sqlite3_bind_text(st.s, 1, provider.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st.s, 2, zone.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st.s, 3, from);
    sqlite3_bind_int64(st.s, 4, to);
    sqlite3_bind_int64(st.s, 5, now);
    sqlite3_bind_text(st.s, 6, json.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st.s) != SQLITE_DONE) throw Error("cannot write intensity cache " + m_file.string() + ": " + sqlite3_errmsg(m_db));
}

std::optional<IntensityCache::Hit> IntensityCache::get(const std::string& provider, const std::string& zone,
                                                       UtcMillis from, UtcMillis to, double ttl_s, UtcMillis now) const {
    Statement st(m_db,
                 "SELECT stored_ms, series FROM intensity_cache WHERE provider=? AND zone=? AND from_ms=? AND to_ms=?",
                 m_file);
    sqlite3_bind_text(st.s, 1, provider.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st.s, 2, zone.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st.s, 3, from);
    sqlite3_bind_int64(st.s, 4, to);
    if (sqlite3_step(st.s) != SQLITE_ROW) return std::nullopt;
    Hit hit;
    hit.stored_at = sqlite3_column_int64(st.s, 0);
    try {
        hit.series = from_json(reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1)));
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;  // a damaged entry is a miss; the next live answer replaces it
    }
    hit.fresh = static_cast<double>(now - hit.stored_at) < ttl_s * 1000.0;
    return hit;
}

}  // namespace powerml::carbon
