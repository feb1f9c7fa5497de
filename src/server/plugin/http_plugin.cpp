// libpowerml_http.so: everything of PowerML that speaks HTTP through cpp-httplib, loaded on
// first use (powerml/core/http_transport.hpp says why). Its entry points have C names so the
// loader finds them with dlsym; what they pass is the C++ of the same build, checked by the
// ABI number. No exception crosses back: an error comes back as its words.
#include <exception>
#include <memory>
#include <string>

#include "httplib_connection.hpp"
#include "powerml/core/http_transport.hpp"
#include "powerml/server/http_service.hpp"

#define POWERML_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

POWERML_PLUGIN_EXPORT int powerml_http_plugin_abi() { return powerml::http::k_plugin_abi; }

POWERML_PLUGIN_EXPORT void powerml_http_connect(const std::string& origin, const powerml::http::ConnectionOptions& options,
                                                std::unique_ptr<powerml::http::HttpConnection>& connection) {
    connection = powerml::server::plugin::connect_with_httplib(origin, options);
}

POWERML_PLUGIN_EXPORT int powerml_http_serve(const powerml::server::HttpServiceRequest& request, std::string& error) {
    try {
        return powerml::server::run_http_service(request);
    } catch (const std::exception& e) {
        error = e.what();
        return 1;
    }
}
