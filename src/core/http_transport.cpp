#include "powerml/core/http_transport.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/plugin_loader.hpp"

namespace powerml::http {

namespace {

struct Loaded {
    void* handle = nullptr;  // the plugin, found with a matching ABI
    std::string error;
};

const Loaded& load() {
    static Loaded loaded;
    static std::once_flag once;
    std::call_once(once, [] {
        std::vector<std::string> candidates;
        if (const char* env = std::getenv("POWERML_HTTP_PLUGIN"); env && *env) candidates.push_back(env);
        for (auto& installed : paths::plugin_candidates("libpowerml_http.so")) candidates.push_back(std::move(installed));
        candidates.push_back(POWERML_HTTP_PLUGIN_BUILD);
        candidates.push_back(POWERML_HTTP_PLUGIN_INSTALL);
        using AbiFn = int (*)();
        std::string tried;
        const void* abi = load_plugin_symbol(candidates, "powerml_http_plugin_abi", [](void* fn) {
            return reinterpret_cast<AbiFn>(fn)() == k_plugin_abi;
        }, tried, &loaded.handle);
        if (!abi)
            loaded.error = "cannot load PowerML's HTTP part (" + tried +
                           "); reinstall powerml, or set POWERML_HTTP_PLUGIN to libpowerml_http.so";
    });
    return loaded;
}

}  // namespace

void* plugin_symbol(const char* symbol) {
    const Loaded& loaded = load();
    if (!loaded.handle) throw Error(loaded.error);
    void* address = ::dlsym(loaded.handle, symbol);
    if (!address) throw Error(std::string("PowerML's HTTP part has no ") + symbol + "; rebuild or reinstall powerml");
    return address;
}

std::unique_ptr<HttpConnection> connect(const std::string& origin, const ConnectionOptions& options) {
    using ConnectFn = void (*)(const std::string&, const ConnectionOptions&, std::unique_ptr<HttpConnection>&);
    static const auto connect_fn = reinterpret_cast<ConnectFn>(plugin_symbol("powerml_http_connect"));
    std::unique_ptr<HttpConnection> connection;
    connect_fn(origin, options, connection);
    return connection;
}

}  // namespace powerml::http
