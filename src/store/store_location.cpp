#include "powerml/store/store_location.hpp"

#include <cctype>
#include <memory>
#include <optional>

#include "libpq_library.hpp"
#include "powerml/core/percent_encoding.hpp"
#include "powerml/core/redactor.hpp"
#include "sql_connection.hpp"

namespace powerml::store {

namespace {

bool has_uri_prefix(std::string_view location) {
    return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

using ConninfoOptions = std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)>;

// libpq's own reading of the location (nothing when it is not one libpq can parse, or when
// libpq cannot be loaded).
ConninfoOptions parse_conninfo(std::string_view location) {
    const detail::LibPq* pq = detail::libpq_if_available();
    if (!pq) return ConninfoOptions(nullptr, [](PQconninfoOption*) {});
    char* error = nullptr;
    PQconninfoOption* options = pq->PQconninfoParse(std::string(location).c_str(), &error);
    // The parser's message may quote the location, password included: it is never used.
    pq->PQfreemem(error);
    return ConninfoOptions(options, pq->PQconninfoFree);
}

}  // namespace

bool is_postgresql_location(std::string_view location) {
    if (has_uri_prefix(location)) return true;
    if (location.find('=') == std::string_view::npos) return false;
    // Without libpq a "key=value" location cannot be told from a file name; it is taken as
    // PostgreSQL's, so that opening it says libpq is missing and showing it redacts its
    // password=, rather than creating a SQLite file of that name.
    if (!detail::libpq_if_available()) return true;
    return parse_conninfo(location) != nullptr;
}

namespace {

// The password written in a URI's user part, as written (nothing when there is none).
std::optional<std::string_view> uri_password(std::string_view location) {
    const std::size_t start = location.find("://") + 3;
    const std::size_t at = location.substr(0, location.find('?', start)).rfind('@');
    if (at == std::string_view::npos || at < start) return std::nullopt;
    const std::string_view user_part = location.substr(start, at - start);
    const std::size_t colon = user_part.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    return user_part.substr(colon + 1);
}

}  // namespace

std::optional<std::string> location_problem(std::string_view location) {
    std::string why;
    if (!detail::libpq_if_available(&why)) return "PostgreSQL needs libpq5 (apt-get install libpq5): " + why;
    const auto options = parse_conninfo(location);
    // libpq's own message is not used: it may quote the password.
    if (!options) return "libpq cannot read it as connection parameters (docs/reference/team-store.md shows the forms)";
    if (!has_uri_prefix(location)) return std::nullopt;
    const auto written = uri_password(location);
    if (!written) return std::nullopt;
    const char* parsed = nullptr;
    for (const PQconninfoOption* o = options.get(); o->keyword; ++o)
        if (std::string_view(o->keyword) == "password") parsed = o->val;
    // A '/', '@', '?' or '#' left raw in the password makes libpq read part of it as the host,
    // port or database, which it would then print: such a URI is refused before any connection.
    if (!parsed || parsed != percent_decoded(*written, false))
        return "its password holds a character a URI must percent-encode (write '/' as %2F, '@' as %40), or keep the "
               "password in ~/.pgpass or PGPASSFILE instead";
    return std::nullopt;
}

Redactor location_redactor(std::string_view location) {
    Redactor redactor;
    if (has_uri_prefix(location))
        if (const auto written = uri_password(location)) {
            redactor.add_secret(*written);
            redactor.add_secret(percent_decoded(*written, false));
        }
    if (const auto options = parse_conninfo(location))
        for (const PQconninfoOption* o = options.get(); o->keyword; ++o)
            if (o->val && Redactor::is_auth_name(o->keyword)) redactor.add_secret(o->val);
    return redactor;
}

std::string redacted_location(std::string_view location) {
    if (!is_postgresql_location(location)) return std::string(location);
    std::string shown(location);
    if (has_uri_prefix(location)) {
        // postgresql://[user[:password]@]host...: the user part goes (as the Redactor does for
        // every URL). The last '@' before the query ends it, whatever the password holds ('/'
        // included, which would stop the Redactor's own URL rule short).
        const std::size_t start = location.find("://") + 3;
        const std::size_t at = location.substr(0, location.find('?', start)).rfind('@');
        if (at != std::string_view::npos && at > start)
            shown = std::string(location.substr(0, start)) + std::string(Redactor::k_mark) + std::string(location.substr(at));
    }
    // ?password=..., password=... in key=value form, and the password libpq read wherever it
    // appears again (percent-encoded or not).
    return location_redactor(location).scrub(shown);
}

bool run_store_exists(const std::filesystem::path& location) {
    if (is_postgresql_location(location.string())) return true;
    std::error_code ec;
    return std::filesystem::exists(location, ec);
}

std::unique_ptr<SqlConnection> open_connection(const std::string& location, SqlConnection::Mode mode) {
    return is_postgresql_location(location) ? open_postgresql(location, mode) : open_sqlite(location, mode);
}

}  // namespace powerml::store
