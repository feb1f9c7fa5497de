#pragma once
// One measurement from start to files: probe sensors, sample an idle baseline, run the job
// (a command, or a block of the caller's own code), attribute energy to phases, subtract the
// baseline, add carbon, store and write everything. The CLI's `measure` and `demo` and the
// Python Tracker all go through here.
#include <filesystem>
#include <functional>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "powerml/sampler/sampler.hpp"
#include "powerml/record/run_record.hpp"

namespace powerml::store {
class RunStore;
}
namespace powerml::sampler {
class ControlChannel;
}

namespace powerml::measure {

struct MeasureOptions {
    double interval_s = 0.1;
    double baseline_s = 0.0;
    std::optional<std::string> zone;
    std::string carbon_source = "embedded";
    double pue = 1.0;
    std::optional<std::filesystem::path> out_dir;
    std::optional<std::filesystem::path> db_path;  // nothing: no run store
    std::vector<std::string> command;
    record::AttributionPolicy attribution;
    std::filesystem::path cgroup;  // the job's cgroup v2 (--cgroup); empty: detect, else the process tree  // how the job's share is computed (--idle-share, --dram-share)
};

// Computes the carbon of a timeline whose summary is `summary` for options.zone; installed by
// the front ends so that this module does not depend on the grid-data layer's providers.
using CarbonFunction =
    std::function<record::RunCarbon(const record::Timeline&, const record::RunSummary&, const MeasureOptions&)>;

struct MeasureResult {
    int exit_status = 0;
    record::RunRecord record;
    std::vector<std::string> notes;  // sensor choices and anything else the user should know
    std::optional<std::string> start_error;  // the command could not be started
    // What could not be written (run store, --out files): said once; the job's exit status
    // and everything that could be written stand.
    std::vector<std::string> write_errors;
};

class Measurement {
public:
    // Validates options (interval, baseline, writable --out, openable --db) and probes the
    // sensors. Throws Error naming the bad option; nothing has run yet.
    explicit Measurement(MeasureOptions options, CarbonFunction carbon = {});
    ~Measurement();

    // Runs options.command under measurement; returns after it exited and all is written.
    MeasureResult run_command();

    // In-process use: start() samples the baseline then opens the job window on this process
    // (its process tree is the job); the caller runs its code, reporting phases and metrics;
    // finish() closes the window and writes everything.
    void start();
    void begin_phase(const std::string& name);
    void end_phase(const std::string& name);
    void record_metric(const std::string& name, double value);
    MeasureResult finish(int exit_status = 0);

    // Energy (J, gross, summed components) so far; usable while running.
    double energy_so_far_j() const;
    // The record as it would be if the job ended now (summary and carbon of the window so far;
    // status "running"); nothing is written. Usable while running.
    record::RunRecord record_so_far() const;
    const sampler::Sampler& sampler() const { return *m_sampler; }

private:
    void start_sampling();  // sampler thread and idle baseline, without opening the job window
    void open_job_window(int pid);
    // Summary and carbon of `timeline` into `record`.
    void fill_record(record::RunRecord& record, const record::Timeline& timeline) const;
    MeasureResult complete(int exit_status);
    // The store writer: appends new samples and events every second, off the sampling thread,
    // so a slow or locked store never delays a sample.
    void start_store_writer();
    void stop_store_writer();
    void write_to_store_once();

    MeasureOptions m_options;
    CarbonFunction m_carbon;
    std::vector<std::string> m_notes;
    std::unique_ptr<sampler::Sampler> m_sampler;
    std::unique_ptr<store::RunStore> m_store;
    record::RunRecord m_record;
    bool m_started = false;
    sampler::Sampler::LiveReading m_live_at_job_start;
    sampler::Sampler::Window m_window;  // where the baseline ended and the job started

    // Shared with the store writer thread (guarded by m_store_mutex).
    std::mutex m_store_mutex;
    std::condition_variable m_store_wake;
    std::thread m_store_writer;
    bool m_store_stop = false;
    bool m_store_ready = false;          // the run's row exists
    bool m_job_window_pending = false;   // the job window opened and the store has not been told
    std::size_t m_rows_written = 0, m_phases_written = 0, m_metrics_written = 0;
    std::string m_store_error;  // the first failure, reported once the job is done
};

}  // namespace powerml::measure
