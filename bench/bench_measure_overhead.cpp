// What `powerml measure` itself costs: CPU seconds and peak RSS of powerml around a command,
// against the bare command, for start-up + tear-down (`true`) and for sampling (`sleep S`) at
// 100 ms and 10 ms. Process-level, so it uses wait4()'s rusage rather than Google Benchmark.
//
//   bench_measure_overhead POWERML [SLEEP_SECONDS=10] [REPEATS=5]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Cost {
    double cpu_s = 0;
    double wall_s = 0;
    double max_rss_mb = 0;
};

Cost run(const std::vector<std::string>& argv) {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const std::string db = "/tmp/powerml-bench-" + std::to_string(::getpid()) + ".sqlite";
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    Cost cost;
    cost.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cost.cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
    cost.max_rss_mb = usage.ru_maxrss / 1024.0;  // kB -> MiB; the largest process of the waited tree
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "bench: %s failed\n", argv[0].c_str());
        std::exit(1);
    }
    return cost;
}

Cost median_of(int repeats, const std::vector<std::string>& argv) {
    std::vector<Cost> costs;
    for (int i = 0; i < repeats; ++i) costs.push_back(run(argv));
    auto pick = [&](auto field) {
        std::vector<double> v;
        for (const auto& c : costs) v.push_back(c.*field);
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    return {pick(&Cost::cpu_s), pick(&Cost::wall_s), pick(&Cost::max_rss_mb)};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s POWERML [SLEEP_SECONDS=10] [REPEATS=5]\n", argv[0]);
        return 2;
    }
    const std::string powerml = argv[1];
    const std::string seconds = argc > 2 ? argv[2] : "10";
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
    const std::string db = "/tmp/powerml-bench.sqlite";
    const std::vector<std::string> measure = {powerml, "measure", "--quiet", "--db", db};
    auto with = [&](std::vector<std::string> head, std::vector<std::string> tail) {
        head.insert(head.end(), tail.begin(), tail.end());
        return head;
    };

    const Cost bare_true = median_of(repeats, {"/bin/true"});
    const Cost wrapped_true = median_of(repeats, with(measure, {"--interval", "100", "--", "/bin/true"}));
    const Cost bare_sleep = median_of(1, {"/bin/sleep", seconds});
    const Cost at_100 = median_of(1, with(measure, {"--interval", "100", "--", "/bin/sleep", seconds}));
    const Cost at_10 = median_of(1, with(measure, {"--interval", "10", "--", "/bin/sleep", seconds}));
    const Cost at_100_no_db =
        median_of(1, {powerml, "measure", "--quiet", "--no-db", "--interval", "100", "--", "/bin/sleep", seconds});
    std::remove(db.c_str());

    const double startup_ms = (wrapped_true.cpu_s - bare_true.cpu_s) * 1e3;
    const double s = std::atof(seconds.c_str());
    auto sampling_pct = [&](const Cost& c) {
        // CPU beyond start-up/tear-down and the bare command, per second of sampling, as % of one core.
        return (c.cpu_s - bare_sleep.cpu_s - (wrapped_true.cpu_s - bare_true.cpu_s)) / s * 100.0;
    };
    std::printf("| measurement | CPU (s) | wall (s) | peak RSS (MiB) |\n|---|---|---|---|\n");
    std::printf("| bare `true` | %.4f | %.3f | %.1f |\n", bare_true.cpu_s, bare_true.wall_s, bare_true.max_rss_mb);
    std::printf("| `powerml measure -- true` | %.4f | %.3f | %.1f |\n", wrapped_true.cpu_s, wrapped_true.wall_s, wrapped_true.max_rss_mb);
    std::printf("| bare `sleep %s` | %.4f | %.3f | %.1f |\n", seconds.c_str(), bare_sleep.cpu_s, bare_sleep.wall_s, bare_sleep.max_rss_mb);
    std::printf("| `powerml measure --interval 100 -- sleep %s` | %.4f | %.3f | %.1f |\n", seconds.c_str(), at_100.cpu_s, at_100.wall_s, at_100.max_rss_mb);
    std::printf("| `powerml measure --interval 10 -- sleep %s` | %.4f | %.3f | %.1f |\n", seconds.c_str(), at_10.cpu_s, at_10.wall_s, at_10.max_rss_mb);
    std::printf("| `powerml measure --no-db --interval 100 -- sleep %s` | %.4f | %.3f | %.1f |\n", seconds.c_str(), at_100_no_db.cpu_s, at_100_no_db.wall_s, at_100_no_db.max_rss_mb);
    std::printf("\nstart-up + tear-down: %.1f ms CPU (target < 20 ms)\n", startup_ms);
    std::printf("sampling at 100 ms: %.3f %% of one core (target < 0.2 %%)\n", sampling_pct(at_100));
    std::printf("sampling at 100 ms without the run store: %.3f %% of one core\n", sampling_pct(at_100_no_db));
    std::printf("sampling at 10 ms: %.3f %% of one core\n", sampling_pct(at_10));
    std::printf("peak RSS: %.1f MiB (target < 15 MB), %.1fx the bare command\n", std::max(at_100.max_rss_mb, at_10.max_rss_mb),
                std::max(at_100.max_rss_mb, at_10.max_rss_mb) / bare_sleep.max_rss_mb);
    return 0;
}
