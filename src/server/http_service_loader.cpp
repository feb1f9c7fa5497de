// The CLI's side of run_http_service: linked into `powerml`, which must not link cpp-httplib.
#include "powerml/core/error.hpp"
#include "powerml/core/http_transport.hpp"
#include "powerml/server/http_service.hpp"

namespace powerml::server {

int run_http_service_from_plugin(const HttpServiceRequest& request) {
    // An exception does not cross the plugin's boundary: its words come back instead.
    using ServeFn = int (*)(const HttpServiceRequest&, std::string& error);
    const auto serve = reinterpret_cast<ServeFn>(http::plugin_symbol("powerml_http_serve"));
    std::string error;
    const int status = serve(request, error);
    if (!error.empty()) throw Error(error);
    return status;
}

}  // namespace powerml::server
