// The counter daemon and its client in one process, over a real Unix socket: what the client
// reads is what the daemon's sensor reads, to the bit; the daemon gone is NaN (a counted read
// error for the sampler), never 0; the credential rule. The cross-user test, with real users
// and root-only files, is tests/install/daemon_test.sh.
#include <gtest/gtest.h>

#include <grp.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "powerml/core/error.hpp"
#include "powerml/sensors/rapl_daemon_sensor.hpp"
#include "powerml/sensors/rapl_powercap_sensor.hpp"
#include "powerml/server/counter_daemon.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

namespace {

void add_zone(const test::TempDir& sys, const std::string& id, const std::string& name, const std::string& energy_uj) {
    sys.write("class/powercap/" + id + "/name", name + "\n");
    sys.write("class/powercap/" + id + "/energy_uj", energy_uj + "\n");
    sys.write("class/powercap/" + id + "/max_energy_range_uj", "262143328850\n");
}

// The group this process runs in: the daemon serves it without any user being created.
std::string own_group() {
    const group* g = ::getgrgid(::getgid());
    return g ? g->gr_name : "root";
}

struct RunningDaemon {
    explicit RunningDaemon(const test::TempDir& sys, const std::filesystem::path& socket, const std::string& group) {
        server::CounterDaemonOptions options;
        options.socket = socket;
        options.group = group;
        daemon = std::make_unique<server::CounterDaemon>(
            options, std::make_unique<sensors::RaplPowercapSensor>(sys.path()), "rapl", true);
        daemon->bind();
        loop = std::thread([this] { daemon->run(); });
    }
    ~RunningDaemon() { stop(); }
    void stop() {
        if (!loop.joinable()) return;
        daemon->stop();
        loop.join();
        daemon.reset();  // closes and removes the socket
    }
    std::unique_ptr<server::CounterDaemon> daemon;
    std::thread loop;
};

}  // namespace

TEST(CounterDaemonTest, ClientReadsTheDaemonsCountersWithTheirWrapRange) {
    test::TempDir sys, run;
    add_zone(sys, "intel-rapl:0", "package-0", "123456789");
    add_zone(sys, "intel-rapl:0:0", "dram", "42");
    const auto socket = run.path() / "powerml.sock";
    RunningDaemon running(sys, socket, own_group());

    sensors::RaplDaemonSensor client({socket, 1.0});
    sensors::RaplPowercapSensor direct(sys.path());
    EXPECT_EQ(client.name(), "rapl-daemon");
    EXPECT_EQ(client.daemon_source(), "rapl");
    const auto served = client.signals();
    const auto own = direct.signals();
    ASSERT_EQ(served.size(), own.size());
    for (std::size_t i = 0; i < own.size(); ++i) {
        EXPECT_EQ(served[i].name, own[i].name);
        EXPECT_EQ(served[i].domain, own[i].domain);
        EXPECT_EQ(served[i].wrap_at, own[i].wrap_at);
        EXPECT_EQ(served[i].resolution, own[i].resolution);
        EXPECT_EQ(served[i].component, own[i].component);
        EXPECT_EQ(served[i].contained_in, own[i].contained_in);
        EXPECT_NE(served[i].description.find("counter daemon"), std::string::npos);
    }
    std::vector<int> client_handles, direct_handles;
    for (const auto& s : own) {
        client_handles.push_back(client.push_signal(s.name, s.domain_idx));
        direct_handles.push_back(direct.push_signal(s.name, s.domain_idx));
    }
    for (const char* package_uj : {"123456789", "262143328000", "17"}) {  // the last one after a wrap
        sys.write("class/powercap/intel-rapl:0/energy_uj", std::string(package_uj) + "\n");
        client.read_batch();
        direct.read_batch();
        for (std::size_t i = 0; i < own.size(); ++i)
            EXPECT_EQ(client.sample(client_handles[i]), direct.sample(direct_handles[i])) << own[i].domain << " " << package_uj;
    }
    EXPECT_DOUBLE_EQ(client.sample(client_handles[0]), 17e-6);
}

TEST(CounterDaemonTest, DaemonGoneIsNaNNeverZeroAndAbsoluteCountersResumeAfterARestart) {
    test::TempDir sys, run;
    add_zone(sys, "intel-rapl:0", "package-0", "5000000");
    const auto socket = run.path() / "powerml.sock";
    auto running = std::make_unique<RunningDaemon>(sys, socket, own_group());
    sensors::RaplDaemonSensor client({socket, 0.5});
    const int h = client.push_signal("RAPL::PKG_ENERGY", 0);
    client.read_batch();
    EXPECT_DOUBLE_EQ(client.sample(h), 5.0);

    running.reset();
    client.read_batch();
    EXPECT_TRUE(std::isnan(client.sample(h)));
    EXPECT_NE(client.last_error(), "");
    client.read_batch();  // still gone: still NaN, not the last value, not 0
    EXPECT_TRUE(std::isnan(client.sample(h)));

    // powercap counters are the hardware's: a restarted daemon's values continue the old ones.
    sys.write("class/powercap/intel-rapl:0/energy_uj", "6000000\n");
    running = std::make_unique<RunningDaemon>(sys, socket, own_group());
    client.read_batch();
    EXPECT_DOUBLE_EQ(client.sample(h), 6.0);
    EXPECT_EQ(client.last_error(), "");
}

TEST(CounterDaemonTest, RootAndGroupMembersAreServedOthersAreToldWhy) {
    test::TempDir sys, run;
    add_zone(sys, "intel-rapl:0", "package-0", "1");
    server::CounterDaemonOptions options;
    options.socket = run.path() / "s.sock";
    options.group = own_group();
    const gid_t gid = ::getgid();
    server::CounterDaemon daemon(options, std::make_unique<sensors::RaplPowercapSensor>(sys.path()), "rapl", true);
    EXPECT_EQ(daemon.refusal(0, 12345), "");
    EXPECT_EQ(daemon.refusal(54321, gid), "");
    const std::string refused = daemon.refusal(54321, 54321);  // no such user, not the group
    EXPECT_NE(refused.find("uid 54321 is not in group " + own_group()), std::string::npos) << refused;
    EXPECT_NE(refused.find("usermod -aG"), std::string::npos) << refused;

    options.group = "no-such-group-powerml-test";
    EXPECT_THROW(server::CounterDaemon(options, std::make_unique<sensors::RaplPowercapSensor>(sys.path()), "rapl", true),
                 Error);
}

TEST(CounterDaemonTest, ProbeIsNotUsedWhereRaplIsReadDirectlyAndSaysWhyWithoutADaemon) {
    test::TempDir sys, run;
    add_zone(sys, "intel-rapl:0", "package-0", "1");
    std::vector<sensors::Probe> direct;
    direct.push_back({"rapl", std::make_unique<sensors::RaplPowercapSensor>(sys.path()), {}, {}, {}});
    const auto used = sensors::probe_rapl_daemon(direct, {run.path() / "none.sock", 0.5});
    EXPECT_EQ(used.sensor, nullptr);
    EXPECT_EQ(used.reason.rfind("not used:", 0), 0u) << used.reason;

    direct.clear();
    const auto none = sensors::probe_rapl_daemon(direct, {run.path() / "none.sock", 0.5});
    EXPECT_EQ(none.sensor, nullptr);
    EXPECT_NE(none.reason.find("no counter daemon at"), std::string::npos) << none.reason;
    EXPECT_NE(none.remedy.find("usermod -aG powerml"), std::string::npos) << none.remedy;
}
