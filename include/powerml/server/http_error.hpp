#pragma once
// A request the server answers with an error, in the shape the Carbon Aware SDK's Web API
// uses (ASP.NET's ValidationProblemDetails), so schedulers that speak it read our errors too:
//   {"type": "...", "title": "...", "status": 400, "detail": "...", "errors": {"location": ["..."]}}
// Handlers throw it; the HTTP layer turns it into the response.
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace powerml::server {

class HttpError : public std::runtime_error {
public:
    // A 400 about one field: {"errors": {field: [message]}}.
    static HttpError bad_field(const std::string& field, const std::string& message);

    HttpError(int status, std::string title, std::string detail);

    int status() const { return m_status; }
    const std::string& title() const { return m_title; }
    const std::string& detail() const { return m_detail; }
    const std::map<std::string, std::vector<std::string>>& errors() const { return m_errors; }
    HttpError& add(const std::string& field, const std::string& message);

    nlohmann::json to_json() const;

    // The problem "type" URI for a status (RFC 9110 section), as ASP.NET fills it.
    static std::string type_for(int status);
    static std::string reason_phrase(int status);

private:
    int m_status;
    std::string m_title;
    std::string m_detail;
    std::map<std::string, std::vector<std::string>> m_errors;
};

}  // namespace powerml::server
