#pragma once
// Reading a request's query parameters with the checks every route needs: each fault is an
// HttpError 400 naming the parameter. Kept apart from the HTTP library so routes test without it.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "powerml/core/time.hpp"

namespace powerml::server {

class QueryParams {
public:
    QueryParams() = default;
    explicit QueryParams(std::multimap<std::string, std::string> params) : m_params(std::move(params)) {}

    bool has(const std::string& name) const { return m_params.count(name) > 0; }
    // The one value of `name`; 400 when it is given twice.
    std::optional<std::string> one(const std::string& name) const;
    // RFC 3339 time (any offset); 400 naming the parameter when malformed.
    std::optional<UtcMillis> time(const std::string& name) const;
    // A whole number within [min, max]; 400 otherwise.
    std::optional<long> integer(const std::string& name, long min, long max) const;

    // Locations as the Carbon Aware SDK's clients send them: `location` or `locations`,
    // repeated and/or comma-separated. 400 when none is given, when one is empty or
    // malformed, or when there are more than `max`.
    std::vector<std::string> locations(std::size_t max) const;

private:
    std::multimap<std::string, std::string> m_params;
};

// A location as a zone id, country code or cloud region: letters, digits and - _ : / . and
// spaces ("azure:West Europe"), at most 64 characters. 400 naming `field` otherwise.
void check_location_text(const std::string& field, const std::string& text);

}  // namespace powerml::server
