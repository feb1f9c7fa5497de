// powerml measure [--interval MS] [--baseline SECONDS] [--zone ZONE] [--out DIR] [--repeat N] -- CMD [ARG...]
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "measure_options.hpp"
#include "powerml/analysis/prediction.hpp"
#include "powerml/analysis/repetitions.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/units.hpp"
#include "powerml/measure/measurement.hpp"
#include "text_summary.hpp"

namespace powerml::cli {

namespace {

// While the job runs: when it has declared its epochs (`powerml metric epochs_total N`), print
// a prediction of the whole run each time an epoch ends. It reads snapshots of the timeline,
// and waits at least 50 times as long as a snapshot took, so that it never costs more than
// about 2 % of a core however long the run gets.
class LivePrediction {
public:
    explicit LivePrediction(const measure::Measurement& measurement)
        : m_measurement(measurement), m_thread([this] { loop(); }) {}
    ~LivePrediction() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }

private:
    void loop() {
        std::size_t printed = 0;
        auto pause = std::chrono::milliseconds(250);
        while (true) {
            {
                std::unique_lock lock(m_mutex);
                if (m_wake.wait_for(lock, pause, [this] { return m_stop; })) return;
            }
            const auto before = std::chrono::steady_clock::now();
            const sampler::Timeline t = m_measurement.sampler().snapshot();
            const auto took = std::chrono::steady_clock::now() - before;
            pause = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(250),
                                                        std::chrono::duration_cast<std::chrono::milliseconds>(took * 50));
            const auto total = analysis::declared_epochs_total(t);
            if (!total) continue;
            const auto windows = analysis::epoch_windows(t);
            if (windows.size() <= printed || windows.size() >= *total) continue;
            printed = windows.size();
            try {
                const auto p = analysis::predict_from_epochs(t, printed, *total);
                std::string interval = p.energy_low_j ? fmt::format(" ({} to {})", units::format_energy(*p.energy_low_j),
                                                                    units::format_energy(*p.energy_high_j))
                                                      : std::string();
                fmt::print(stderr, "powerml: {} of {} epochs done: whole run predicted at {}{} and {}\n", printed, *total,
                           units::format_energy(p.energy_j), interval, units::format_duration(p.duration_s));
            } catch (const std::exception&) {
                // A prediction that cannot be made now (odd phase names) is not worth stopping for.
            }
        }
    }

    const measure::Measurement& m_measurement;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

measure::MeasureResult measure_once(const measure::MeasureOptions& options, bool live) {
    measure::Measurement measurement(options, carbon_function());
    std::unique_ptr<LivePrediction> prediction;
    if (live) prediction = std::make_unique<LivePrediction>(measurement);
    auto result = measurement.run_command();
    prediction.reset();
    return result;
}

// --repeat N: the one-scenario experiment. Each repetition is stored like a single measure;
// the summary is the statistics over the successful ones.
int measure_repeatedly(const MeasureFlags& flags, int repeat) {
    std::vector<analysis::ScenarioRun> runs;
    int first_failure = 0;
    for (int i = 1; i <= repeat; ++i) {
        auto options = to_measure_options(flags);
        if (options.out_dir) options.out_dir = *options.out_dir / fmt::format("rep-{}", i);
        const auto result = measure_once(options, false);
        if (result.start_error) {
            fmt::print(stderr, "powerml: {}\n", *result.start_error);
            return result.exit_status;
        }
        const auto& s = result.record.summary;
        if (!flags.quiet)
            fmt::print(stderr, "powerml: repetition {}/{}: {} gross, {} net, {}, exit {}  (run {})\n", i, repeat,
                       units::format_energy(s.gross_j), units::format_energy(s.net_j), units::format_duration(s.duration_s),
                       result.exit_status, result.record.id);
        if (result.exit_status == 0) runs.push_back({result.record.id, s});
        else if (first_failure == 0) first_failure = result.exit_status;
        if (result.exit_status == 128 + SIGINT || result.exit_status == 128 + SIGTERM) break;  // stopped from outside
    }
    if (!flags.quiet && !runs.empty()) {
        const auto stats = analysis::scenario_statistics("measure", runs);
        fmt::print(stderr, "powerml: over {} successful repetition(s) of {}:\n", runs.size(), repeat);
        for (const char* name : {"gross_energy_j", "net_energy_j", "duration_s", "mean_power_w"}) {
            const auto* i = analysis::find_indicator(stats.indicators, name);
            if (!i) continue;
            const auto& d = i->stats;
            fmt::print(stderr, "  {:<15} mean {:.6g} {}, sd {:.3g}, 95 % CI {:.6g} to {:.6g}, median {:.6g}, IQR {:.3g}{}\n", name,
                       d.mean, i->unit, d.sd, d.ci95_low, d.ci95_high, d.median, d.iqr,
                       d.normality ? fmt::format(", Shapiro-Wilk W {:.3f} (p {:.3g})", d.normality->w, d.normality->p_value) : "");
        }
        for (const auto& n : stats.notes) fmt::print(stderr, "  note: {}\n", n);
    }
    return first_failure;
}

}  // namespace

void add_measure_command(CLI::App& app, int& exit_code) {
    auto* cmd = app.add_subcommand("measure", "Run a command and measure its energy, per component and per phase");
    auto flags = std::make_shared<MeasureFlags>();
    auto repeat = std::make_shared<int>(1);
    add_measure_flags(*cmd, *flags);
    cmd->add_option("--repeat", *repeat, "Measure the command N times and print statistics over the repetitions "
                                         "(with --out, each goes to DIR/rep-I)")
        ->check(CLI::Range(1, 10000));
    cmd->add_option("command", flags->command, "The command to measure, after --")->required()->expected(-1);
    cmd->footer(
        "The command gets $POWERML_CONTROL: 'powerml mark NAME' / 'powerml mark --end NAME' (or the lines\n"
        "'begin NAME', 'end NAME', 'metric NAME VALUE' written to that file) open and close phases.\n"
        "With 'powerml metric epochs_total N' and epoch phases (epoch-1, ...), each finished epoch prints a\n"
        "prediction of the whole run.\n"
        "Exit status: the command's (128 + signal if a signal killed it); 127 if it cannot be started;\n"
        "with --repeat, the first non-zero status of any repetition.");
    cmd->callback([flags, repeat, &exit_code] {
        if (*repeat > 1) {
            exit_code = measure_repeatedly(*flags, *repeat);
            return;
        }
        const measure::MeasureResult result = measure_once(to_measure_options(*flags), !flags->quiet);
        if (result.start_error) fmt::print(stderr, "powerml: {}\n", *result.start_error);
        if (!flags->quiet) fmt::print(stderr, "{}", text_summary(result.record, result.notes));
        exit_code = result.exit_status;
    });
}

}  // namespace powerml::cli
