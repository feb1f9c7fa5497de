#pragma once
// libpq, loaded when the first PostgreSQL location is used instead of linked into every
// program: linking it makes the dynamic loader map and relocate some twenty libraries
// (Kerberos, LDAP, GnuTLS, SASL and theirs) at every start of `powerml`, about 10 ms of CPU
// on the 2-core VM, for a store most runs never open (docs/performance.md, start-up).
// Private to the store module. The declarations still come from Debian's libpq-dev header;
// only the binding is deferred.
#include <libpq-fe.h>

#include <string>

namespace powerml::store::detail {

// One entry point of libpq per member, named as in libpq-fe.h.
struct LibPq {
    decltype(&::PQconnectdbParams) PQconnectdbParams;
    decltype(&::PQstatus) PQstatus;
    decltype(&::PQerrorMessage) PQerrorMessage;
    decltype(&::PQfinish) PQfinish;
    decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
    decltype(&::PQexec) PQexec;
    decltype(&::PQexecParams) PQexecParams;
    decltype(&::PQresultStatus) PQresultStatus;
    decltype(&::PQresultErrorMessage) PQresultErrorMessage;
    decltype(&::PQclear) PQclear;
    decltype(&::PQntuples) PQntuples;
    decltype(&::PQgetisnull) PQgetisnull;
    decltype(&::PQgetvalue) PQgetvalue;
    decltype(&::PQunescapeBytea) PQunescapeBytea;
    decltype(&::PQfreemem) PQfreemem;
    decltype(&::PQtransactionStatus) PQtransactionStatus;
    decltype(&::PQhost) PQhost;
    decltype(&::PQport) PQport;
    decltype(&::PQdb) PQdb;
    decltype(&::PQuser) PQuser;
    decltype(&::PQpass) PQpass;
    decltype(&::PQconninfoParse) PQconninfoParse;
    decltype(&::PQconninfoFree) PQconninfoFree;
};

// libpq5, loaded and bound once per process (thread-safe); nullptr when it cannot be, with
// the reason in `why` ("libpq.so.5: cannot open shared object file ...").
const LibPq* libpq_if_available(std::string* why = nullptr);
// The same, or Error: "the PostgreSQL run store needs libpq5 (apt-get install libpq5): ...".
const LibPq& libpq();

}  // namespace powerml::store::detail
