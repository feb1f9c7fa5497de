#pragma once
// `powerml serve` without --socket: the HTTP service, run until SIGINT or SIGTERM. It lives,
// with the rest of the HTTP code, in libpowerml_http.so (powerml/core/http_transport.hpp says
// why), so the CLI reaches it through run_http_service_from_plugin.
#include <csignal>
#include <functional>
#include <optional>
#include <string>

#include "powerml/server/server.hpp"

namespace powerml::server {

struct HttpServiceRequest {
    ServerOptions options;
    std::optional<double> sample_interval_s;  // none: no live sampler (/metrics answers 503)
    sigset_t stop_signals;                    // blocked by the caller before any thread starts
    std::function<void(const std::string& line)> say;  // what a person reads: "serving on ..."
};

// Serves until one of request.stop_signals arrives; 0 then. Throws Error when the server
// cannot start (a non-loopback host without a token, an address in use).
int run_http_service(const HttpServiceRequest& request);

// The same, in the plugin; its Error comes back as this side's Error with the same words.
int run_http_service_from_plugin(const HttpServiceRequest& request);

}  // namespace powerml::server
