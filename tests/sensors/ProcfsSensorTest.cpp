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
    // No tick elapsed: idle, not NaN.
    sensor.read_batch();
    EXPECT_DOUBLE_EQ(sensor.sample(all), 0.0);
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
