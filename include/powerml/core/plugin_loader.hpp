#pragma once
// Loads an optional part of PowerML (libpowerml_torch.so, libpowerml_onnx.so, libpowerml_http.so)
// on first use: the first candidate path that exists, loads, and exports `symbol` in a form
// `accept` takes.
#include <functional>
#include <string>
#include <vector>

namespace powerml {

// Returns the symbol's address, or nullptr with `tried` saying, per candidate, why not. With
// `handle`, the library's dlopen handle is given too (to look up its other symbols).
void* load_plugin_symbol(const std::vector<std::string>& candidates, const char* symbol,
                         const std::function<bool(void*)>& accept, std::string& tried, void** handle = nullptr);

}  // namespace powerml
