// powerml measure [--interval MS] [--baseline SECONDS] [--zone ZONE] [--out DIR] [--repeat N] -- CMD [ARG...]
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "measure_options.hpp"
#include "powerml/analysis/prediction.hpp"
#include "powerml/analysis/repetitions.hpp"
#include "powerml/cli/commands.hpp"
#include "powerml/core/units.hpp"
#include "powerml/experiment/experiment_spec.hpp"
#include "powerml/experiment/experiment_state.hpp"
#include "powerml/measure/measurement.hpp"
#include "powerml/store/run_files.hpp"
#include "text_summary.hpp"

namespace powerml::cli {

namespace {

// While the job runs: when it has declared its epochs (`powerml metric epochs_total N`), print
// a prediction of the whole run each time an epoch ends. Every 250 ms it takes only the phase
// and metric events sent since its last look; rows are copied only once epochs are declared
// and an epoch has ended, and then only those since the last copy, summed into the one energy
// figure a prediction reads. A job that declares no epochs costs a few events' copy per look,
// however long it runs and however fast it is sampled.
class LivePrediction {
public:
    explicit LivePrediction(const measure::Measurement& measurement) : m_measurement(measurement) {
        record::Channel total;
        total.source = "powerml";
        total.info.name = "POWERML::SUMMED_ENERGY";
        total.info.unit = record::Unit::joule;
        total.summed = true;  // what analysis sums: the components summed in the run's total
        m_local.channels.push_back(std::move(total));
        m_thread = std::thread([this] { loop(); });
    }
    ~LivePrediction() {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }

private:
    // The rows since the last copy, each as the energy of the summed channels in its interval.
    void copy_new_rows() {
        const auto& sampler = m_measurement.sampler();
        const auto tail = sampler.tail_since(m_rows_copied, k_no_events, k_no_events);
        const auto& channels = sampler.channels();
        for (const auto& row : tail.rows) {
            record::SampleRow r;
            r.t_s = row.t_s;
            r.utc_ms = row.utc_ms;
            double sum = 0;
            for (std::size_t c = 0; c < channels.size() && c < row.energy_j.size(); ++c)
                if (channels[c].summed) sum += row.energy_j[c];
            r.energy_j.assign(1, sum);
            m_local.rows.push_back(std::move(r));
        }
        m_rows_copied += tail.rows.size();
        m_local.job_start_s = sampler.window().job_start_s;
    }

    void loop() {
        std::size_t printed = 0;
        while (true) {
            {
                std::unique_lock lock(m_mutex);
                if (m_wake.wait_for(lock, std::chrono::milliseconds(250), [this] { return m_stop; })) return;
            }
            const auto events = m_measurement.sampler().tail_since(k_no_rows, m_local.phases.size(), m_local.metrics.size());
            if (events.phases.empty() && events.metrics.empty()) continue;
            m_local.phases.insert(m_local.phases.end(), events.phases.begin(), events.phases.end());
            m_local.metrics.insert(m_local.metrics.end(), events.metrics.begin(), events.metrics.end());
            const auto total = analysis::declared_epochs_total(m_local);
            if (!total) continue;  // not asked for
            // Closed epochs are counted from the events alone; energy needs the rows.
            const std::size_t closed = analysis::epoch_windows(m_local).size();
            if (closed <= printed || closed >= *total) continue;
            copy_new_rows();
            const auto windows = analysis::epoch_windows(m_local);
            printed = windows.size();
            try {
                const auto p = analysis::predict_from_epochs(m_local, printed, *total);
                const auto unit = units::energy_unit_for({p.energy_j, p.energy_high_j.value_or(p.energy_j)});
                std::string interval = p.energy_low_j ? fmt::format(" (95 % interval {} to {} {})",
                                                                    units::format_significant(*p.energy_low_j / unit.joules_per_unit),
                                                                    units::format_significant(*p.energy_high_j / unit.joules_per_unit),
                                                                    unit.symbol)
                                                      : std::string();
                fmt::print(stderr, "powerml: {} of {} epochs done: whole run predicted at {}{} and {}\n", printed, *total,
                           units::format_energy_in(p.energy_j, unit), interval, units::format_duration(p.duration_s));
            } catch (const std::exception&) {
                // A prediction that cannot be made now (odd phase names) is not worth stopping for.
            }
        }
    }

    static constexpr std::size_t k_no_rows = std::numeric_limits<std::size_t>::max();
    static constexpr std::size_t k_no_events = std::numeric_limits<std::size_t>::max();
    const measure::Measurement& m_measurement;
    record::Timeline m_local;  // the events so far; the rows, summed, once a prediction needs them
    std::size_t m_rows_copied = 0;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

measure::MeasureResult measure_once(const measure::MeasureOptions& options, bool live) {
    measure::Measurement measurement(options, carbon_function());
    std::unique_ptr<LivePrediction> prediction;
    if (live && measurement.metering()) prediction = std::make_unique<LivePrediction>(measurement);
    auto result = measurement.run_command();
    prediction.reset();
    // What could not be written is said once; the job's exit status stands.
    for (const auto& e : result.write_errors) fmt::print(stderr, "powerml: not written: {}\n", e);
    // Said even with --quiet: every net figure of this run subtracts other work.
    if (const auto& b = result.record.summary.baseline_idleness; b && b->busy)
        fmt::print(stderr,
                   "powerml: WARNING: the idle baseline was not idle: CPUs {:.0f} % busy (threshold {:.0f} %); net energy is "
                   "wrong by other tenants' load, the attributed figure is the job's own (data_quality.baseline_not_idle)\n",
                   100.0 * b->cpu_util_mean, 100.0 * b->threshold);
    return result;
}

// The one-scenario experiment that `--repeat N` is, as an experiment file: kept with the runs
// in the store, so that `experiment show`, `report` and the folder's group.json find the group.
std::string repeat_spec_text(const std::string& name, const measure::MeasureOptions& options, int repeat) {
    toml::table experiment{{"name", name},
                           {"repetitions", repeat},
                           {"randomize", false},
                           {"interval_ms", options.interval_s * 1000.0},
                           {"baseline_s", options.baseline_s},
                           {"pue", options.pue},
                           {"source", options.carbon_source}};
    if (options.zone) experiment.insert("zone", *options.zone);
    toml::array command;
    for (const auto& part : options.command) command.push_back(part);
    toml::array scenarios;
    scenarios.push_back(toml::table{{"name", "measure"}, {"command", command}});
    std::ostringstream text;
    text << toml::table{{"experiment", experiment}, {"scenario", scenarios}};
    return text.str();
}

// --repeat N: the one-scenario experiment. Each repetition is stored like a single measure;
// the summary is the statistics over the successful ones. With a run store the repetitions are
// also an experiment ("repeat-<time>") and, with --out D, D/group.json names it, so that
// `powerml report D` and `powerml experiment show D` render the group with its statistics.
int measure_repeatedly(const MeasureFlags& flags, int repeat) {
    std::vector<analysis::ScenarioRun> runs;
    int first_failure = 0;
    const auto base_options = to_measure_options(flags);
    std::unique_ptr<experiment::ExperimentState> state;
    std::string group;
    if (base_options.db_path) {
        const auto f = utc_fields(utc_now_ms());
        group = fmt::format("repeat-{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:04x}", f.year, f.month, f.day, f.hour, f.minute, f.second,
                            std::random_device{}() & 0xffff);
        const auto spec = experiment::parse_experiment(repeat_spec_text(group, base_options, repeat), "measure --repeat");
        state = std::make_unique<experiment::ExperimentState>(*base_options.db_path);
        state->create(spec, experiment::plan_runs(spec));
    }
    nlohmann::json group_runs = nlohmann::json::array();
    for (int i = 1; i <= repeat; ++i) {
        auto options = base_options;
        if (options.out_dir) options.out_dir = *options.out_dir / fmt::format("rep-{}", i);
        const UtcMillis started = utc_now_ms();
        const auto result = measure_once(options, false);
        if (state) {
            experiment::RunItem item;
            item.seq = i - 1;
            item.scenario = "measure";
            item.repetition = i;
            item.status = result.exit_status == 0 && !result.start_error ? "finished" : "failed";
            item.run_id = result.record.id;
            item.exit_status = result.exit_status;
            if (result.start_error) item.error = *result.start_error;
            item.started_utc_ms = started;
            item.ended_utc_ms = utc_now_ms();
            state->mark_done(group, item);
        }
        group_runs.push_back({{"repetition", i}, {"run_id", result.record.id}, {"exit_status", result.exit_status},
                              {"folder", fmt::format("rep-{}", i)}});
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
    if (base_options.out_dir) {
        nlohmann::json g = {{"schema", "powerml.group/1"}, {"experiment", group.empty() ? nlohmann::json(nullptr) : nlohmann::json(group)},
                            {"repetitions", repeat}, {"runs", group_runs}};
        try {
            store::write_file_atomically(*base_options.out_dir / "group.json", g.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        } catch (const std::exception& e) {
            fmt::print(stderr, "powerml: not written: {}\n", e.what());
        }
    }
    if (!flags.quiet && !group.empty())
        fmt::print(stderr, "powerml: the repetitions are experiment '{}' (powerml experiment show {}; powerml report {} --out r.html)\n",
                   group, group, base_options.out_dir ? base_options.out_dir->string() : group);
    if (!flags.quiet && !runs.empty()) {
        const auto stats = analysis::scenario_statistics("measure", runs);
        fmt::print(stderr, "powerml: over {} successful repetition(s) of {}:\n", runs.size(), repeat);
        for (const char* name : {"gross_energy_j", "net_energy_j", "duration_s", "mean_power_w"}) {
            const auto* i = analysis::find_indicator(stats.indicators, name);
            if (!i) continue;
            const auto& d = i->stats;
            const auto f = [](double v) { return units::format_significant(v); };
            fmt::print(stderr, "  {:<15} mean {} {}, sd {}, 95 % CI {} to {}, median {}, IQR {}{}\n", name, f(d.mean), i->unit,
                       f(d.sd), f(d.ci95_low), f(d.ci95_high), f(d.median), f(d.iqr),
                       d.normality ? fmt::format(", Shapiro-Wilk W {} ({})", units::format_significant(d.normality->w, 3),
                                                 units::format_p_value(d.normality->p_value))
                                   : "");
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
        if (result.metered_by) {
            // Another rank meters this node: its run holds this rank's phases and the node's energy.
            if (!flags->quiet)
                fmt::print(stderr, "powerml: rank {} of job {} on {}: this node is measured in {}\n",
                           measure::rank_from_environment().rank,
                           result.record.job ? result.record.job->key : std::string("?"),
                           result.record.job ? result.record.job->node : result.record.host, *result.metered_by);
        } else if (!flags->quiet) {
            fmt::print(stderr, "{}", text_summary(result.record, result.notes));
        }
        exit_code = result.exit_status;
    });
}

}  // namespace powerml::cli
