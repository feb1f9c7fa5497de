#pragma once
// `powerml serve`: the HTTP service one node of a fleet runs. It owns the HTTP listener (cpp-
// httplib), the intensity cache and the live sampler, wires the routes of CarbonAwareApi,
// PowerMlApi and MetricsPage, and enforces the safety rules: loopback by default, a bearer
// token required on any other address (decided by what the host resolves to), bounded request
// size and time per request and per connection (BoundedHttpServer), 4xx with the field at
// fault for bad input and bad framing. Routes: docs/reference/http-api.md.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
    int read_timeout_s = 5;          // per read and per write
    int write_timeout_s = 5;
    double request_deadline_s = 10;  // a whole request (request line, headers and body); past it: 408
    double idle_timeout_s = 5;       // a keep-alive connection with no request for this long is closed
    int max_connections = 256;       // open at once (one thread each); past it: 429
    int max_per_client = 32;         // open at once from one address; past it: 429
    int heavy_requests = 4;          // batch and plan requests computed at once; others wait, then 503
    double cache_ttl_s = 300;
    double max_range_s = 31 * 86400.0;
    std::string version = "0";
    Config config;                   // provider keys and URLs for live sources
    // Where the server says what went wrong on its side (every 500 with its cause). The
    // library writes nowhere by itself; `powerml serve` passes stderr.
    std::function<void(const std::string&)> log;
};

// Whether `host` names only this machine: every address it resolves to is loopback
// (127.0.0.0/8, ::1). A name that does not resolve is not. `resolve` is getaddrinfo unless a
// test gives its own.
using HostResolver = std::function<std::vector<std::string>(const std::string& host)>;
std::vector<std::string> resolve_host(const std::string& host);
bool is_loopback_host(const std::string& host, const HostResolver& resolve = resolve_host);
bool is_loopback_address(const std::string& numeric_address);

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
