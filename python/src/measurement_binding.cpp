// powerml._core.Measurement: measure::Measurement for the Python Tracker. The sampler thread,
// sensors, analysis, carbon and files are the CLI's own; Python only drives start and finish.
#include "bindings.hpp"

#include <unistd.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "powerml/core/error.hpp"
#include "powerml/measure/grid_carbon.hpp"
#include "powerml/measure/measurement.hpp"
#include "powerml/record/summary_json.hpp"
#include "powerml/store/run_files.hpp"

namespace py = pybind11;

namespace powerml::python {

void check_name(const std::string& name, bool metric) {
    // The rules of `powerml mark` and `powerml metric`, so both ways of reporting agree.
    if (name.empty() || name.find_first_of("\n\r") != std::string::npos || name.size() > 200)
        throw Error("a phase or metric name must be 1 to 200 characters on one line (got '" + name + "')");
    if (metric && name.find_first_of(" \t") != std::string::npos)
        throw Error("a metric name cannot contain spaces (got '" + name + "')");
}

void check_value(const std::string& name, double value) {
    if (!std::isfinite(value)) throw Error("metric '" + name + "': the value must be a finite number");
}

namespace {

struct MeasurementArgs {
    double interval_s;
    double baseline_s;
    std::optional<std::string> zone;
    std::string source;
    double pue;
    std::optional<std::filesystem::path> out;
    std::optional<std::filesystem::path> db;
    std::vector<std::string> command;
    std::optional<std::string> job_key;
};

measure::MeasureOptions to_options(const MeasurementArgs& args) {
    measure::MeasureOptions options;
    options.interval_s = args.interval_s;
    options.baseline_s = args.baseline_s;
    if (args.zone) {
        measure::check_zone(*args.zone);  // a typo fails before the baseline is spent
        options.zone = args.zone;
    }
    options.carbon_source = args.source;
    options.pue = args.pue;
    options.out_dir = args.out;
    options.db_path = args.db;
    options.command = args.command;
    options.job_key = args.job_key;
    return options;
}

// Holds the Measurement and the state Python may ask about after it finished.
class PyMeasurement {
public:
    explicit PyMeasurement(const MeasurementArgs& args)
        : m_measurement(std::make_unique<measure::Measurement>(to_options(args), measure::grid_carbon_function())),
          m_pid(::getpid()) {}
    ~PyMeasurement() {
        // In a forked child the sampler thread does not exist: stopping it would wait forever.
        // The child's copy is left alone (the parent still owns the measurement).
        if (::getpid() != m_pid) (void)m_measurement.release();
    }
    PyMeasurement(const PyMeasurement&) = delete;
    PyMeasurement& operator=(const PyMeasurement&) = delete;

    void start() {
        if (m_state != State::created) throw Error("this measurement was already started");
        m_measurement->start();
        m_state = State::running;
    }
    void begin_phase(const std::string& name) {
        check_running();
        check_name(name, false);
        m_measurement->begin_phase(name);
    }
    void end_phase(const std::string& name) {
        check_running();
        check_name(name, false);
        m_measurement->end_phase(name);
    }
    void record_metric(const std::string& name, double value) {
        check_running();
        check_name(name, true);
        check_value(name, value);
        m_measurement->record_metric(name, value);
    }
    // The energy carbon is charged on so far (net with a baseline, else gross: the same basis
    // as summary.json's carbon.energy_j) and, with a zone, the grams it would be charged now.
    std::pair<double, std::optional<double>> so_far() const {
        check_running();
        if (!m_measurement->metering()) throw Error("another rank meters this node: ask the run it names (metered_by)");
        const record::RunRecord record = m_measurement->record_so_far();
        return {record.carbon.energy_j, record.carbon.g_co2e};
    }
    std::string summary_json() const {
        if (m_state == State::finished) return m_summary;
        check_running();
        if (!m_measurement->metering()) return {};  // no run here: the node's meter has it
        return record::summary_json(m_measurement->record_so_far());
    }
    std::string finish(int exit_status) {
        check_running();
        if (::getpid() != m_pid) throw Error("a measurement is finished by the process that started it, not a forked child");
        m_state = State::finished;
        const measure::MeasureResult result = m_measurement->finish(exit_status);
        m_notes = result.notes;
        if (result.metered_by) {
            // A rank whose node another rank meters has no run of its own.
            m_metered_by = *result.metered_by;
            m_summary.clear();
            return m_summary;
        }
        m_summary = record::summary_json(result.record);
        m_run_id = result.record.id;
        return m_summary;
    }
    bool metering() const { return m_state != State::finished ? m_measurement->metering() : m_metered_by.empty(); }
    const std::string& metered_by() const { return m_metered_by; }
    const std::vector<std::string>& notes() const { return m_notes; }
    const std::string& run_id() const { return m_run_id; }
    bool running() const { return m_state == State::running; }

private:
    enum class State { created, running, finished };
    void check_running() const {
        if (m_state == State::created) throw Error("the measurement has not started: use it as 'with Tracker(...)'");
        if (m_state == State::finished) throw Error("the measurement has finished");
    }
    std::unique_ptr<measure::Measurement> m_measurement;
    pid_t m_pid;
    State m_state = State::created;
    std::string m_summary;
    std::string m_run_id;
    std::string m_metered_by;
    std::vector<std::string> m_notes;
};

}  // namespace

void bind_measurement(py::module_& m) {
    py::class_<PyMeasurement>(m, "Measurement", R"doc(
One in-process measurement (the engine behind powerml.Tracker).

The constructor validates the options and probes the sensors; start() samples the idle
baseline (if any) and opens the job window on this process; finish() closes it, computes the
summary and carbon and writes the run store and the --out files, exactly as `powerml measure`.)doc")
        .def(py::init([](double interval_s, double baseline_s, std::optional<std::string> zone, std::string source,
                         double pue, std::optional<std::filesystem::path> out, std::optional<std::filesystem::path> db,
                         std::vector<std::string> command, std::optional<std::string> job_key) {
                 return std::make_unique<PyMeasurement>(MeasurementArgs{interval_s, baseline_s, std::move(zone),
                                                                        std::move(source), pue, std::move(out),
                                                                        std::move(db), std::move(command), std::move(job_key)});
             }),
             py::arg("interval_s") = 0.1, py::arg("baseline_s") = 0.0, py::arg("zone") = py::none(),
             py::arg("source") = "embedded", py::arg("pue") = 1.0, py::arg("out") = py::none(),
             py::arg("db") = py::none(), py::arg("command") = std::vector<std::string>{}, py::arg("job_key") = py::none(),
             py::call_guard<py::gil_scoped_release>())
        .def("start", &PyMeasurement::start, py::call_guard<py::gil_scoped_release>(),
             "Samples the idle baseline (baseline_s seconds, other Python threads keep running), then opens the job window.")
        // Released: a rank whose node's meter died takes the meter over inside these calls.
        .def("begin_phase", &PyMeasurement::begin_phase, py::arg("name"), py::call_guard<py::gil_scoped_release>(),
             "Opens a phase (phases nest).")
        .def("end_phase", &PyMeasurement::end_phase, py::arg("name"), py::call_guard<py::gil_scoped_release>(),
             "Closes the innermost open phase called name.")
        .def("record_metric", &PyMeasurement::record_metric, py::arg("name"), py::arg("value"),
             py::call_guard<py::gil_scoped_release>(),
             "Attaches a value to the current phase and to the run.")
        .def("so_far", &PyMeasurement::so_far, py::call_guard<py::gil_scoped_release>(),
             "(gross energy in J, g CO2e or None without a zone) of the window so far.")
        .def("summary_json", &PyMeasurement::summary_json, py::call_guard<py::gil_scoped_release>(),
             "summary.json of the finished run, or of the window so far (status 'running') while it runs.")
        .def("finish", &PyMeasurement::finish, py::arg("exit_status") = 0, py::call_guard<py::gil_scoped_release>(),
             "Closes the window, writes the run store and --out files; returns summary.json as text.")
        .def_property_readonly("notes", &PyMeasurement::notes, "Sensor choices and anything else worth knowing.")
        .def_property_readonly("run_id", &PyMeasurement::run_id, "The run's id once finished ('' before).")
        .def_property_readonly("running", &PyMeasurement::running)
        .def_property_readonly("metering", &PyMeasurement::metering,
                               "False for a rank of a distributed job whose node another rank meters.")
        .def_property_readonly("metered_by", &PyMeasurement::metered_by,
                               "For such a rank, once finished: 'run ID, metered by pid N' ('' otherwise).");
}

}  // namespace powerml::python
