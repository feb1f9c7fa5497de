#include "libpq_library.hpp"

#include <dlfcn.h>

#include "powerml/core/error.hpp"

namespace powerml::store::detail {

namespace {

// The soname Debian's libpq5 has carried since PostgreSQL 8.2: the ABI these declarations
// describe.
constexpr const char* k_soname = "libpq.so.5";

struct Loaded {
    LibPq symbols{};
    std::string why;  // empty when every symbol was found
};

template <typename F>
bool bind(void* handle, const char* name, F& target, std::string& why) {
    target = reinterpret_cast<F>(::dlsym(handle, name));
    if (!target && why.empty()) why = std::string(k_soname) + " has no " + name;
    return target != nullptr;
}

Loaded load() {
    Loaded out;
    void* handle = ::dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* text = ::dlerror();
        out.why = text ? text : "cannot load libpq.so.5";
        return out;
    }
    auto& s = out.symbols;
    std::string& why = out.why;
#define POWERML_BIND_PQ(name) bind(handle, #name, s.name, why)
    POWERML_BIND_PQ(PQconnectdbParams);
    POWERML_BIND_PQ(PQstatus);
    POWERML_BIND_PQ(PQerrorMessage);
    POWERML_BIND_PQ(PQfinish);
    POWERML_BIND_PQ(PQsetNoticeProcessor);
    POWERML_BIND_PQ(PQexec);
    POWERML_BIND_PQ(PQexecParams);
    POWERML_BIND_PQ(PQresultStatus);
    POWERML_BIND_PQ(PQresultErrorMessage);
    POWERML_BIND_PQ(PQclear);
    POWERML_BIND_PQ(PQntuples);
    POWERML_BIND_PQ(PQgetisnull);
    POWERML_BIND_PQ(PQgetvalue);
    POWERML_BIND_PQ(PQunescapeBytea);
    POWERML_BIND_PQ(PQfreemem);
    POWERML_BIND_PQ(PQtransactionStatus);
    POWERML_BIND_PQ(PQhost);
    POWERML_BIND_PQ(PQport);
    POWERML_BIND_PQ(PQdb);
    POWERML_BIND_PQ(PQuser);
    POWERML_BIND_PQ(PQpass);
    POWERML_BIND_PQ(PQconninfoParse);
    POWERML_BIND_PQ(PQconninfoFree);
#undef POWERML_BIND_PQ
    // A library without one of them is not the libpq these calls were written for; it stays
    // loaded (unloading a library that may have started threads is not safe) but unused.
    return out;
}

const Loaded& loaded() {
    static const Loaded k_loaded = load();  // thread-safe initialisation, once per process
    return k_loaded;
}

}  // namespace

const LibPq* libpq_if_available(std::string* why) {
    const Loaded& l = loaded();
    if (why) *why = l.why;
    return l.why.empty() ? &l.symbols : nullptr;
}

const LibPq& libpq() {
    std::string why;
    if (const LibPq* lib = libpq_if_available(&why)) return *lib;
    throw Error("the PostgreSQL run store needs libpq5 (apt-get install libpq5): " + why);
}

}  // namespace powerml::store::detail
