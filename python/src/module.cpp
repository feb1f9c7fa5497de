// The powerml._core extension module. The Python package (python/powerml/) wraps it in the
// Tracker, the decorator and the framework hooks; every measurement runs in this C++ code.
#include <string>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "bindings.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/sampler/control_channel.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
    m.doc() = "PowerML's C++ core (measurement, grid carbon intensity, planner) for the powerml package.";
    m.attr("__version__") = POWERML_VERSION;
    // Every setup fault of the library arrives as powerml.Error with the library's message.
    py::register_exception<powerml::Error>(m, "Error", PyExc_RuntimeError);

    powerml::python::bind_measurement(m);
    powerml::python::bind_intensity(m);
    powerml::python::bind_plan(m);

    m.def(
        "send_control",
        [](const std::string& path, const std::string& line) { powerml::sampler::ControlChannel::send(path, line); },
        py::arg("path"), py::arg("line"),
        "Writes one control line ('begin NAME', 'end NAME', 'metric NAME VALUE') to the channel of an outer "
        "`powerml measure`; raises Error when nothing listens there.");
    m.def(
        "check_name", [](const std::string& name, bool metric) { powerml::python::check_name(name, metric); },
        py::arg("name"), py::arg("metric") = false, "Raises Error for a name `powerml mark` would refuse.");
    m.def(
        "check_value", [](const std::string& name, double value) { powerml::python::check_value(name, value); },
        py::arg("name"), py::arg("value"), "Raises Error for a metric value that is not finite.");
    m.def("data_dir", &powerml::paths::data_dir,
          "PowerML's shipped data in use: $POWERML_DATA_DIR, else the copy installed with this module "
          "(a pip install's powerml/data, a system install's share/powerml).");
    m.def("default_run_db", &powerml::paths::default_run_db,
          "The run store `powerml measure` uses by default ($XDG_DATA_HOME/powerml/runs.sqlite).");
}
