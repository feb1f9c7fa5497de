// powerml._core.intensity: the series `powerml intensity --format json` prints, as a dict with
// the same keys and values.
#include <string>

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/core/time.hpp"
#include "powerml/core/config.hpp"

namespace py = pybind11;

namespace powerml::python {

namespace {

py::dict intensity(const std::string& zone, const std::string& from, const std::string& to, const std::string& source,
                   const std::string& basis) {
    carbon::IntensitySeries series;
    {
        py::gil_scoped_release release;  // a live provider may wait on the network
        Config config = Config::load_user();
        if (!basis.empty()) config.set_flag("carbon.basis", basis);
        series = carbon::fetch_series(source, zone, parse_rfc3339(from), parse_rfc3339(to), config);
    }
    py::dict out;
    out["zone"] = series.zone;
    out["unit"] = "gCO2eq/kWh";
    out["signal"] = std::string(carbon::to_string(series.signal));
    out["basis"] = std::string(carbon::to_string(series.basis));
    out["source"] = series.provider;
    out["answered_by"] = series.answered_by;
    out["attribution"] = series.attribution;
    out["licence"] = series.licence;
    out["note"] = series.note;
    py::list points;
    for (const auto& p : series.points) {
        py::dict point;
        point["time"] = format_rfc3339(p.start);
        point["duration_s"] = p.duration_s;
        point["value"] = p.g_per_kwh;
        point["kind"] = std::string(carbon::to_string(p.kind));
        points.append(std::move(point));
    }
    out["points"] = std::move(points);
    return out;
}

}  // namespace

void bind_intensity(py::module_& m) {
    m.def("intensity", &intensity, py::arg("zone"), py::arg("start"), py::arg("end"), py::arg("source") = "embedded",
          py::arg("basis") = "", R"doc(
Grid carbon intensity of `zone` over [start, end) (RFC 3339 strings, any offset), as
`powerml intensity --format json` prints it: zone, unit, signal, basis, source, answered_by,
attribution, licence, note and points [{time, duration_s, value, kind}].)doc");
}

}  // namespace powerml::python
