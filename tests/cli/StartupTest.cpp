// What `powerml` maps at start: the libraries only some commands need (cpp-httplib with
// OpenSSL and Brotli, libpq with Kerberos, LDAP and GnuTLS) are loaded when those commands
// use them, not by every measurement (docs/performance.md, start-up).
#include <gtest/gtest.h>

#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

namespace {

// The memory map of the `powerml measure` process, read by its child through /proc/$PPID.
std::string maps_of_a_measurement(const test::TempDir& dir) {
    const auto r = test::run_powerml({"measure", "-q", "--no-db", "--", "sh", "-c", "cat /proc/$PPID/maps"},
                                     {{"XDG_DATA_HOME", (dir.path() / "xdg").string()}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
}

}  // namespace

TEST(StartupTest, AMeasurementMapsNeitherTheHttpNorThePostgresqlLibraries) {
    test::TempDir dir;
    const std::string maps = maps_of_a_measurement(dir);
    ASSERT_NE(maps.find("libc.so"), std::string::npos) << "the child did not read its parent's map:\n" << maps;
    ASSERT_NE(maps.find("libsqlite3"), std::string::npos) << maps;  // the run store's own library is linked
    for (const char* library : {"libpowerml_http", "libcpp-httplib", "libssl", "libcrypto", "libbrotli", "libpq.so",
                                "libgnutls", "libkrb5", "libldap"})
        EXPECT_EQ(maps.find(library), std::string::npos) << library << " is mapped by `powerml measure`";
}
