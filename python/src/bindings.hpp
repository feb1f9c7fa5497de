#pragma once
// Pieces of the powerml._core extension module, one file per area.
#include <string>

#include <pybind11/pybind11.h>

namespace powerml::python {

void bind_measurement(pybind11::module_& m);
void bind_intensity(pybind11::module_& m);
void bind_plan(pybind11::module_& m);

// The naming rules of `powerml mark` / `powerml metric`; throws Error.
void check_name(const std::string& name, bool metric);
void check_value(const std::string& name, double value);

}  // namespace powerml::python
