// Finds and loads the ONNX part (libpowerml_onnx.so) on first use: libonnx and protobuf cost
// every `powerml` invocation several milliseconds and megabytes to load, `powerml mark` inside
// training loops included, for a feature only `model-info FILE.onnx` uses. Order:
// $POWERML_ONNX_PLUGIN, lib/powerml/ beside the installed program, the build tree's copy, the install prefix's lib/powerml/.
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/plugin_loader.hpp"
#include "powerml/workloads/onnx_model_info.hpp"
#include "powerml/workloads/onnx_precheck.hpp"

namespace powerml::workloads {

namespace {

struct LoadedOnnx {
    OnnxCharacteristicsFn characteristics = nullptr;
    std::string error;
};

const LoadedOnnx& load_onnx_plugin() {
    static LoadedOnnx loaded;
    static std::once_flag once;
    std::call_once(once, [] {
        std::vector<std::string> candidates;
        if (const char* env = std::getenv("POWERML_ONNX_PLUGIN"); env && *env) candidates.push_back(env);
        for (auto& installed : paths::plugin_candidates("libpowerml_onnx.so")) candidates.push_back(std::move(installed));  // relocated install
        candidates.push_back(POWERML_ONNX_PLUGIN_BUILD);
        candidates.push_back(POWERML_ONNX_PLUGIN_INSTALL);
        using EntryFn = OnnxCharacteristicsFn (*)();
        std::string tried;
        void* address = load_plugin_symbol(candidates, "powerml_onnx_plugin_entry",
                                           [](void* fn) { return reinterpret_cast<EntryFn>(fn)() != nullptr; }, tried);
        if (address) {
            loaded.characteristics = reinterpret_cast<EntryFn>(address)();
            return;
        }
        loaded.error = "cannot load PowerML's ONNX part (" + tried +
                       "); rebuild (cmake --build), or set POWERML_ONNX_PLUGIN to libpowerml_onnx.so";
    });
    return loaded;
}

}  // namespace

bool onnx_available() { return true; }

ModelCharacteristics onnx_characteristics(const std::filesystem::path& file) {
    // Checked here first: a file libonnx would crash on never reaches it, and a bad file is
    // refused without loading the plugin at all.
    precheck_onnx(paths::read_input_file(file, k_onnx_max_bytes, "ONNX file"), file.string());
    const LoadedOnnx& loaded = load_onnx_plugin();
    if (!loaded.characteristics) throw Error(loaded.error);
    return loaded.characteristics(file);
}

}  // namespace powerml::workloads
