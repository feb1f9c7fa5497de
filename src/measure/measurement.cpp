#include "powerml/measure/measurement.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "powerml/analysis/run_summary.hpp"
#include "powerml/core/child_process.hpp"
#include "powerml/core/error.hpp"
#include "powerml/sampler/control_channel.hpp"
#include "powerml/sensors/builtin.hpp"
#include "powerml/sensors/wall_correction.hpp"
#include "powerml/record/summary_json.hpp"
#include <fmt/format.h>
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"

namespace powerml::measure {

namespace {

std::string host_name() {
    char buffer[256] = {0};
    return ::gethostname(buffer, sizeof buffer - 1) == 0 ? std::string(buffer) : std::string("unknown");
}

// Labels that tie a run to the scheduler that started it: the Slurm job's id, name and cluster
// from the environment Slurm gives a job, and any KEY=VALUE pairs in POWERML_LABELS
// (comma-separated) for other schedulers.
std::map<std::string, std::string> labels_from_environment() {
    std::map<std::string, std::string> labels;
    for (const auto& [env, key] : {std::pair{"SLURM_JOB_ID", "slurm_job_id"}, std::pair{"SLURM_JOB_NAME", "slurm_job_name"},
                                   std::pair{"SLURM_CLUSTER_NAME", "slurm_cluster"}}) {
        if (const char* v = std::getenv(env); v && *v) labels[key] = v;
    }
    if (const char* extra = std::getenv("POWERML_LABELS")) {
        std::string text = extra;
        std::size_t start = 0;
        while (start < text.size()) {
            const std::size_t comma = text.find(',', start);
            const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            const std::size_t eq = item.find('=');
            if (eq == std::string::npos || eq == 0)
                throw Error("POWERML_LABELS must be KEY=VALUE pairs separated by commas (got '" + item + "')");
            labels[item.substr(0, eq)] = item.substr(eq + 1);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return labels;
}

// Asks a worker thread that waits on `wake` under `mutex` for `stop` to end, and joins it.
void stop_worker(std::thread& worker, std::mutex& mutex, bool& stop, std::condition_variable& wake) {
    if (!worker.joinable()) return;
    {
        std::lock_guard lock(mutex);
        stop = true;
    }
    wake.notify_all();
    worker.join();
}

}  // namespace

Measurement::Measurement(MeasureOptions options, CarbonFunction carbon)
    : m_options(std::move(options)), m_carbon(std::move(carbon)) {
    if (!(m_options.interval_s >= 0.001 && m_options.interval_s <= 60.0))
        throw Error("--interval must be between 1 and 60000 ms");
    if (!(m_options.baseline_s >= 0.0 && m_options.baseline_s <= 3600.0))
        throw Error("--baseline must be between 0 and 3600 seconds");
    if (!(m_options.pue >= 1.0 && m_options.pue <= 5.0)) throw Error("--pue must be between 1.0 and 5.0");
    if (m_options.out_dir) store::ensure_writable_dir(*m_options.out_dir);
    if (m_options.db_path) m_store = std::make_unique<store::RunStore>(*m_options.db_path);
    m_record.command = m_options.command;
    m_record.host = host_name();
    m_record.labels = labels_from_environment();
    m_record.carbon.zone = m_options.zone;
    m_record.carbon.pue = m_options.pue;
    m_record.job = job_from_environment(m_options.job_key, m_record.host);
    if (m_record.job) {
        try {
            join_job();
        } catch (const Error& e) {
            // Without a place for the election this process meters alone, and says so: a
            // node with several ranks would then count the node once per rank.
            m_election.reset();
            m_notes.push_back(std::string("ranks of job ") + m_record.job->key +
                              " not coordinated (each rank that cannot elect meters the whole node): " + e.what());
        }
    }
    if (!m_election || m_election->is_meter()) create_sampler();
}

Measurement::~Measurement() {
    stop_watching_meter();
    stop_store_writer();
    if (m_sampler) m_sampler->stop();
}

void Measurement::create_sampler() {
    auto context = sensors::default_probe_context();
    context.job_cgroup = m_options.cgroup;
    auto probes = sensors::probe_all(context);
    auto chosen = sensors::select_for_measurement(probes, m_notes);
    if (chosen.empty()) throw Error("no usable sensor on this machine (see 'powerml sensors')");
    sampler::Sampler::Options sampler_options;
    sampler_options.interval_s = m_options.interval_s;
    m_sampler = std::make_unique<sampler::Sampler>(std::move(chosen), std::move(sampler_options));
}

bool Measurement::metering() const {
    std::lock_guard lock(m_rank_mutex);
    return !m_election || (m_election->is_meter() && m_sampler);
}

void Measurement::join_job() {
    auto& job = *m_record.job;
    const RankPlace place = rank_from_environment();
    m_me = {place.rank, place.local_rank, static_cast<int>(::getpid()), false};
    m_prefix_phases = job.local_world_size > 1 || job.world_size > 1;
    m_election = std::make_unique<NodeElection>(job.key, job.node);
    // The meter publishes its channel once its sampler runs; a rank that lost the election
    // waits for that (or, if the meter died before publishing, for the lock to come free).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!m_election->try_become_meter()) {
        if (auto where = m_election->published()) {
            m_meter = where;
            return;
        }
        if (std::chrono::steady_clock::now() > deadline)
            throw Error("job " + job.key + ": another rank holds this node's meter lock but has not published its channel in 30 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    m_me.metering = true;
    job.ranks = {m_me};
}

void Measurement::open_control_channel() {
    if (m_control) return;
    m_control = std::make_unique<sampler::ControlChannel>();
    m_control->start([this](const std::optional<sampler::ControlMessage>& message) { handle_control(message); });
}

// Lines from the command, and in a job from the node's other ranks. A follower forwards its
// command's lines to the meter with its rank's prefix; the meter applies them.
void Measurement::handle_control(const std::optional<sampler::ControlMessage>& message) {
    using Type = sampler::ControlMessage::Type;
    if (!metering()) {
        if (!message || message->type == Type::join || message->type == Type::leave) return;  // not the command's to send
        const std::string name = m_prefix_phases ? record::rank_phase_name(m_me.rank, message->name) : message->name;
        if (message->type == Type::metric) forward(fmt::format("metric {} {}", name, message->value));
        else forward((message->type == Type::begin ? "begin " : "end ") + name);
        return;
    }
    apply_control(message);
}

void Measurement::apply_control(const std::optional<sampler::ControlMessage>& message) {
    using Type = sampler::ControlMessage::Type;
    if (!message) {
        m_sampler->count_control_error();
        return;
    }
    // The meter's own command reports unprefixed names; in a job of several ranks they get this rank's prefix.
    const auto own = [&](const std::string& name) {
        return m_prefix_phases && record::phase_lane(name).empty() ? record::rank_phase_name(m_me.rank, name) : name;
    };
    switch (message->type) {
        case Type::begin: m_sampler->begin_phase(own(message->name)); break;
        case Type::end: m_sampler->end_phase(own(message->name)); break;
        case Type::metric: m_sampler->record_metric(own(message->name), message->value); break;
        case Type::join: {
            std::lock_guard lock(m_rank_mutex);
            if (!m_record.job) break;
            const record::RankSeen rank{message->rank, message->local_rank, message->pid, false};
            if (m_ranks_active.emplace(message->pid, rank).second && m_record.job->ranks.size() < 4096)
                m_record.job->ranks.push_back(rank);
            break;
        }
        case Type::leave: {
            std::lock_guard lock(m_rank_mutex);
            m_ranks_active.erase(message->pid);
            break;
        }
    }
}

void Measurement::forward(const std::string& line) {
    std::optional<NodeElection::Published> meter;
    {
        std::lock_guard lock(m_rank_mutex);
        meter = m_meter;
    }
    if (meter) {
        try {
            sampler::ControlChannel::send(meter->control, line);
            return;
        } catch (const std::exception&) {
            // The meter has gone: fall through to the takeover.
        }
    }
    if (try_take_over()) {
        if (metering()) apply_control(sampler::parse_control_line(line));
        return;
    }
    // Another rank took over: send there.
    std::lock_guard lock(m_rank_mutex);
    if (m_meter) {
        try {
            sampler::ControlChannel::send(m_meter->control, line);
        } catch (const std::exception&) {
        }
    }
}

// The meter died (the kernel released its lock): this rank meters the node from now on, in a
// run of its own that names the one it follows. What the node used between the dead meter's
// last stored second and now is not measured, and the new run says so.
bool Measurement::try_take_over() {
    std::unique_lock lock(m_rank_mutex);
    if (!m_election || m_election->is_meter()) return m_election != nullptr;
    const std::string previous = m_meter ? m_meter->run_id : "";
    if (!m_election->try_become_meter()) {
        lock.unlock();
        for (int i = 0; i < 100; ++i) {  // the new meter publishes within moments
            if (auto where = m_election->published()) {
                lock.lock();
                m_meter = where;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }
    // Held until the sampler runs: metering() stays false (lines keep being forwarded or
    // wait) until there is a sampler to apply them to.
    m_me.metering = true;
    m_record.job->ranks = {m_me};
    m_record.job->took_over_from = previous;
    m_meter.reset();
    create_sampler();
    m_notes.push_back("took over metering this node from run " + (previous.empty() ? std::string("(unknown)") : previous) +
                      " of a rank that died; the energy between that run's last stored sample and this run's start is not measured");
    m_options.baseline_s = 0;  // the machine is busy with the job: no idle baseline now
    start_sampling();
    open_job_window(m_job_pid);
    publish_meter();
    return true;
}

void Measurement::publish_meter() {
    if (!m_election) return;
    open_control_channel();
    m_election->publish({static_cast<int>(::getpid()), m_control->path(), m_record.id});
}

void Measurement::start_watching_meter() {
    if (metering() || m_watcher.joinable()) return;
    // The kernel releases a dead meter's lock at once: trying it every quarter second is how
    // a follower notices, whatever killed the meter.
    m_watcher = std::thread([this] {
        std::unique_lock lock(m_rank_mutex);
        while (!m_watch_stop) {
            m_watch_wake.wait_for(lock, std::chrono::milliseconds(250), [this] { return m_watch_stop; });
            if (m_watch_stop || m_election->is_meter()) break;
            const int meter_before = m_meter ? m_meter->pid : 0;
            lock.unlock();
            if (try_take_over()) return;
            lock.lock();
            if (m_meter && m_meter->pid != meter_before) {
                // Another rank took over: this rank joins its run.
                const auto meter = *m_meter;
                lock.unlock();
                try {
                    sampler::ControlChannel::send(meter.control, fmt::format("join {} {} {}", m_me.pid, m_me.rank, m_me.local_rank));
                } catch (const std::exception&) {
                }
                lock.lock();
            }
        }
    });
}

void Measurement::stop_watching_meter() { stop_worker(m_watcher, m_rank_mutex, m_watch_stop, m_watch_wake); }

void Measurement::wait_for_other_ranks() {
    if (!m_record.job) return;
    const auto own_end = std::chrono::steady_clock::now();
    // After a takeover the job's ranks started long ago: those still alive re-join within a
    // watcher tick, and the dead meter's rank will never come.
    const bool took_over = !m_record.job->took_over_from.empty();
    const auto grace = std::chrono::duration<double>(took_over ? std::min(1.0, m_options.rank_grace_s) : m_options.rank_grace_s);
    while (true) {
        {
            std::lock_guard lock(m_rank_mutex);
            for (auto it = m_ranks_active.begin(); it != m_ranks_active.end();) {
                if (::kill(it->first, 0) != 0 && errno == ESRCH) {
                    m_rank_notes.push_back(fmt::format("rank {} (pid {}) ended without saying it left", it->second.rank, it->first));
                    it = m_ranks_active.erase(it);
                } else {
                    ++it;
                }
            }
            const int seen = static_cast<int>(m_record.job->ranks.size());
            const bool all_came = seen + (took_over ? 1 : 0) >= m_record.job->local_world_size;
            if (m_ranks_active.empty() && (all_came || std::chrono::steady_clock::now() - own_end > grace)) {
                if (!all_came)
                    m_rank_notes.push_back(fmt::format("{} of the {} ranks expected on node {} reported to this meter",
                                                       seen, m_record.job->local_world_size, m_record.job->node));
                return;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

void Measurement::start_store_writer() {
    if (!m_store) return;
    m_store_writer = std::thread([this] {
        std::unique_lock lock(m_store_mutex);
        while (!m_store_stop) {
            m_store_wake.wait_for(lock, std::chrono::seconds(1), [this] { return m_store_stop; });
            write_to_store_once();
        }
    });
}

void Measurement::stop_store_writer() { stop_worker(m_store_writer, m_store_mutex, m_store_stop, m_store_wake); }

// Called with m_store_mutex held, on the writer thread. The sampler's lock is taken only to
// copy the new rows and events, never while the store is written.
void Measurement::write_to_store_once() {
    if (!m_store) return;
    // A failed write (a locked or full store) is retried every second: rows and events are
    // appended by position, so nothing is lost or doubled once the store takes writes again.
    try {
        if (!m_store_ready) {
            m_store->begin_run(m_record, m_sampler->tail_header());
            m_store_ready = true;
        }
        if (m_job_window_pending) {
            m_store->update_job_window(m_record.id, m_record.started_utc_ms, m_window.baseline_end_s, m_window.job_start_s);
            m_job_window_pending = false;
        }
        const record::TimelineTail tail = m_sampler->tail_since(m_rows_written, m_phases_written, m_metrics_written);
        m_store->append(m_record.id, tail);
        m_rows_written += tail.rows.size();
        m_phases_written += tail.phases.size();
        m_metrics_written += tail.metrics.size();
        m_store_error.clear();
    } catch (const std::exception& e) {
        // Not printed from here: reported once the job is done; the files are still written.
        m_store_error = e.what();
    }
}

void Measurement::start() {
    m_job_pid = static_cast<int>(::getpid());
    if (!metering()) {
        forward(fmt::format("join {} {} {}", m_me.pid, m_me.rank, m_me.local_rank));
        start_watching_meter();
        return;
    }
    start_sampling();
    open_job_window(m_job_pid);
    publish_meter();
}

void Measurement::start_sampling() {
    m_sampler->start();
    m_started = true;
    // The run exists in the store from the first sample on, so the idle baseline's samples are
    // kept with it and a run killed during its baseline is still found.
    m_record.id = store::new_run_id(utc_now_ms());
    m_record.started_utc_ms = utc_now_ms();
    m_record.status = "running";
    start_store_writer();
    if (m_options.baseline_s > 0) {
        // The idle machine before the job: seed 001's P_idle, seed 003's baseline scenario.
        std::this_thread::sleep_for(std::chrono::duration<double>(m_options.baseline_s));
        m_sampler->sample_once();
        m_sampler->mark_baseline_end();
    }
}

void Measurement::open_job_window(int pid) {
    if (pid > 0) m_sampler->attach_process(pid);
    m_sampler->sample_once();  // a full sample at the window's edge, where usage totals start
    m_sampler->mark_job_start();
    m_live_at_job_start = m_sampler->live();
    const auto window = m_sampler->window();
    std::lock_guard lock(m_store_mutex);
    m_record.started_utc_ms = utc_now_ms();
    m_window = window;
    m_job_window_pending = true;
}

// In-process phases and metrics go the way a command's lines go (handle_control): to this
// node's sampler, with this rank's prefix in a job of several ranks, or to the node's meter.
void Measurement::begin_phase(const std::string& name) {
    handle_control(sampler::ControlMessage{sampler::ControlMessage::Type::begin, name, 0});
}
void Measurement::end_phase(const std::string& name) {
    handle_control(sampler::ControlMessage{sampler::ControlMessage::Type::end, name, 0});
}
void Measurement::record_metric(const std::string& name, double value) {
    handle_control(sampler::ControlMessage{sampler::ControlMessage::Type::metric, name, value});
}

double Measurement::energy_so_far_j() const {
    if (!metering()) return 0.0;
    const auto now = m_sampler->live();
    double total = 0;
    const auto& channels = m_sampler->channels();
    for (std::size_t c = 0; c < channels.size() && c < now.energy_j.size(); ++c) {
        if (!channels[c].summed) continue;
        const double at_start = c < m_live_at_job_start.energy_j.size() ? m_live_at_job_start.energy_j[c] : 0.0;
        total += now.energy_j[c] - at_start;
    }
    return total;
}

record::RunRecord Measurement::record_so_far() const {
    if (!metering()) return m_record;  // a follower has no run: the meter's has the node
    record::Timeline timeline = m_sampler->snapshot();
    timeline.job_end_s = m_sampler->now_s();  // the window as if it closed now
    record::RunRecord record = m_record;
    fill_record(record, timeline);
    record.ended_utc_ms = utc_now_ms();
    return record;
}

void Measurement::fill_record(record::RunRecord& record, const record::Timeline& timeline) const {
    record.summary = analysis::summarize(timeline, m_options.attribution);
    record.carbon.basis = timeline.baseline_end_s > 0 ? record::EnergyBasis::net : record::EnergyBasis::gross;
    record.carbon.energy_j = record.carbon.basis == record::EnergyBasis::net ? record.summary.net_j : record.summary.gross_j;
    if (m_options.zone && m_carbon) {
        record.carbon = m_carbon(timeline, record.summary, m_options);
        record.carbon.pue = m_options.pue;
    } else if (!m_options.zone) {
        record.carbon.intensity_source = "none: no --zone given";
    }
}

MeasureResult Measurement::run_command() {
    if (m_options.command.empty()) throw Error("no command given: powerml measure [OPTIONS] -- COMMAND [ARGS...]");
    open_control_channel();
    const bool meter = metering();
    if (meter) start_sampling();
    // Background processes the job leaves behind are still its work: they become ours when
    // their parent exits, and the job's window closes when the last of them has exited.
    ChildProcess::adopt_orphans();
    std::unique_ptr<ChildProcess> child;
    try {
        child = std::make_unique<ChildProcess>(m_options.command,
                                               std::map<std::string, std::string>{{"POWERML_CONTROL", m_control->path().string()}});
    } catch (const ChildStartError& e) {
        if (meter) open_job_window(0);
        m_control->stop();
        MeasureResult result = meter ? complete(127) : follower_result(127);
        result.start_error = e.what();
        return result;
    }
    ChildProcess::forward_signals_to(child->pid());  // before anything that could wait
    m_job_pid = child->pid();
    if (meter) {
        open_job_window(child->pid());
        publish_meter();
    } else {
        // This rank's process (not its command) is what the meter watches: it lives until the command is reaped.
        forward(fmt::format("join {} {} {}", m_me.pid, m_me.rank, m_me.local_rank));
        start_watching_meter();
    }
    child->wait_exited();
    ChildProcess::wait_for_other_children(child->pid());
    if (metering()) {
        // The node's other ranks may still be running: the node is metered until they leave.
        wait_for_other_ranks();
        // Phase lines the job wrote just before exiting are read before the window closes.
        m_control->stop();
        m_sampler->mark_job_end();
        m_sampler->stop();  // final sample while the job is a zombie: its CPU time is still readable
    } else {
        m_control->stop();
    }
    const int status = child->reap();
    ChildProcess::stop_forwarding();
    if (!metering()) return follower_result(status);
    return complete(status);
}

MeasureResult Measurement::finish(int exit_status) {
    if (!metering()) return follower_result(exit_status);
    wait_for_other_ranks();
    if (m_control) m_control->stop();
    m_sampler->mark_job_end();
    m_sampler->stop();
    return complete(exit_status);
}

// A rank that did not meter: it tells the meter it is done and reports where its node was metered.
MeasureResult Measurement::follower_result(int exit_status) {
    stop_watching_meter();
    std::optional<NodeElection::Published> meter;
    {
        std::lock_guard lock(m_rank_mutex);
        meter = m_meter;
    }
    MeasureResult result;
    result.exit_status = exit_status;
    if (meter) {
        try {
            sampler::ControlChannel::send(meter->control, fmt::format("leave {}", m_me.pid));
        } catch (const std::exception&) {
            // The meter has gone; it noticed this rank's process or will when it ends.
        }
        result.metered_by = fmt::format("run {}, metered by pid {}", meter->run_id, meter->pid);
    }
    result.record = m_record;
    result.record.exit_status = exit_status;
    result.notes = m_notes;
    return result;
}

MeasureResult Measurement::complete(int exit_status) {
    stop_store_writer();
    const record::Timeline timeline = m_sampler->take_timeline();
    MeasureResult result;
    result.exit_status = exit_status;
    m_record.exit_status = exit_status;
    m_record.ended_utc_ms = utc_now_ms();
    m_record.status = "finished";
    fill_record(m_record, timeline);
    // A wall-meter correction fitted earlier on this machine turns sensor energy into what the
    // wall would have read (PSU, fans, disks). Shown beside the measurement, never instead of it.
    try {
        const sensors::WallCorrectionStore corrections(sensors::WallCorrectionStore::default_file());
        if (const auto c = corrections.load(sensors::WallCorrectionStore::this_machine())) {
            const auto& s = m_record.summary;
            record::WallCorrected wall;
            wall.gross_j = c->wall_energy_j(s.gross_j, s.duration_s);
            wall.baseline_j = s.baseline_s > 0 ? c->wall_energy_j(s.baseline_j, s.duration_s) : 0.0;
            wall.net_j = wall.gross_j - wall.baseline_j;
            wall.label = c->label();
            m_record.wall_corrected = wall;
        }
    } catch (const std::exception& e) {
        m_notes.push_back(std::string("wall correction not applied: ") + e.what());
    }
    result.notes = m_notes;
    result.notes.insert(result.notes.end(), m_rank_notes.begin(), m_rank_notes.end());
    m_record.summary.notes.insert(m_record.summary.notes.end(), m_rank_notes.begin(), m_rank_notes.end());
    if (m_store) {
        try {
            if (!m_store_ready) m_store->begin_run(m_record, timeline);
            m_store->finish_run(m_record, timeline, store::phases_csv(m_record));
            m_store_error.clear();
        } catch (const std::exception& e) {
            m_store_error = e.what();
        }
        if (!m_store_error.empty()) result.write_errors.push_back("run store: " + m_store_error);
    }
    if (m_options.out_dir) {
        try {
            store::write_run_files(*m_options.out_dir, m_record, timeline);
        } catch (const std::exception& e) {
            result.write_errors.push_back(std::string("--out: ") + e.what());
        }
    }
    if (m_election) m_election->resign();
    result.record = m_record;
    return result;
}

}  // namespace powerml::measure
