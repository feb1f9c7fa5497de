#pragma once
// The run store's one schema and its migrations, for both backends (internal to the store).
// Version 1: runs, channels, samples, phase and metric events. Version 2: every run's job key
// and node (indexed by key, for summing one job over nodes) and the experiment state's tables,
// which the experiment module used to create on its own.
#include "sql_connection.hpp"

namespace powerml::store {

// Creates the schema, or upgrades an older one in place, in one transaction that no other
// process's migration interleaves with. A newer schema is left alone (schema_version refuses it).
void migrate(SqlConnection& db);

// The schema version the store holds: 0 for a database with no run store in it yet (a
// PostgreSQL database nothing has written to). Throws Error for a missing or unreadable
// version, or one newer than this PowerML reads.
int schema_version(SqlConnection& db);

}  // namespace powerml::store
