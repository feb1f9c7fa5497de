#include "powerml/server/http_service.hpp"

#include <memory>
#include <vector>

#include <fmt/format.h>

#include "powerml/server/live_power.hpp"

namespace powerml::server {

int run_http_service(const HttpServiceRequest& request) {
    std::unique_ptr<LivePower> live;
    if (request.sample_interval_s) {
        std::vector<std::string> notes;
        live = LivePower::from_machine(*request.sample_interval_s, notes);
        for (const auto& n : notes) request.say(n);
    }
    const std::string host = request.options.host;
    Server srv(request.options, std::move(live));
    const int port = srv.start();
    request.say(fmt::format("serving on http://{}:{} (GET /openapi.json lists the routes; Ctrl-C stops)",
                            host.find(':') != std::string::npos ? "[" + host + "]" : host, port));
    int signal_number = 0;
    sigwait(&request.stop_signals, &signal_number);
    request.say(fmt::format("stopping ({})", signal_number == SIGINT ? "SIGINT" : "SIGTERM"));
    srv.stop();
    return 0;
}

}  // namespace powerml::server
