// Finds and loads the Torch part (libpowerml_torch.so) on first use. Order: $POWERML_TORCH_PLUGIN,
// lib/powerml/ beside the installed program (paths::plugin_candidates),
// the build tree's copy, the install prefix's lib/powerml/. A build without Torch has no plugin
// and refuses with the reconfigure message.
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/plugin_loader.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "torch_plugin.hpp"

namespace powerml::workloads {

namespace {

struct Loaded {
    const TorchPluginEntry* entry = nullptr;
    std::string error;
};

const Loaded& load_plugin() {
    static Loaded loaded;
    static std::once_flag once;
    std::call_once(once, [] {
#if POWERML_HAVE_TORCH
        std::vector<std::string> candidates;
        if (const char* env = std::getenv("POWERML_TORCH_PLUGIN"); env && *env) candidates.push_back(env);
        for (auto& installed : paths::plugin_candidates("libpowerml_torch.so")) candidates.push_back(std::move(installed));  // relocated install
        candidates.push_back(POWERML_TORCH_PLUGIN_BUILD);
        candidates.push_back(POWERML_TORCH_PLUGIN_INSTALL);
        // LibTorch's OpenMP threads spin while waiting by default. On a shared or busy machine
        // that spinning cost 10x in run time here (a LeNet epoch of 600 images: 7 s instead of
        // 0.5 s) and burns energy that is then charged to the job. OpenMP reads this when the
        // plugin loads it; a user's own setting is kept.
        ::setenv("OMP_WAIT_POLICY", "passive", 0);
        using EntryFn = const TorchPluginEntry* (*)();
        std::string tried;
        void* address = load_plugin_symbol(candidates, "powerml_torch_plugin_entry", [](void* fn) {
            const TorchPluginEntry* entry = reinterpret_cast<EntryFn>(fn)();
            return entry && entry->abi_version == k_torch_plugin_abi;
        }, tried);
        if (address) {
            loaded.entry = reinterpret_cast<EntryFn>(address)();
            return;
        }
        loaded.error = "cannot load PowerML's Torch part (" + tried +
                       "); rebuild (cmake --build), or set POWERML_TORCH_PLUGIN to libpowerml_torch.so";
#else
        loaded.error = k_no_torch_message;
#endif
    });
    return loaded;
}

const TorchPluginEntry& plugin() {
    const Loaded& loaded = load_plugin();
    if (!loaded.entry) throw Error(loaded.error);
    return *loaded.entry;
}

}  // namespace

bool torch_available() {
#if POWERML_HAVE_TORCH
    return true;  // built with Torch; a plugin that fails to load says so when used
#else
    return false;
#endif
}

ModelCharacteristics builtin_characteristics(const std::string& name, ImageShape input, int classes, const std::string& freeze) {
    check_model_name(name);
    return plugin().characteristics(name, input, classes, freeze);
}

WorkloadResult run_workload(const WorkloadSpec& spec, const WorkloadCallbacks& callbacks) { return plugin().run(spec, callbacks); }

}  // namespace powerml::workloads
