#pragma once
// One measurement from start to files: probe sensors, sample an idle baseline, run the job
// (a command, or a block of the caller's own code), attribute energy to phases, subtract the
// baseline, add carbon, store and write everything. The CLI's `measure` and `demo` and the
// Python Tracker all go through here.
#include <filesystem>
#include <functional>
#include <map>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "powerml/measure/job_ranks.hpp"
#include "powerml/sampler/sampler.hpp"
#include "powerml/record/run_record.hpp"

namespace powerml::store {
class RunStore;
}
namespace powerml::sampler {
class ControlChannel;
struct ControlMessage;
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
    std::filesystem::path cgroup;  // the job's cgroup v2 (--cgroup); empty: detect, else the process tree
    // The distributed job this process is one rank of (--job-key); nothing: detected from the
    // launcher's environment (torchrun, Slurm, Open MPI), if any (job_ranks.hpp).
    std::optional<std::string> job_key;
    // How long a node's meter waits, after its own part ended, for ranks of the job that were
    // expected on the node but never joined (they may still be starting).
    double rank_grace_s = 10.0;
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
    // Another rank of the job metered this node: its run has this rank's phases and the
    // node's energy; this process wrote no run of its own ("run ID, metered by pid N").
    std::optional<std::string> metered_by;
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
    // False for a rank of a distributed job whose node another rank meters: it forwards its
    // phases and metrics there and measures nothing itself (energy_so_far_j is then 0 and
    // record_so_far has no summary). It becomes true if that meter dies and this rank takes over.
    bool metering() const;

private:
    // Probes the sensors and creates the sampler (the meter of a node, or a run of its own).
    void create_sampler();
    // Elects this node's meter for the job; a follower finds the meter it reports to.
    void join_job();
    // The control channel: the command's, and the other ranks' when this is a node's meter.
    void open_control_channel();
    void handle_control(const std::optional<sampler::ControlMessage>& message);
    void apply_control(const std::optional<sampler::ControlMessage>& message);  // the meter's: to its sampler
    // A follower's line to the meter; when the meter has gone, takes over and applies it here.
    void forward(const std::string& line);
    bool try_take_over();
    void publish_meter();  // a node's meter: tells the other ranks where its channel is
    MeasureResult follower_result(int exit_status);
    void start_watching_meter();
    void stop_watching_meter();
    // A node's meter, its own part done: waits until the ranks that joined have left or died,
    // and for ranks expected but not yet joined up to rank_grace_s.
    void wait_for_other_ranks();
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

    // A rank of a distributed job (m_record.job set).
    std::unique_ptr<NodeElection> m_election;
    std::unique_ptr<sampler::ControlChannel> m_control;
    record::RankSeen m_me;
    bool m_prefix_phases = false;  // several ranks: phases carry "rank<R>/"
    int m_job_pid = 0;             // the process the job window is on (the command, or this one)
    mutable std::mutex m_rank_mutex;  // guards the follower/meter switch and the fields below
    std::optional<NodeElection::Published> m_meter;  // a follower's meter
    std::map<int, record::RankSeen> m_ranks_active;  // meter: joined, not yet left (by pid)
    std::vector<std::string> m_rank_notes;
    std::thread m_watcher;
    std::condition_variable m_watch_wake;
    bool m_watch_stop = false;
};

}  // namespace powerml::measure
