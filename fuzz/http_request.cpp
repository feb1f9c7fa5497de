// What a client sends `powerml serve`, without the socket: framing headers, the query string
// (decoded by cpp-httplib as the server does), the encoding checks, every typed query
// accessor, and the JSON body of the batch routes through CarbonAwareApi over a synthetic
// series. Input: HEADER\nQUERY\nBODY (any of them may be missing).
#include <memory>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "powerml/server/carbon_aware_api.hpp"
#include "powerml/server/http_error.hpp"
#include "powerml/server/query_params.hpp"
#include "powerml/server/request_checks.hpp"

namespace {

using namespace powerml;
using namespace powerml::server;

// Hourly points around any asked range: the routes compute on it as on real data.
carbon::IntensitySeries synthetic(const std::string& zone, UtcMillis from, UtcMillis to) {
    carbon::IntensitySeries s;
    s.zone = zone;
    s.provider = "fuzz";
    for (UtcMillis t = from; t < to && s.points.size() < 24 * 40; t += 3'600'000)
        s.points.push_back({t, 3600.0, 100.0 + static_cast<double>(s.points.size() % 17), carbon::PointKind::measured});
    return s;
}

template <typename F>
void answer(F&& f) {
    try {
        const nlohmann::json j = f();
        (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const HttpError& e) {
        (void)e.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } catch (const powerml::Error&) {
        // the server answers a library Error with 400
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static SeriesCache cache(synthetic, 1e9, 64);
    static CarbonAwareApi api(cache, [](const std::string& z) { return z == "CY" || z == "DE"; }, CarbonAwareApi::Limits{},
                              [] { return UtcMillis{1704067200000}; });
    const std::string input = powerml::fuzz::text_of(data, size);
    const std::size_t a = input.find('\n');
    const std::size_t b = a == std::string::npos ? std::string::npos : input.find('\n', a + 1);
    const std::string header = input.substr(0, a);
    const std::string query = a == std::string::npos ? "" : input.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
    const std::string body = b == std::string::npos ? "" : input.substr(b + 1);

    powerml::fuzz::refuse_only_with_error([&] {
        try {
            (void)check_framing(size % 2 ? "POST" : "GET", {header}, false, 1 << 20);
        } catch (const HttpError&) {
        }
        (void)bearer_token(header);
        httplib::Params params;
        httplib::detail::parse_query_text(query, params);
        try {
            check_request_encoding("/emissions/bylocations", params, body);
        } catch (const HttpError&) {
            return;  // the server stops here
        }
        const QueryParams q(params);
        answer([&] { return api.emissions_by_locations(q); });
        answer([&] { return api.best(q); });
        answer([&] { return api.forecasts_current(q); });
        answer([&] { return api.average(q); });
        answer([&] {
            (void)q.integer("limit", 1, 1000);
            return nlohmann::json(q.one("zone").value_or(""));
        });
        answer([&] {
            check_json_nesting(body, 64);
            const auto j = nlohmann::json::parse(body, nullptr, false);
            if (j.is_discarded()) return nlohmann::json();
            answer([&] { return api.forecasts_batch(j); });
            return api.average_batch(j);
        });
    });
    return 0;
}
