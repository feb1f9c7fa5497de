// powerml._core.plan: `powerml plan --job FILE --format json` for a job given as a Python dict
// shaped like the job file. The dict becomes the same TOML document the file would be, so the
// job file's reader checks it field by field with the same messages.
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <pybind11/stl.h>
#include <toml++/toml.h>

#include "bindings.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/time.hpp"
#include "powerml/planner/job_file.hpp"
#include "powerml/planner/plan_inputs.hpp"
#include "powerml/planner/plan_report.hpp"
#include "powerml/planner/planner.hpp"

namespace py = pybind11;

namespace powerml::python {

namespace {

toml::table to_table(const py::dict& dict, const std::string& where);
toml::array to_array(py::handle sequence, const std::string& where);

// Calls put() with the TOML value for `value`; `where` names it in errors ("site[1].pue").
// Nested lists and dicts go through the plain functions to_array/to_table, so that each Put
// instantiates this template once (a lambda per level would recurse without end).
template <class Put>
void convert(py::handle value, const std::string& where, Put&& put) {
    if (py::isinstance<py::bool_>(value)) {  // before int: bool is an int in Python
        put(value.cast<bool>());
    } else if (py::isinstance<py::int_>(value)) {
        put(value.cast<std::int64_t>());
    } else if (py::isinstance<py::float_>(value)) {
        put(value.cast<double>());
    } else if (py::isinstance<py::str>(value)) {
        put(value.cast<std::string>());
    } else if (py::isinstance<py::dict>(value)) {
        put(to_table(value.cast<py::dict>(), where));
    } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
        put(to_array(value, where));
    } else if (py::hasattr(value, "isoformat") && py::hasattr(value, "utcoffset")) {
        // A datetime: it must say its offset, as times in the job file do.
        if (value.attr("utcoffset")().is_none())
            throw Error("job: " + where + " is a naive datetime; give it a timezone (e.g. datetime.timezone.utc)");
        put(value.attr("isoformat")().cast<std::string>());
    } else {
        throw Error("job: " + where + " has a value of type " + py::str(value.get_type().attr("__name__")).cast<std::string>() +
                    "; use str, int, float, bool, datetime, list or dict");
    }
}

toml::array to_array(py::handle sequence, const std::string& where) {
    toml::array array;
    std::size_t i = 0;
    for (py::handle item : sequence) {
        convert(item, where + "[" + std::to_string(i++) + "]", [&array](auto&& v) { array.push_back(std::move(v)); });
    }
    return array;
}

toml::table to_table(const py::dict& dict, const std::string& where) {
    toml::table table;
    for (auto [key, value] : dict) {
        if (!py::isinstance<py::str>(key)) throw Error("job: keys must be strings (in " + where + ")");
        const std::string name = key.cast<std::string>();
        if (value.is_none()) continue;  // None: as if the key were absent
        convert(value, where.empty() ? name : where + "." + name,
                [&table, &name](auto&& v) { table.insert_or_assign(name, std::move(v)); });
    }
    return table;
}

std::string plan_json(const py::dict& job, const std::vector<std::string>& sources, const std::optional<std::string>& start,
                      int alternatives, const std::string& base_dir) {
    std::ostringstream text;
    text << to_table(job, "");
    if (alternatives < 0 || alternatives > 50) throw Error("plan: alternatives must be between 0 and 50");
    py::gil_scoped_release release;  // providers may wait on the network; the search takes a while
    const planner::JobSpec spec = planner::parse_job_toml(text.str(), "job", base_dir, planner::run_from_store);
    planner::PlanSettings settings;
    settings.now = utc_now_ms();
    settings.alternatives_per_site = alternatives;
    if (start) settings.fixed_start = parse_rfc3339(*start);
    const planner::Plan plan = planner::Planner(planner::grid_series_source(sources, Config::load_user())).plan(spec, settings);
    return planner::plan_to_json(plan).dump();
}

}  // namespace

void bind_plan(py::module_& m) {
    m.def("plan_json", &plan_json, py::arg("job"), py::arg("sources") = std::vector<std::string>{},
          py::arg("start") = py::none(), py::arg("alternatives") = 2, py::arg("base_dir") = "",
          R"doc(
The plan `powerml plan --job FILE --format json` prints, as JSON text, for `job` shaped like the
job file ({"job": {...}, "site": [{...}, ...]}). `sources` are the CLI's --source values
(SPEC or ZONE=SPEC), `start` its --start, `alternatives` its --alternatives; relative `run`
paths resolve against `base_dir`.)doc");
}

}  // namespace powerml::python
