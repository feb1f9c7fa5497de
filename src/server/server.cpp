#include "powerml/server/server.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "powerml/carbon/embedded_data.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "powerml/server/carbon_aware_api.hpp"
#include "powerml/server/http_error.hpp"
#include "powerml/server/metrics_page.hpp"
#include "powerml/server/openapi.hpp"
#include "powerml/server/plan_route.hpp"
#include "powerml/server/powerml_api.hpp"

namespace powerml::server {

namespace {

constexpr const char* k_json = "application/json";

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

void send_problem(httplib::Response& res, const HttpError& e) {
    res.status = e.status();
    res.set_content(e.to_json().dump(), "application/problem+json");
}

QueryParams params_of(const httplib::Request& req) { return QueryParams(req.params); }

}  // namespace

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

struct Server::Impl {
    ServerOptions options;
    std::unique_ptr<LivePower> live;
    SeriesCache cache;
    CarbonAwareApi carbon_aware;
    PowerMlApi powerml_api;
    PlanRoute plan;
    httplib::Server http;
    std::thread thread;
    std::atomic<bool> listening{false};
    int port = 0;
    std::string locations_body;  // computed once: the zone list does not change while running
    std::string openapi_body;

    Impl(ServerOptions o, std::unique_ptr<LivePower> l)
        : options(std::move(o)),
          live(std::move(l)),
          cache([this](const std::string& zone, UtcMillis from, UtcMillis to) {
                    return carbon::fetch_series(options.source, zone, from, to, options.config);
                },
                options.cache_ttl_s, 4096),
          carbon_aware(cache, known_zone, CarbonAwareApi::Limits{50, 100, options.max_range_s}, utc_now_ms),
          powerml_api(cache, known_zone, options.run_db, options.max_range_s, utc_now_ms),
          plan(options.source, options.config) {}

    // Every route runs through here: HttpError becomes its problem document, a library Error a
    // 400 with its message, anything else a 500 that does not leak internals.
    template <typename F>
    httplib::Server::Handler guarded(F f) {
        return [f](const httplib::Request& req, httplib::Response& res) {
            try {
                f(req, res);
            } catch (const HttpError& e) {
                send_problem(res, e);
            } catch (const Error& e) {
                send_problem(res, HttpError(400, "Bad Request", e.what()));
            } catch (const std::exception& e) {
                send_problem(res, HttpError(500, "Internal Server Error", "the server failed to answer; its log says why"));
            }
        };
    }

    template <typename F>
    httplib::Server::Handler json_get(F f) {
        return guarded([f](const httplib::Request& req, httplib::Response& res) {
            res.set_content(f(params_of(req)).dump(), k_json);
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
        http.Get("/healthz", guarded([this](const httplib::Request&, httplib::Response& res) {
            nlohmann::json j = {{"status", "ok"}, {"version", options.version}, {"sampler", live ? "running" : "off"}};
            res.set_content(j.dump(), k_json);
        }));
        // The SDK's health check (ASP.NET MapHealthChecks): 200 with the text "Healthy".
        http.Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("Healthy", "text/plain"); });
        http.Get("/openapi.json", [this](const httplib::Request&, httplib::Response& res) { res.set_content(openapi_body, k_json); });
        http.Get("/metrics", guarded([this](const httplib::Request&, httplib::Response& res) {
            res.set_content(metrics_text(), MetricsPage::k_content_type);
        }));
        http.Get("/locations", [this](const httplib::Request&, httplib::Response& res) { res.set_content(locations_body, k_json); });
        http.Get("/emissions/bylocation", json_get_or_204([this](const QueryParams& q) { return carbon_aware.emissions_by_location(q); }));
        http.Get("/emissions/bylocations", json_get_or_204([this](const QueryParams& q) { return carbon_aware.emissions_by_locations(q); }));
        http.Get("/emissions/bylocations/best", json_get_or_204([this](const QueryParams& q) { return carbon_aware.best(q); }));
        http.Get("/emissions/forecasts/current", json_get([this](const QueryParams& q) { return carbon_aware.forecasts_current(q); }));
        http.Post("/emissions/forecasts/batch", guarded([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(carbon_aware.forecasts_batch(json_body(req)).dump(), k_json);
        }));
        http.Get("/emissions/average-carbon-intensity", json_get([this](const QueryParams& q) { return carbon_aware.average(q); }));
        http.Post("/emissions/average-carbon-intensity/batch", guarded([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(carbon_aware.average_batch(json_body(req)).dump(), k_json);
        }));
        http.Get("/v1/intensity", json_get([this](const QueryParams& q) { return powerml_api.intensity(q); }));
        http.Get("/v1/runs", json_get([this](const QueryParams& q) { return powerml_api.runs(q); }));
        http.Get(R"(/v1/runs/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            res.set_content(powerml_api.run(req.matches[1]).dump(), k_json);
        }));
        http.Post("/v1/plan", guarded([this](const httplib::Request& req, httplib::Response& res) {
            if (req.body.empty()) throw HttpError::bad_field("body", "send the job file as TOML or JSON in the body");
            const auto answer = plan.answer(req.body, req.get_header_value("Content-Type"), params_of(req));
            res.set_content(answer.body, answer.content_type.c_str());
        }));
    }

    void safety() {
        http.set_payload_max_length(options.max_body_bytes);
        http.set_read_timeout(options.read_timeout_s, 0);
        http.set_write_timeout(options.write_timeout_s, 0);
        http.set_keep_alive_timeout(5);
        // The library's default of 5 requests per connection makes every client reconnect
        // constantly under load; 10,000 still recycles a connection now and then.
        http.set_keep_alive_max_count(10000);
        // Headers and body leave in separate writes: with Nagle's algorithm on, each answer
        // waits for the client's delayed ACK (40 ms on Linux); measured 180 req/s without this.
        http.set_tcp_nodelay(true);
        const int threads = options.threads;
        http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
        if (!options.token.empty()) {
            const std::string expected = "Bearer " + options.token;
            http.set_pre_routing_handler([expected](const httplib::Request& req, httplib::Response& res) {
                if (req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
                if (same_secret(req.get_header_value("Authorization"), expected))
                    return httplib::Server::HandlerResponse::Unhandled;
                res.set_header("WWW-Authenticate", "Bearer realm=\"powerml\"");
                send_problem(res, HttpError(401, "Unauthorized",
                                            "this server needs 'Authorization: Bearer TOKEN' (the token given to powerml serve)"));
                return httplib::Server::HandlerResponse::Handled;
            });
        }
        // Errors the library raises itself (unknown route, body or URI too long, malformed
        // request) get the same problem document as the routes' own errors.
        http.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            std::string detail;
            switch (res.status) {
                case 404: detail = fmt::format("no route {} {}; GET /openapi.json lists the routes", req.method, req.path); break;
                case 413: detail = "the request body is larger than this server accepts (serve --max-body)"; break;
                case 414: detail = "the request URI is longer than 8192 bytes"; break;
                default: detail = HttpError::reason_phrase(res.status); break;
            }
            send_problem(res, HttpError(res.status, HttpError::reason_phrase(res.status), detail));
            return httplib::Server::HandlerResponse::Handled;
        }));
    }
};

Server::Server(ServerOptions options, std::unique_ptr<LivePower> live) {
    if (!is_loopback_host(options.host) && options.token.empty())
        throw Error(fmt::format("refusing to serve on {} without a token: other machines could reach it. Give a "
                                "bearer token (--token-file FILE or POWERML_SERVE_TOKEN), or bind 127.0.0.1",
                                options.host));
    if (!options.token.empty() && options.token.size() < 16)
        throw Error("the serve token must be at least 16 characters (e.g. openssl rand -hex 32)");
    if (options.max_body_bytes < 1024) throw Error("--max-body must be at least 1024 bytes");
    if (options.threads < 1 || options.threads > 1024) throw Error("--threads must be between 1 and 1024");
    m = std::make_unique<Impl>(std::move(options), std::move(live));
    m->locations_body = CarbonAwareApi::locations().dump();
    m->openapi_body = openapi_document().dump();
    m->safety();
    m->routes();
}

Server::~Server() { stop(); }

int Server::start() {
    const auto& o = m->options;
    if (o.port == 0) {
        m->port = m->http.bind_to_any_port(o.host);
        if (m->port <= 0) throw Error(fmt::format("cannot bind {}: no free port", o.host));
    } else {
        if (o.port < 1 || o.port > 65535) throw Error(fmt::format("--port must be 1-65535 (got {})", o.port));
        if (!m->http.bind_to_port(o.host, o.port))
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
