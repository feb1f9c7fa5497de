// powerml serve: the HTTP service for orchestrators (Carbon Aware SDK routes, /v1 API,
// Prometheus /metrics). Parses flags, builds the server, and runs until SIGINT or SIGTERM.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "powerml/cli/commands.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/server/counter_daemon.hpp"
#include "powerml/server/http_service.hpp"

namespace powerml::cli {

namespace {

struct ServeFlags {
    std::string host = "127.0.0.1";
    int port = 8787;
    std::string token_file;
    std::string zone;
    std::string source = "embedded";
    std::string db;
    double interval_ms = 1000;
    std::size_t max_body = 1 << 20;
    int max_connections = 256;
    int max_per_client = 32;
    int heavy_requests = 4;
    int timeout_s = 5;
    double request_timeout_s = 10;
    double idle_timeout_s = 5;
    bool no_sampler = false;
    std::string socket;  // set: the counter daemon instead of the HTTP service
    std::string group = "powerml";
};

// SIGINT/SIGTERM are taken by sigwait; blocked before any thread starts so none gets them.
sigset_t block_stop_signals() {
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    return stop_signals;
}

// powerml serve --socket PATH: the counter daemon (powerml-serve(8)).
void run_counter_daemon(const ServeFlags& f) {
    sigset_t stop_signals = block_stop_signals();
    std::vector<std::string> notes;
    server::CounterDaemonOptions options;
    options.socket = f.socket;
    options.group = f.group;
    auto daemon = server::CounterDaemon::from_machine(std::move(options), notes);
    for (const auto& n : notes) fmt::print(stderr, "powerml: {}\n", n);
    daemon->bind();
    std::string domains;
    for (const auto& s : daemon->signals()) domains += (domains.empty() ? "" : ", ") + s.domain;
    fmt::print(stderr, "powerml: counter daemon on {} for root and group {}: {} ({}){}\n", f.socket, f.group,
               daemon->source(), domains, ::geteuid() == 0 ? "" : "; not running as root, so only what this user may read");
    std::exception_ptr failure;
    std::thread loop([&] {
        try {
            daemon->run();
        } catch (...) {
            failure = std::current_exception();
            ::kill(::getpid(), SIGTERM);
        }
    });
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    daemon->stop();
    loop.join();
    if (failure) std::rethrow_exception(failure);
    fmt::print(stderr, "powerml: stopping ({})\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
}

std::string read_token(const ServeFlags& f) {
    if (!f.token_file.empty()) {
        std::string token;
        if (!paths::read_small_file(f.token_file, token))
            throw Error(fmt::format("--token-file {}: cannot read it", f.token_file));
        while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
        if (token.empty()) throw Error(fmt::format("--token-file {}: the file is empty", f.token_file));
        return token;
    }
    const char* env = std::getenv("POWERML_SERVE_TOKEN");
    return env ? env : "";
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
    auto f = std::make_shared<ServeFlags>();
    auto* cmd = app.add_subcommand("serve", "HTTP service: Carbon Aware SDK routes, /v1 API, Prometheus /metrics");
    cmd->add_option("--host", f->host, "Address to bind; anything but loopback needs a token")->capture_default_str();
    cmd->add_option("--port", f->port, "TCP port")->capture_default_str()->check(CLI::Range(1, 65535));
    cmd->add_option("--token-file", f->token_file, "File holding the bearer token (else env POWERML_SERVE_TOKEN)");
    cmd->add_option("--zone", f->zone, "Grid zone of this node: /metrics shows its intensity and the node's emissions");
    cmd->add_option("--source", f->source, "Intensity source for every route: embedded, csv:PATH or a provider")->capture_default_str();
    cmd->add_option("--db", f->db, "Run store for /v1/runs: a SQLite file or postgresql://... (default $XDG_DATA_HOME/powerml/runs.sqlite)");
    cmd->add_option("--interval", f->interval_ms, "Sampling interval of the live sampler, ms")->capture_default_str()->check(CLI::Range(10.0, 60000.0));
    cmd->add_option("--max-body", f->max_body, "Largest request body accepted, bytes")->capture_default_str();
    cmd->add_option("--max-connections,--threads", f->max_connections, "Connections served at once (a thread each); more get 429")
        ->capture_default_str()->check(CLI::Range(1, 4096));
    cmd->add_option("--max-per-client", f->max_per_client, "Connections one client address may hold open; more get 429")
        ->capture_default_str()->check(CLI::Range(1, 4096));
    cmd->add_option("--heavy-requests", f->heavy_requests, "Batch and plan requests computed at once; the rest wait")
        ->capture_default_str()->check(CLI::Range(1, 1024));
    cmd->add_option("--timeout", f->timeout_s, "Seconds one read or write on a connection may wait")
        ->capture_default_str()->check(CLI::Range(1, 300));
    cmd->add_option("--request-timeout", f->request_timeout_s, "Seconds a client may take to send a whole request (408 after)")
        ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
    cmd->add_option("--idle-timeout", f->idle_timeout_s, "Seconds a keep-alive connection may stay idle")
        ->capture_default_str()->check(CLI::Range(0.1, 3600.0));
    cmd->add_flag("--no-sampler", f->no_sampler, "Serve the API without sampling this machine (/metrics answers 503)");
    cmd->add_option("--socket", f->socket,
                    "Instead of HTTP: as root, serve RAPL counter readings on this Unix socket to root and --group "
                    "(powerml-serve(8))");
    cmd->add_option("--group", f->group, "With --socket: the group whose members are served")->capture_default_str();
    cmd->callback([f, &exit_code] {
        if (!f->socket.empty()) {
            run_counter_daemon(*f);
            exit_code = 0;
            return;
        }
        server::ServerOptions o;
        o.host = f->host;
        o.port = f->port;
        o.token = read_token(*f);
        if (!f->zone.empty()) o.zone = f->zone;
        o.source = f->source;
        o.run_db = f->db.empty() ? paths::default_run_db() : std::filesystem::path(f->db);
        o.max_body_bytes = f->max_body;
        o.max_connections = f->max_connections;
        o.max_per_client = f->max_per_client;
        o.heavy_requests = f->heavy_requests;
        o.read_timeout_s = o.write_timeout_s = f->timeout_s;
        o.request_deadline_s = f->request_timeout_s;
        o.idle_timeout_s = f->idle_timeout_s;
        o.log = [](const std::string& line) { fmt::print(stderr, "powerml serve: {}\n", line); };
        o.version = POWERML_VERSION;
        o.config = Config::load_user();

        server::HttpServiceRequest request;
        request.options = std::move(o);
        if (!f->no_sampler) request.sample_interval_s = f->interval_ms / 1000.0;
        request.say = [](const std::string& line) { fmt::print(stderr, "powerml: {}\n", line); };
        request.stop_signals = block_stop_signals();
        server::run_http_service_from_plugin(request);
        exit_code = 0;
    });
}

}  // namespace powerml::cli
