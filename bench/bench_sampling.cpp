// What sampling costs at 1 ms, 10 ms and 100 ms: CPU time of the process (a share of one core)
// and heap growth per second, for the sampler on a fake powercap tree (RAPL counters only, and
// RAPL with the procfs usage signals a measurement adds), against a baseline measured in the
// same run: a thread that wakes on the same schedule and does nothing, the least any sampler at
// that interval can cost. Process-level figures (getrusage, mallinfo2), not Google Benchmark:
// the cost that matters is the sleeping thread's wake-ups, which a hot loop never has.
//
//   bench_sampling [SECONDS=5]
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <new>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "powerml/sampler/sampler.hpp"
#include "powerml/sensors/proc_stat.hpp"
#include "powerml/sensors/procfs_sensor.hpp"
#include "powerml/sensors/rapl_powercap_sensor.hpp"

using namespace powerml;

// Live bytes and count of every C++ allocation in the process, all threads (mallinfo2 sees the
// main arena only, and the sampler's thread allocates in its own).
static std::atomic<long long> g_live_bytes{0}, g_allocations{0};

void* operator new(std::size_t size) {
    void* p = std::malloc(size ? size : 1);
    if (!p) throw std::bad_alloc();
    g_live_bytes += static_cast<long long>(::malloc_usable_size(p));
    ++g_allocations;
    return p;
}
void operator delete(void* p) noexcept {
    if (p) g_live_bytes -= static_cast<long long>(::malloc_usable_size(p));
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

namespace {

double cpu_s() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

double heap_bytes() { return static_cast<double>(g_live_bytes.load()); }

struct Cost {
    double core_pct = 0;         // CPU time over wall time, % of one core
    double heap_b_per_s = 0;     // heap in use, growth per second of sampling
    std::size_t samples = 0;
    double allocations = 0;      // allocations (operator new) in the measured span
};

// Wakes at absolute deadlines `interval` apart, as the sampler's thread does, and does nothing.
Cost idle_waker(double interval_s, double seconds) {
    std::mutex m;
    std::condition_variable cv;
    bool stop = false;
    std::size_t wakes = 0;
    std::thread t([&] {
        using namespace std::chrono;
        const auto period = duration_cast<steady_clock::duration>(duration<double>(interval_s));
        auto next = steady_clock::now() + period;
        std::unique_lock lock(m);
        while (!cv.wait_until(lock, next, [&] { return stop; })) {
            ++wakes;
            next += period;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const double cpu0 = cpu_s(), heap0 = heap_bytes();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const double cpu1 = cpu_s(), heap1 = heap_bytes();
    {
        std::lock_guard lock(m);
        stop = true;
    }
    cv.notify_all();
    t.join();
    return {100.0 * (cpu1 - cpu0) / seconds, (heap1 - heap0) / seconds, wakes};
}

Cost sample_for(std::vector<std::unique_ptr<sensors::Sensor>> list, double interval_s, double seconds, bool keep_rows) {
    sampler::Sampler::Options options;
    options.interval_s = interval_s;
    options.keep_rows = keep_rows;
    sampler::Sampler s(std::move(list), options);
    // From a quarter second in: the thread's start and the first buffers are a one-off, not a rate.
    s.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const std::size_t samples0 = s.live().samples;
    const double cpu0 = cpu_s(), heap0 = heap_bytes(), allocs0 = static_cast<double>(g_allocations.load());
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    const double cpu1 = cpu_s(), heap1 = heap_bytes(), allocs1 = static_cast<double>(g_allocations.load());
    const std::size_t samples1 = s.live().samples;
    s.stop();
    // live() itself allocates its copies (4 per call, 2 calls): not the sampler's.
    return {100.0 * (cpu1 - cpu0) / seconds, (heap1 - heap0) / seconds, samples1 - samples0, allocs1 - allocs0 - 4};
}

void write(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
    // A fake powercap tree as on a one-socket Intel machine: package and DRAM counters.
    char pattern[] = "/tmp/powerml-bench-sampling-XXXXXX";
    if (!::mkdtemp(pattern)) return 1;
    const std::filesystem::path sys = pattern;
    for (const auto& [zone, name, uj] : {std::tuple{"intel-rapl:0", "package-0", "123456789012"},
                                        std::tuple{"intel-rapl:0:0", "dram", "23456789012"}}) {
        write(sys / "class/powercap" / zone / "name", std::string(name) + "\n");
        write(sys / "class/powercap" / zone / "energy_uj", std::string(uj) + "\n");
        write(sys / "class/powercap" / zone / "max_energy_range_uj", "262143328850\n");
    }
    auto rapl = [&] {
        std::vector<std::unique_ptr<sensors::Sensor>> list;
        list.push_back(std::make_unique<sensors::RaplPowercapSensor>(sys));
        return list;
    };
    auto rapl_and_procfs = [&] {
        auto list = rapl();
        auto procfs = std::make_unique<sensors::ProcfsSensor>("/proc", "/sys", std::make_shared<sensors::ProcStat>("/proc"));
        procfs->attach_process(static_cast<int>(::getpid()));
        list.push_back(std::move(procfs));
        return list;
    };

    std::printf("bench_sampling: %.1f s per figure, %d CPUs online\n\n", seconds, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)));
    std::printf("| interval | idle wake-ups (baseline) | RAPL counters | ratio | RAPL + procfs | ratio | heap growth, rows kept | heap growth, rows not kept | allocations per sample, rows kept / not kept |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    for (const double interval_ms : {1.0, 10.0, 100.0}) {
        const double interval_s = interval_ms / 1000.0;
        const Cost base = idle_waker(interval_s, seconds);
        const Cost counters = sample_for(rapl(), interval_s, seconds, true);
        const Cost full = sample_for(rapl_and_procfs(), interval_s, seconds, true);
        const Cost lean = sample_for(rapl_and_procfs(), interval_s, seconds, false);
        std::printf("| %g ms | %.3f %% | %.3f %% | %.2f | %.3f %% | %.2f | %.1f kB/s (%zu samples) | %.2f kB/s | %.2f / %.2f |\n",
                    interval_ms, base.core_pct, counters.core_pct, counters.core_pct / base.core_pct, full.core_pct,
                    full.core_pct / base.core_pct, full.heap_b_per_s / 1e3, full.samples, lean.heap_b_per_s / 1e3,
                    full.allocations / static_cast<double>(full.samples), lean.allocations / static_cast<double>(lean.samples));
        std::fflush(stdout);
    }
    std::printf("\nCPU: %% of one core (process CPU time / wall time); ratio: against the idle wake-ups at the same interval.\n");
    std::printf("heap: live bytes of C++ allocations (all threads), growth per second, for RAPL + procfs.\n");
    std::error_code ec;
    std::filesystem::remove_all(sys, ec);
    return 0;
}
