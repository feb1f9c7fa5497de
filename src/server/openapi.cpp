#include "powerml/server/openapi.hpp"

#include <string>
#include <vector>

namespace powerml::server {

namespace {

using nlohmann::json;

json param(const std::string& name, const std::string& in, bool required, const std::string& description,
           const json& schema = {{"type", "string"}}) {
    return {{"name", name}, {"in", in}, {"required", required}, {"description", description}, {"schema", schema}};
}

json time_param(const std::string& name, bool required, const std::string& description) {
    return param(name, "query", required, description, {{"type", "string"}, {"format", "date-time"}});
}

json location_params() {
    const json array = {{"type", "array"}, {"items", {{"type", "string"}}}};
    return json::array({param("location", "query", false, "Zone id (CY, DE), country code or cloud region; repeatable, comma-separated", array),
                        param("locations", "query", false, "Same as location (both spellings are accepted)", array)});
}

json ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json responses(const json& ok_schema, const std::string& ok_type = "application/json") {
    const json problem = {{"application/problem+json", {{"schema", ref("ValidationProblemDetails")}}}};
    return {{"200", {{"description", "OK"}, {"content", {{ok_type, {{"schema", ok_schema}}}}}}},
            {"400", {{"description", "A parameter is missing or malformed; errors names it"}, {"content", problem}}},
            {"401", {{"description", "Bearer token missing or wrong (servers on a non-loopback address)"}, {"content", problem}}}};
}

json get(const std::string& summary, json params, const json& ok_schema, const std::string& ok_type = "application/json",
         bool no_content = false) {
    json r = responses(ok_schema, ok_type);
    if (no_content) r["204"] = {{"description", "No data point matched (the Carbon Aware SDK's answer)"}};
    return {{"get", {{"summary", summary}, {"parameters", std::move(params)}, {"responses", r}}}};
}

json fill_param() {
    return param("fill", "query", false,
                 "PowerML extension: 'estimated' answers times the source's data does not cover from its typical profile, labelled",
                 {{"type", "string"}, {"enum", {"estimated"}}});
}

json post(const std::string& summary, const json& body_schema, const json& ok_schema, const json& body_types = {"application/json"}) {
    json content = json::object();
    for (const auto& t : body_types) content[t.get<std::string>()] = {{"schema", body_schema}};
    json r = responses(ok_schema);
    r["413"] = {{"description", "Body larger than the server's --max-body"}};
    return {{"post", {{"summary", summary}, {"requestBody", {{"required", true}, {"content", content}}}, {"responses", r}}}};
}

json schemas() {
    const json str = {{"type", "string"}}, num = {{"type", "number"}}, integer = {{"type", "integer"}};
    const json time = {{"type", "string"}, {"format", "date-time"}};
    json s;
    s["EmissionsData"] = {{"type", "object"},
                          {"properties", {{"location", str}, {"time", time}, {"rating", num}, {"duration", str}}}};
    s["ForecastPoint"] = {{"type", "object"},
                          {"properties", {{"location", str}, {"timestamp", time}, {"duration", integer}, {"value", num}}}};
    s["EmissionsForecast"] = {
        {"type", "object"},
        {"properties",
         {{"generatedAt", time}, {"requestedAt", time}, {"location", str}, {"dataStartAt", time}, {"dataEndAt", time},
          {"windowSize", integer},
          {"optimalDataPoints", {{"type", "array"}, {"items", ref("ForecastPoint")}}},
          {"forecastData", {{"type", "array"}, {"items", ref("ForecastPoint")}}}}}};
    const json fill = {{"type", "string"}, {"enum", {"estimated"}},
                       {"description", "PowerML extension: answer times the source's data does not cover from its typical profile, labelled"}};
    s["ForecastRequest"] = {{"type", "object"},
                            {"required", {"requestedAt", "location"}},
                            {"properties", {{"requestedAt", time}, {"location", str}, {"dataStartAt", time}, {"dataEndAt", time},
                                            {"windowSize", {{"type", "integer"}, {"minimum", 0}}}, {"fill", fill}}}};
    s["AverageRequest"] = {{"type", "object"},
                           {"required", {"location", "startTime", "endTime"}},
                           {"properties", {{"location", str}, {"startTime", time}, {"endTime", time}, {"fill", fill}}}};
    s["CarbonIntensity"] = {{"type", "object"},
                            {"properties", {{"location", str}, {"startTime", time}, {"endTime", time}, {"carbonIntensity", num}}}};
    s["ValidationProblemDetails"] = {
        {"type", "object"},
        {"properties", {{"type", str}, {"title", str}, {"status", integer}, {"detail", str},
                        {"errors", {{"type", "object"}, {"additionalProperties", {{"type", "array"}, {"items", str}}}}}}}};
    s["IntensitySeries"] = {{"type", "object"},
                            {"properties", {{"zone", str}, {"unit", str}, {"signal", str}, {"source", str},
                                            {"points", {{"type", "array"}, {"items", {{"type", "object"}, {"properties",
                                              {{"time", time}, {"duration_s", num}, {"value", num}, {"kind", str}}}}}}}}}};
    s["Plan"] = {{"type", "object"},
                 {"description", "The `powerml plan --format json` answer: baseline, best, ranked options"},
                 {"properties", {{"baseline", {{"type", "object"}}}, {"best", {{"type", "object"}}}, {"options", {{"type", "array"}}}}}};
    return s;
}

}  // namespace

json openapi_document() {
    json paths;
    const json em_array = {{"type", "array"}, {"items", ref("EmissionsData")}};
    const json fc_array = {{"type", "array"}, {"items", ref("EmissionsForecast")}};
    auto with_times = [](json p, const std::vector<json>& extra) {
        for (const auto& e : extra) p.push_back(e);
        return p;
    };
    const std::vector<json> range = {time_param("time", false, "Start (default now: the value in force)"),
                                     time_param("toTime", false, "End, inclusive: a point starting at toTime is in (default: the value in force at time)"),
                                     fill_param()};
    paths["/emissions/bylocation"] = get("Intensity (rating, gCO2eq/kWh) per data point for one location", with_times(location_params(), range), em_array,
                                         "application/json", true);
    paths["/emissions/bylocations"] = get("Intensity per data point for several locations", with_times(location_params(), range), em_array,
                                          "application/json", true);
    paths["/emissions/bylocations/best"] = get("The lowest-intensity data point(s) over the locations and range", with_times(location_params(), range), em_array,
                                               "application/json", true);
    paths["/emissions/forecasts/current"] = get(
        "The data points (or, with windowSize, their rolling average in windows from dataStartAt stepping by one point) and the minimum (optimalDataPoints)",
        with_times(location_params(), {time_param("dataStartAt", false, "Default now; must lie within the data"),
                                        time_param("dataEndAt", false, "Default dataStartAt + 24 h; must lie within the data"),
                                        param("windowSize", "query", false, "Minutes; 0 or absent: the points themselves (echoed as given, 0 when absent)",
                                              {{"type", "integer"}, {"minimum", 0}}),
                                        fill_param()}),
        fc_array);
    paths["/emissions/forecasts/batch"] = post("Forecasts for several requests; requestedAt in the past replays the built-in forecaster as of then",
                                               {{"type", "array"}, {"items", ref("ForecastRequest")}}, fc_array);
    paths["/emissions/average-carbon-intensity"] = get(
        "Time-weighted mean intensity over [startTime, endTime)",
        with_times(location_params(), {time_param("startTime", true, "Start"), time_param("endTime", true, "End; the data must cover the range"),
                                        fill_param()}),
        ref("CarbonIntensity"));
    paths["/emissions/average-carbon-intensity/batch"] = post("Mean intensity for several requests",
                                                             {{"type", "array"}, {"items", ref("AverageRequest")}},
                                                             {{"type", "array"}, {"items", ref("CarbonIntensity")}});
    paths["/locations"] = get("Every zone this server has data for", json::array(), {{"type", "object"}});
    paths["/v1/intensity"] = get("The `powerml intensity --format json` series",
                                 json::array({param("zone", "query", true, "Zone id, country code or cloud region"),
                                              time_param("from", false, "Default now"), time_param("to", false, "Default from + 24 h")}),
                                 ref("IntensitySeries"));
    paths["/v1/plan"] = post("Plan a job (the `powerml plan --format json` answer); the job file as TOML or JSON", {{"type", "object"}},
                             ref("Plan"), json::array({"application/json", "application/toml", "text/plain"}));
    paths["/v1/runs"] = get("Measured runs, most recent first",
                            json::array({param("limit", "query", false, "1-1000, default 50", {{"type", "integer"}})}),
                            {{"type", "array"}, {"items", {{"type", "object"}}}});
    paths["/v1/runs/{id}"] = get("A run's record and summary.json", json::array({param("id", "path", true, "Run id or unique prefix")}),
                                 {{"type", "object"}});
    paths["/v1/jobs/{key}"] = get("A distributed job summed across its nodes (schema powerml.job/1), missing nodes named",
                                  json::array({param("key", "path", true, "Job key, percent-encoded"),
                                               param("expect_nodes", "query", false, "Slurm host list of nodes that should have reported")}),
                                  {{"type", "object"}});
    paths["/metrics"] = get("Prometheus text exposition: energy, power, intensity, emissions", json::array(), {{"type", "string"}},
                            "text/plain");
    paths["/healthz"] = get("Liveness (no token needed)", json::array(), {{"type", "object"}});
    paths["/health"] = get("The Carbon Aware SDK's health check: 200 Healthy", json::array(), {{"type", "string"}}, "text/plain");
    return {{"openapi", "3.0.3"},
            {"info", {{"title", "PowerML"}, {"version", "1"},
                      {"description", "Energy and carbon of ML jobs; Carbon Aware SDK-compatible routes; Prometheus metrics"}}},
            {"paths", paths},
            {"components", {{"schemas", schemas()}, {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
            {"security", json::array({{{"bearer", json::array()}}})}};
}

}  // namespace powerml::server
