#include "powerml/core/plugin_loader.hpp"

#include <dlfcn.h>

#include <filesystem>

namespace powerml {

void* load_plugin_symbol(const std::vector<std::string>& candidates, const char* symbol,
                         const std::function<bool(void*)>& accept, std::string& tried, void** handle_out) {
    auto note = [&tried](const std::string& path, const std::string& why) {
        tried += (tried.empty() ? "" : "; ") + path + ": " + why;
    };
    for (const auto& path : candidates) {
        if (!std::filesystem::exists(path)) {
            note(path, "not found");
            continue;
        }
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
            note(path, ::dlerror());
            continue;
        }
        void* address = ::dlsym(handle, symbol);
        if (!address || !accept(address)) {
            note(path, "not a matching PowerML plugin (rebuild it)");
            continue;
        }
        if (handle_out) *handle_out = handle;
        return address;
    }
    return nullptr;
}

}  // namespace powerml
