#pragma once
// `powerml serve`: the HTTP service one node of a fleet runs. It owns the HTTP listener (cpp-
// httplib), the intensity cache and the live sampler, wires the routes of CarbonAwareApi,
// PowerMlApi and MetricsPage, and enforces the safety rules: loopback by default, a bearer
// token required on any other address, bounded request size and time, 4xx with the field at
// fault for bad input. Routes: docs/reference/http-api.md.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "powerml/core/config.hpp"
#include "powerml/server/live_power.hpp"

namespace powerml::server {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                 // 0: any free port (tests)
    std::string token;               // bearer token; required when host is not loopback
    std::optional<std::string> zone; // /metrics: intensity and emissions for this zone
    std::string source = "embedded"; // intensity source spec for every route (server config, never the request's)
    std::optional<std::filesystem::path> run_db;  // /v1/runs
    std::size_t max_body_bytes = 1 << 20;
    int read_timeout_s = 5;
    int write_timeout_s = 5;
    int threads = 16;
    double cache_ttl_s = 300;
    double max_range_s = 31 * 86400.0;
    std::string version = "0";
    Config config;                   // provider keys and URLs for live sources
};

bool is_loopback_host(const std::string& host);

class Server {
public:
    // Throws Error (refusing to start) for a non-loopback host without a token.
    Server(ServerOptions options, std::unique_ptr<LivePower> live);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds, starts the sampler and the listener thread; returns the bound port. Throws Error
    // when the address cannot be bound.
    int start();
    void stop();
    int port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace powerml::server
