#include "powerml/server/server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/utf8_check.hpp"
#include "powerml/server/carbon_aware_api.hpp"
#include "powerml/server/http_error.hpp"
#include "powerml/server/metrics_page.hpp"
#include "powerml/server/openapi.hpp"
#include "powerml/server/plan_route.hpp"
#include "powerml/server/powerml_api.hpp"
#include "powerml/server/request_checks.hpp"

#include "bounded_http_server.hpp"

namespace powerml::server {

namespace {

constexpr const char* k_json = "application/json";
constexpr int k_max_json_depth = 64;

// Answers are dumped with invalid UTF-8 replaced: a byte from a run or a provider must never
// turn an answer into a 500.
std::string dump(const nlohmann::json& j, int indent = -1) {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool known_zone(const std::string& name) {
    try {
        carbon::EmbeddedData::instance().resolve(name);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

// Compares without an early exit, so response time says nothing about how much matched.
bool same_secret(const std::string& given, const std::string& expected) {
    unsigned char diff = given.size() != expected.size() ? 1 : 0;
    for (std::size_t i = 0; i < expected.size(); ++i)
        diff |= static_cast<unsigned char>((i < given.size() ? given[i] : 0) ^ expected[i]);
    return diff == 0;
}

QueryParams params_of(const httplib::Request& req) { return QueryParams(req.params); }

}  // namespace

std::vector<std::string> resolve_host(const std::string& host_in) {
    std::string host = host_in;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    std::vector<std::string> out;
    if (host.empty() || ::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
    for (const addrinfo* a = found; a; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN] = {0};
        if (a->ai_family == AF_INET)
            ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr, text, sizeof text);
        else if (a->ai_family == AF_INET6)
            ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr, text, sizeof text);
        if (text[0] && std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
    }
    ::freeaddrinfo(found);
    return out;
}

bool is_loopback_address(const std::string& address) {
    in_addr v4{};
    if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, address.c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

bool is_loopback_host(const std::string& host, const HostResolver& resolve) {
    const auto addresses = resolve(host);
    if (addresses.empty()) return false;
    for (const auto& a : addresses)
        if (!is_loopback_address(a)) return false;
    return true;
}

ConnectionLimits limits_of(const ServerOptions& o) {
    ConnectionLimits l;
    l.request_deadline_s = o.request_deadline_s;
    l.idle_timeout_s = o.idle_timeout_s;
    l.write_timeout_s = o.write_timeout_s;
    l.max_connections = o.max_connections;
    l.max_per_client = o.max_per_client;
    l.max_body_bytes = o.max_body_bytes;
    l.heavy_slots = o.heavy_requests;
    return l;
}

struct Server::Impl {
    ServerOptions options;
    std::unique_ptr<LivePower> live;
    SeriesCache cache;
    CarbonAwareApi carbon_aware;
    PowerMlApi powerml_api;
    PlanRoute plan;
    BoundedHttpServer http;
    std::thread thread;
    std::atomic<bool> listening{false};
    int port = 0;
    std::string bind_address;    // numeric: what the loopback decision was made on
    std::string locations_body;  // computed once: the zone list does not change while running
    std::string openapi_body;
    std::string healthz_body;

    Impl(ServerOptions o, std::unique_ptr<LivePower> l)
        : options(std::move(o)),
          live(std::move(l)),
          cache([this](const std::string& zone, UtcMillis from, UtcMillis to) {
                    return carbon::fetch_series(options.source, zone, from, to, options.config);
                },
                options.cache_ttl_s, 4096),
          carbon_aware(cache, known_zone, CarbonAwareApi::Limits{50, 100, options.max_range_s}, utc_now_ms),
          powerml_api(cache, known_zone, options.run_db, options.max_range_s, utc_now_ms),
          plan(options.source, options.config),
          http(limits_of(options)) {}

    void log(const std::string& line) const {
        if (options.log) options.log(line);
    }

    // Every message that reaches a client or the log is stripped of provider credentials
    // (it may quote a provider's error page) and of invalid UTF-8.
    void send_problem(const httplib::Request& req, httplib::Response& res, const HttpError& e) const {
        const std::string detail = carbon::redact_provider_text(options.config, e.detail());
        if (e.status() >= 500) log(fmt::format("{} {} {}: {}", e.status(), req.method, printable_utf8(req.path), detail));
        HttpError clean(e.status(), e.title(), detail);
        for (const auto& [field, messages] : e.errors())
            for (const auto& m : messages) clean.add(field, carbon::redact_provider_text(options.config, m));
        res.status = e.status();
        if (e.status() == 503) res.set_header("Retry-After", "1");
        res.set_content(dump(clean.to_json()), "application/problem+json");
    }

    // Every route runs through here: the request's text is checked for encoding, HttpError
    // becomes its problem document, a library Error a 400 with its message, anything else a
    // 500 that does not leak internals to the client and is logged with its cause.
    template <typename F>
    httplib::Server::Handler guarded(F f) {
        return [this, f](const httplib::Request& req, httplib::Response& res) {
            try {
                check_request_encoding(req.path, req.params, req.body);
                f(req, res);
            } catch (const HttpError& e) {
                send_problem(req, res, e);
            } catch (const Error& e) {
                send_problem(req, res, HttpError(400, "Bad Request", e.what()));
            } catch (const std::exception& e) {
                log(fmt::format("500 {} {}: {}", req.method, printable_utf8(req.path),
                                carbon::redact_provider_text(options.config, e.what())));
                res.status = 500;
                res.set_content(
                    dump(HttpError(500, "Internal Server Error", "the server failed to answer; its log says why").to_json()),
                    "application/problem+json");
            }
        };
    }

    template <typename F>
    httplib::Server::Handler json_get(F f) {
        return guarded([f](const httplib::Request& req, httplib::Response& res) {
            res.set_content(dump(f(params_of(req))), k_json);
        });
    }

    // Batch and plan requests compute much per request: only heavy_requests at once.
    template <typename F>
    httplib::Server::Handler heavy(F f) {
        return guarded([this, f](const httplib::Request& req, httplib::Response& res) {
            BoundedHttpServer::HeavySlot slot(http);
            if (!slot.acquired())
                throw HttpError(503, "Service Unavailable",
                                "too many batch and plan requests at once; retry in a moment");
            f(req, res);
        });
    }

    // The SDK's emissions routes answer 204 No Content when nothing matched.
    template <typename F>
    httplib::Server::Handler json_get_or_204(F f) {
        return guarded([f](const httplib::Request& req, httplib::Response& res) {
            const nlohmann::json j = f(params_of(req));
            if (j.is_array() && j.empty()) {
                res.status = 204;
                return;
            }
            res.set_content(j.dump(), k_json);
        });
    }

    static nlohmann::json json_body(const httplib::Request& req) {
        const std::string type = req.get_header_value("Content-Type");
        if (!type.empty() && type.rfind("application/json", 0) != 0)
            throw HttpError(415, "Unsupported Media Type", "send the body as application/json");
        check_json_nesting(req.body, k_max_json_depth);
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (body.is_discarded()) throw HttpError::bad_field("body", "the body is not valid JSON");
        return body;
    }

    std::string metrics_text() {
        if (!live) throw HttpError(503, "Service Unavailable", "this server runs without a live sampler");
        std::optional<IntensityNow> now;
        std::shared_ptr<const carbon::IntensitySeries> series;
        if (options.zone) {
            const UtcMillis t = utc_now_ms();
            try {
                series = cache.get(*options.zone, t - 2 * 3'600'000, t + 1);
            } catch (const std::exception&) {
                series.reset();  // the page still shows power and energy; intensity is left out
            }
            if (series) {
                const long i = series->index_at(t);
                if (i >= 0)
                    now = IntensityNow{*options.zone, series->provider, std::string(carbon::to_string(series->points[i].kind)),
                                       series->points[i].g_per_kwh};
            }
        }
        const auto reading = live->read(now ? series.get() : nullptr);
        return MetricsPage::render(live->channels(), reading, live->interval_s(), now, options.version);
    }

    void routes() {
        // Nothing in it changes while the server runs: made once, like /locations.
        healthz_body = dump({{"status", "ok"}, {"version", options.version}, {"sampler", live ? "running" : "off"}});
        http.Get("/healthz", guarded([this](const httplib::Request&, httplib::Response& res) { res.set_content(healthz_body, k_json); }));
        // The SDK's health check (ASP.NET MapHealthChecks): 200 with the text "Healthy".
        http.Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("Healthy", "text/plain"); });
        http.Get("/openapi.json", [this](const httplib::Request&, httplib::Response& res) { res.set_content(openapi_body, k_json); });
        http.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
            res.set_content(metrics_text(), MetricsPage::k_content_type);
        }));
        http.Get("/locations", [this](const httplib::Request&, httplib::Response& res) { res.set_content(locations_body, k_json); });
        http.Get("/emissions/bylocation", json_get_or_204([this](const QueryParams& q) { return carbon_aware.emissions_by_location(q); }));
        http.Get("/emissions/bylocations", json_get_or_204([this](const QueryParams& q) { return carbon_aware.emissions_by_locations(q); }));
        http.Get("/emissions/bylocations/best", guarded([this](const httplib::Request& req, httplib::Response& res) {
            std::string text = carbon_aware.best_text(params_of(req));
            if (text == "[]") {  // nothing matched: 204, as json_get_or_204
                res.status = 204;
                return;
            }
            res.set_content(std::move(text), k_json);
        }));
        http.Get("/emissions/forecasts/current", guarded([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(carbon_aware.forecasts_current_text(params_of(req)), k_json);
        }));
        http.Post("/emissions/forecasts/batch", heavy([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(dump(carbon_aware.forecasts_batch(json_body(req))), k_json);
        }));
        http.Get("/emissions/average-carbon-intensity", json_get([this](const QueryParams& q) { return carbon_aware.average(q); }));
        http.Post("/emissions/average-carbon-intensity/batch", heavy([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(dump(carbon_aware.average_batch(json_body(req))), k_json);
        }));
        http.Get("/v1/intensity", json_get([this](const QueryParams& q) { return powerml_api.intensity(q); }));
        http.Get("/v1/runs", json_get([this](const QueryParams& q) { return powerml_api.runs(q); }));
        http.Get(R"(/v1/runs/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(dump(powerml_api.run(req.matches[1])), k_json);
        }));
        // A job key holds ':' and '@' (torchrun:ID@HOST:PORT): sent percent-encoded, decoded by the router.
        http.Get(R"(/v1/jobs/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(powerml_api.job(req.matches[1], params_of(req)), k_json);
        }));
        http.Post("/v1/plan", heavy([this](const httplib::Request& req, httplib::Response& res) {
            if (req.body.empty()) throw HttpError::bad_field("body", "send the job file as TOML or JSON in the body");
            const std::string type = req.get_header_value("Content-Type");
            if (type.rfind("application/json", 0) == 0) check_json_nesting(req.body, k_max_json_depth);
            const auto answer = plan.answer(req.body, type, params_of(req));
            res.set_content(answer.body, answer.content_type.c_str());
        }));
    }

    // Decided from the headers, before any body byte is read: bad framing (a length that is
    // not a number, too large, missing, or a chunked body) and a missing token are answered at
    // once, and the connection closes after the answer (the unread body cannot be skipped).
    httplib::Server::HandlerResponse before_routing(const httplib::Request& req, httplib::Response& res) {
        std::vector<std::string> lengths;
        const auto range = req.headers.equal_range("Content-Length");
        for (auto it = range.first; it != range.second; ++it) lengths.push_back(it->second);
        try {
            const std::size_t length = check_framing(req.method, lengths, req.has_header("Transfer-Encoding"),
                                                     options.max_body_bytes);
            // A body on a GET is never read: the next request would start inside it.
            if (length > 0 && req.method != "POST" && req.method != "PUT" && req.method != "PATCH")
                BoundedHttpServer::close_after_response();
        } catch (const HttpError& e) {
            BoundedHttpServer::close_after_response();
            send_problem(req, res, e);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (options.token.empty() || req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
        const auto token = bearer_token(req.get_header_value("Authorization"));
        if (token && same_secret(*token, options.token)) return httplib::Server::HandlerResponse::Unhandled;
        if (!lengths.empty()) BoundedHttpServer::close_after_response();
        res.set_header("WWW-Authenticate", "Bearer realm=\"powerml\"");
        send_problem(req, res,
                     HttpError(401, "Unauthorized",
                               "this server needs 'Authorization: Bearer TOKEN' (the token given to powerml serve)"));
        return httplib::Server::HandlerResponse::Handled;
    }

    void safety() {
        http.set_read_timeout(options.read_timeout_s, 0);
        http.set_write_timeout(options.write_timeout_s, 0);
        // The library's default of 5 requests per connection makes every client reconnect
        // constantly under load; 10,000 still recycles a connection now and then.
        http.set_keep_alive_max_count(10000);
        // Headers and body leave in separate writes: with Nagle's algorithm on, each answer
        // waits for the client's delayed ACK (40 ms on Linux); measured 180 req/s without this.
        http.set_tcp_nodelay(true);
        http.set_pre_routing_handler(
            [this](const httplib::Request& req, httplib::Response& res) { return before_routing(req, res); });
        // An exception that escapes a route (none should: every route is guarded) is logged.
        http.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
            std::string cause = "unknown exception";
            try {
                if (ep) std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                cause = e.what();
            } catch (...) {
            }
            log(fmt::format("500 {} {}: {}", req.method, printable_utf8(req.path),
                            carbon::redact_provider_text(options.config, cause)));
            res.status = 500;
            res.set_content(dump(HttpError(500, "Internal Server Error", "the server failed to answer; its log says why").to_json()),
                            "application/problem+json");
        });
        // Errors the library raises itself (unknown route, body or URI too long, malformed
        // request, request past its deadline) get the same problem document as the routes' own.
        http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
            if (BoundedHttpServer::request_timed_out()) {
                res.status = 408;
                res.body.clear();
            }
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            std::string detail;
            switch (res.status) {
                case 404: detail = fmt::format("no route {} {}; GET /openapi.json lists the routes", req.method, req.path); break;
                case 408:
                    detail = fmt::format("the request was not complete within {:g} s (serve --request-timeout)",
                                         options.request_deadline_s);
                    break;
                case 413: detail = "the request body is larger than this server accepts (serve --max-body)"; break;
                case 414: detail = "the request URI is longer than 8192 bytes"; break;
                case 500: detail = "the server failed to answer; its log says why"; break;
                default: detail = HttpError::reason_phrase(res.status); break;
            }
            // The library answers malformed requests itself; what is left of them is unread.
            if (res.status == 400 || res.status == 408 || res.status == 413 || res.status == 414)
                BoundedHttpServer::close_after_response();
            if (res.status >= 500) log(fmt::format("{} {} {}: raised by the HTTP layer", res.status, req.method, printable_utf8(req.path)));
            res.set_content(dump(HttpError(res.status, HttpError::reason_phrase(res.status), detail).to_json()),
                            "application/problem+json");
            return httplib::Server::HandlerResponse::Handled;
        }));
    }
};

Server::Server(ServerOptions options, std::unique_ptr<LivePower> live) {
    // Loopback is decided by the addresses the host resolves to, and the server binds the
    // address checked (a name that resolves differently later cannot move it).
    const auto addresses = resolve_host(options.host);
    if (addresses.empty())
        throw Error(fmt::format("--host {}: not an address, and no name this machine can resolve", options.host));
    bool loopback = true;
    for (const auto& a : addresses) loopback = loopback && is_loopback_address(a);
    if (!loopback && options.token.empty())
        throw Error(fmt::format("refusing to serve on {} ({}) without a token: other machines could reach it. Give a "
                                "bearer token (--token-file FILE or POWERML_SERVE_TOKEN), or bind 127.0.0.1",
                                options.host, addresses.front()));
    if (!options.token.empty() && options.token.size() < 16)
        throw Error("the serve token must be at least 16 characters (e.g. openssl rand -hex 32)");
    if (options.max_body_bytes < 1024) throw Error("--max-body must be at least 1024 bytes");
    if (options.max_connections < 1 || options.max_connections > 4096)
        throw Error("--max-connections must be between 1 and 4096");
    if (options.max_per_client < 1) throw Error("--max-per-client must be at least 1");
    if (options.heavy_requests < 1 || options.heavy_requests > 1024) throw Error("--heavy-requests must be between 1 and 1024");
    if (!(options.request_deadline_s > 0) || !(options.idle_timeout_s > 0))
        throw Error("--request-timeout and --idle-timeout must be positive");
    m = std::make_unique<Impl>(std::move(options), std::move(live));
    m->bind_address = addresses.front();
    m->locations_body = CarbonAwareApi::locations().dump();
    m->openapi_body = openapi_document().dump();
    m->safety();
    m->routes();
}

Server::~Server() { stop(); }

int Server::start() {
    const auto& o = m->options;
    if (o.port == 0) {
        m->port = m->http.bind_to_any_port(m->bind_address);
        if (m->port <= 0) throw Error(fmt::format("cannot bind {}: no free port", o.host));
    } else {
        if (o.port < 1 || o.port > 65535) throw Error(fmt::format("--port must be 1-65535 (got {})", o.port));
        if (!m->http.bind_to_port(m->bind_address, o.port))
            throw Error(fmt::format("cannot bind {}:{}: in use or not an address of this machine", o.host, o.port));
        m->port = o.port;
    }
    if (m->live) m->live->start();
    m->thread = std::thread([this] { m->http.listen_after_bind(); });
    // cpp-httplib 0.11 has no wait_until_ready(): poll until the accept loop runs.
    for (int i = 0; i < 500 && !m->http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (!m->http.is_running()) {
        stop();
        throw Error("the HTTP listener did not start");
    }
    m->listening = true;
    return m->port;
}

void Server::stop() {
    if (!m) return;
    m->http.stop();
    if (m->thread.joinable()) m->thread.join();
    if (m->live) m->live->stop();
    m->listening = false;
}

int Server::port() const { return m->port; }

}  // namespace powerml::server
