#include "powerml/measure/measurement.hpp"

#include <unistd.h>

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
#include "powerml/store/run_files.hpp"
#include "powerml/store/run_store.hpp"

namespace powerml::measure {

namespace {

std::mutex g_store_mutex;  // guards the store between the sampling thread's flushes and the caller

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

    auto probes = sensors::probe_all(sensors::default_probe_context());
    auto chosen = sensors::select_for_measurement(probes, m_notes);
    if (chosen.empty()) throw Error("no usable sensor on this machine (see 'powerml sensors')");

    sampler::Sampler::Options sampler_options;
    sampler_options.interval_s = m_options.interval_s;
    sampler_options.on_flush = [this](const sampler::Timeline& timeline, std::size_t first) {
        std::lock_guard lock(g_store_mutex);
        if (!m_store || !m_store_ready || !m_store_error.empty()) return;
        try {
            m_store->append_rows(m_record.id, timeline, first);
        } catch (const std::exception& e) {
            // Not printed from the sampling thread: reported once the job is done.
            m_store_error = e.what();
        }
    };
    m_sampler = std::make_unique<sampler::Sampler>(std::move(chosen), std::move(sampler_options));
    m_record.command = m_options.command;
    m_record.host = host_name();
    m_record.labels = labels_from_environment();
    m_record.carbon.zone = m_options.zone;
    m_record.carbon.pue = m_options.pue;
}

Measurement::~Measurement() {
    if (m_sampler) m_sampler->stop();
}

void Measurement::start() {
    start_sampling();
    open_job_window(static_cast<int>(::getpid()));
}

void Measurement::start_sampling() {
    m_sampler->start();
    m_started = true;
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
    m_record.started_utc_ms = utc_now_ms();
    m_record.id = store::new_run_id(m_record.started_utc_ms);
    m_record.status = "running";
    if (m_store) {
        const sampler::Timeline snapshot = m_sampler->snapshot();  // before the store lock: lock order
        std::lock_guard lock(g_store_mutex);
        try {
            m_store->begin_run(m_record, snapshot);
            m_store_ready = true;
        } catch (const std::exception& e) {
            m_store_error = e.what();
        }
    }
}

void Measurement::begin_phase(const std::string& name) { m_sampler->begin_phase(name); }
void Measurement::end_phase(const std::string& name) { m_sampler->end_phase(name); }
void Measurement::record_metric(const std::string& name, double value) { m_sampler->record_metric(name, value); }

double Measurement::energy_so_far_j() const {
    const sampler::Timeline t = m_sampler->snapshot();
    double total = 0;
    for (std::size_t c = 0; c < t.channels.size(); ++c) {
        if (!t.channels[c].summed) continue;
        for (const auto& row : t.rows)
            if (row.t_s > t.job_start_s) total += row.energy_j[c];
    }
    return total;
}

store::RunRecord Measurement::record_so_far() const {
    sampler::Timeline timeline = m_sampler->snapshot();
    timeline.job_end_s = m_sampler->now_s();  // the window as if it closed now
    store::RunRecord record = m_record;
    fill_record(record, timeline);
    record.ended_utc_ms = utc_now_ms();
    return record;
}

void Measurement::fill_record(store::RunRecord& record, const sampler::Timeline& timeline) const {
    record.summary = analysis::summarize(timeline);
    if (m_options.zone && m_carbon) {
        record.carbon = m_carbon(timeline, m_options);
        record.carbon.pue = m_options.pue;
    } else if (!m_options.zone) {
        record.carbon.intensity_source = "none: no --zone given";
    }
}

MeasureResult Measurement::run_command() {
    if (m_options.command.empty()) throw Error("no command given: powerml measure [OPTIONS] -- COMMAND [ARGS...]");
    sampler::ControlChannel control;
    control.start([this](const std::optional<sampler::ControlMessage>& message) {
        if (!message) {
            m_sampler->count_control_error();
            return;
        }
        switch (message->type) {
            case sampler::ControlMessage::Type::begin: m_sampler->begin_phase(message->name); break;
            case sampler::ControlMessage::Type::end: m_sampler->end_phase(message->name); break;
            case sampler::ControlMessage::Type::metric: m_sampler->record_metric(message->name, message->value); break;
        }
    });
    start_sampling();
    std::unique_ptr<ChildProcess> child;
    try {
        child = std::make_unique<ChildProcess>(m_options.command,
                                               std::map<std::string, std::string>{{"POWERML_CONTROL", control.path().string()}});
    } catch (const ChildStartError& e) {
        open_job_window(0);
        control.stop();
        MeasureResult result = complete(127);
        result.start_error = e.what();
        return result;
    }
    open_job_window(child->pid());
    ChildProcess::forward_signals_to(child->pid());
    child->wait_exited();
    // Phase lines the job wrote just before exiting are read before the window closes.
    control.stop();
    m_sampler->mark_job_end();
    m_sampler->stop();  // final sample while the job is a zombie: its CPU time is still readable
    const int status = child->reap();
    ChildProcess::stop_forwarding();
    return complete(status);
}

MeasureResult Measurement::finish(int exit_status) {
    m_sampler->mark_job_end();
    m_sampler->stop();
    return complete(exit_status);
}

MeasureResult Measurement::complete(int exit_status) {
    const sampler::Timeline timeline = m_sampler->take_timeline();
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
            store::WallCorrected wall;
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
    const std::string summary = store::summary_json(m_record);
    const std::string phases = store::phases_csv(m_record);
    if (m_store) {
        std::lock_guard lock(g_store_mutex);
        try {
            if (!m_store_ready) m_store->begin_run(m_record, timeline);
            m_store->finish_run(m_record, timeline, summary, phases);
        } catch (const std::exception& e) {
            if (m_store_error.empty()) m_store_error = e.what();
        }
        if (!m_store_error.empty()) result.notes.push_back("run store: " + m_store_error);
    }
    if (m_options.out_dir) store::write_run_files(*m_options.out_dir, m_record, timeline);
    result.record = m_record;
    return result;
}

}  // namespace powerml::measure
