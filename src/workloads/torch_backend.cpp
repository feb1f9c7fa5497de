// Finds and loads the Torch part (libpowerml_torch.so) on first use. Order: $POWERML_TORCH_PLUGIN,
// the build tree's copy, the install prefix's lib/powerml/. A build without Torch has no plugin
// and refuses with the reconfigure message.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
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
        candidates.push_back(POWERML_TORCH_PLUGIN_BUILD);
        candidates.push_back(POWERML_TORCH_PLUGIN_INSTALL);
        // LibTorch's OpenMP threads spin while waiting by default. On a shared or busy machine
        // that spinning cost 10x in run time here (a LeNet epoch of 600 images: 7 s instead of
        // 0.5 s) and burns energy that is then charged to the job. OpenMP reads this when the
        // plugin loads it; a user's own setting is kept.
        ::setenv("OMP_WAIT_POLICY", "passive", 0);
        std::string tried;
        for (const auto& path : candidates) {
            if (!std::filesystem::exists(path)) {
                tried += (tried.empty() ? "" : "; ") + path + ": not found";
                continue;
            }
            void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!handle) {
                tried += (tried.empty() ? "" : "; ") + path + ": " + ::dlerror();
                continue;
            }
            using EntryFn = const TorchPluginEntry* (*)();
            auto fn = reinterpret_cast<EntryFn>(::dlsym(handle, "powerml_torch_plugin_entry"));
            const TorchPluginEntry* entry = fn ? fn() : nullptr;
            if (!entry || entry->abi_version != k_torch_plugin_abi) {
                tried += (tried.empty() ? "" : "; ") + path + ": not a matching PowerML Torch plugin (rebuild it)";
                continue;
            }
            loaded.entry = entry;
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

ModelCharacteristics builtin_characteristics(const std::string& name, ImageShape input, int classes) {
    check_model_name(name);
    return plugin().characteristics(name, input, classes);
}

WorkloadResult run_workload(const WorkloadSpec& spec, const WorkloadCallbacks& callbacks) { return plugin().run(spec, callbacks); }

}  // namespace powerml::workloads
