#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>

#include "powerml/core/error.hpp"
#include "powerml/sensors/procfs_sensor.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::sensors;

namespace {

void write_stat(const test::TempDir& proc, double busy0, double idle0, double busy1, double idle1) {
    // user nice system idle iowait irq softirq steal
    proc.write("stat", "cpu  " + std::to_string(busy0 + busy1) + " 0 0 " + std::to_string(idle0 + idle1) + " 0 0 0 0 0 0\n" +
                           "cpu0 " + std::to_string(busy0) + " 0 0 " + std::to_string(idle0) + " 0 0 0 0 0 0\n" +
                           "cpu1 " + std::to_string(busy1) + " 0 0 " + std::to_string(idle1) + " 0 0 0 0 0 0\nintr 1\n");
}

void write_fixture(const test::TempDir& proc) {
    write_stat(proc, 100, 900, 500, 500);
    proc.write("meminfo", "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:   12000000 kB\n");
    proc.write("diskstats",
               "   8       0 sda 100 0 2000 0 50 0 4000 0 0 0 0\n"
               "   8       1 sda1 100 0 2000 0 50 0 4000 0 0 0 0\n"
               "   7       0 loop0 100 0 9999 0 50 0 9999 0 0 0 0\n");
    proc.write("net/dev",
               "Inter-|   Receive                                                |  Transmit\n"
               " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
               "    lo: 999999 10 0 0 0 0 0 0 999999 10 0 0 0 0 0 0\n"
               "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n");
}

}  // namespace

TEST(ProcfsSensorTest, UtilisationFromTwoReads) {
    test::TempDir proc, sys;
    write_fixture(proc);
    sys.write("block/sda/size", "1\n");
    ProcfsSensor sensor(proc.path(), sys.path());
    EXPECT_EQ(sensor.core_count(), 2);
    const int all = sensor.push_signal("PROCFS::CPU_UTIL", 0);
    const int cpu0 = sensor.push_signal("PROCFS::CPU_UTIL", 1);
    const int cpu1 = sensor.push_signal("PROCFS::CPU_UTIL", 2);
    // cpu0 +50 busy +50 idle, cpu1 +100 busy +0 idle
    write_stat(proc, 150, 950, 600, 500);
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(cpu0), 0.5);
    EXPECT_DOUBLE_EQ(sensor.sample(cpu1), 1.0);
    EXPECT_DOUBLE_EQ(sensor.sample(all), 150.0 / 200.0);
    // No tick since the last read (a read faster than the clock tick): not 0 % busy, but the
    // busy fraction over the last window that holds ticks, the same 150 of 200.
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(all), 150.0 / 200.0);
    EXPECT_DOUBLE_EQ(sensor.sample(cpu1), 1.0);
}

TEST(ProcfsSensorTest, UtilisationWindowHoldsAFewTicksHoweverOftenItIsRead) {
    UtilisationWindow window;
    const double n = 2;  // CPUs
    auto reading = [](double busy0, double idle0, double busy1, double idle1) {
        return std::vector<CpuTimes>{{busy0 + busy1, busy0 + busy1 + idle0 + idle1}, {busy0, busy0 + idle0}, {busy1, busy1 + idle1}};
    };
    EXPECT_DOUBLE_EQ(window.update(reading(10, 10, 0, 20))[0], 0.25);  // since boot
    // One tick on each CPU since: fewer than a window wants, and no older reading to reach back
    // to (the first is since boot, not a window): the tick there is, cpu0 busy, cpu1 idle.
    EXPECT_DOUBLE_EQ(window.update(reading(11, 10, 0, 21))[1], 1.0);
    // Four more: cpu0 busy, cpu1 idle. cpu0 and cpu1 each have 4 ticks since the last reading
    // (enough); all CPUs together need 4 x 2 and have 8.
    const auto& u = window.update(reading(15, 10, 0, 25));
    EXPECT_DOUBLE_EQ(u[1], 1.0);
    EXPECT_DOUBLE_EQ(u[2], 0.0);
    EXPECT_DOUBLE_EQ(u[0], 4.0 / (UtilisationWindow::k_min_window_ticks * n));
    EXPECT_EQ(UtilisationWindow::k_min_window_ticks, 4);
    // No tick at all since: the window reaches back to the newest reading with enough ticks.
    EXPECT_DOUBLE_EQ(window.update(reading(15, 10, 0, 25))[1], 1.0);
    // Reading at the period the sampler uses always leaves enough ticks to need nothing older.
    EXPECT_GE(UtilisationWindow::min_period_s() * UtilisationWindow::ticks_per_s(), UtilisationWindow::k_min_window_ticks + 1);
}

TEST(ProcfsSensorTest, MemoryDisksNetwork) {
    test::TempDir proc, sys;
    write_fixture(proc);
    sys.write("block/sda/size", "1\n");  // sda is a disk; sda1 (a partition) and loop0 are not counted
    ProcfsSensor sensor(proc.path(), sys.path());
    const int used = sensor.push_signal("PROCFS::MEM_USED", 0);
    const int read = sensor.push_signal("PROCFS::DISK_READ", 0);
    const int write = sensor.push_signal("PROCFS::DISK_WRITE", 0);
    const int rx = sensor.push_signal("PROCFS::NET_RX", 0);
    const int tx = sensor.push_signal("PROCFS::NET_TX", 0);
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(used), 4000000.0 * 1024);
    EXPECT_DOUBLE_EQ(sensor.sample(read), 2000.0 * 512);
    EXPECT_DOUBLE_EQ(sensor.sample(write), 4000.0 * 512);
    EXPECT_DOUBLE_EQ(sensor.sample(rx), 1000.0);
    EXPECT_DOUBLE_EQ(sensor.sample(tx), 2000.0);
}

TEST(ProcfsSensorTest, MissingFileReadsNaNNotZero) {
    test::TempDir proc, sys;
    write_fixture(proc);
    ProcfsSensor sensor(proc.path(), sys.path());
    const int rx = sensor.push_signal("PROCFS::NET_RX", 0);
    std::filesystem::remove(proc.path() / "net/dev");
    sensor.read_batch();
    EXPECT_TRUE(std::isnan(sensor.sample(rx)));
}

TEST(ProcfsSensorTest, ProcessTreeCpuTimeOfThisProcess) {
    // Against the real /proc: this test process has used some CPU time.
    ProcfsSensor sensor("/proc", "/sys");
    const int handle = sensor.push_signal("PROCFS::PROCESS_CPU_TIME", 0);
    sensor.attach_process(static_cast<int>(::getpid()));
    volatile double sink = 0;
    for (int i = 0; i < 20000000; ++i) sink = sink + std::sqrt(static_cast<double>(i));
    sensor.read_batch();
    EXPECT_GT(sensor.sample(handle), 0.0);
    EXPECT_LT(sensor.sample(handle), 1000.0);
}

TEST(ProcfsSensorTest, NotAProcfsIsAnError) {
    test::TempDir empty;
    EXPECT_THROW(ProcfsSensor(empty.path(), empty.path()), Error);
}
