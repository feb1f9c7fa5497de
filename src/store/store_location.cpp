#include "powerml/store/store_location.hpp"

#include <libpq-fe.h>

#include <memory>

#include "powerml/core/redactor.hpp"
#include "sql_connection.hpp"

namespace powerml::store {

namespace {

bool has_uri_prefix(std::string_view location) {
    return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

using ConninfoOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

// libpq's own reading of the location (nothing when it is not one libpq can parse).
ConninfoOptions parse_conninfo(std::string_view location) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(std::string(location).c_str(), &error);
    // The parser's message may quote the location, password included: it is never used.
    PQfreemem(error);
    return ConninfoOptions(options, &PQconninfoFree);
}

}  // namespace

bool is_postgresql_location(std::string_view location) {
    if (has_uri_prefix(location)) return true;
    if (location.find('=') == std::string_view::npos) return false;
    return parse_conninfo(location) != nullptr;
}

Redactor location_redactor(std::string_view location) {
    Redactor redactor;
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
