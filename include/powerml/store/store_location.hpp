#pragma once
// Where a run store lives, as every `--db` takes it: a SQLite file path (the embedded default)
// or a PostgreSQL database (a team's store that every node writes to). The rule, in this order:
//   - `postgresql://...` or `postgres://...` is a libpq connection URI;
//   - text that libpq parses as key=value connection parameters (`service=team`,
//     `host=db.lab dbname=powerml`: every word a libpq keyword and a value) is a database;
//   - anything else is a file path. A file whose name looks like a parameter is written with a
//     folder in front: `./dbname=x`.
// Passwords come from libpq's usual places (PGPASSFILE or ~/.pgpass, the service file, PG*
// variables); one written into the location is never shown.
#include <filesystem>
#include <string>
#include <string_view>

namespace powerml::store {

bool is_postgresql_location(std::string_view location);

// The location as it may be printed, logged or put in a report: a URI's password (and any
// `password=` parameter or known secret in it) replaced by "[redacted]". A file path comes back
// as it is.
std::string redacted_location(std::string_view location);

// Whether a store may be there to be read: for a file, that it exists (nothing is created to
// find out); a database is always asked (its server says when it cannot be reached).
bool run_store_exists(const std::filesystem::path& location);

}  // namespace powerml::store
