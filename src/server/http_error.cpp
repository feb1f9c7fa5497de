#include "powerml/server/http_error.hpp"

#include <nlohmann/json.hpp>

namespace powerml::server {

HttpError::HttpError(int status, std::string title, std::string detail)
    : std::runtime_error(detail.empty() ? title : detail),
      m_status(status),
      m_title(std::move(title)),
      m_detail(std::move(detail)) {}

HttpError HttpError::bad_field(const std::string& field, const std::string& message) {
    HttpError e(400, "One or more validation errors occurred.", message);
    e.add(field, message);
    return e;
}

HttpError& HttpError::add(const std::string& field, const std::string& message) {
    m_errors[field].push_back(message);
    return *this;
}

std::string HttpError::type_for(int status) {
    // The RFC 7231 section links ASP.NET puts in "type" for these statuses.
    switch (status) {
        case 400: return "https://tools.ietf.org/html/rfc7231#section-6.5.1";
        case 401: return "https://tools.ietf.org/html/rfc7235#section-3.1";
        case 404: return "https://tools.ietf.org/html/rfc7231#section-6.5.4";
        case 405: return "https://tools.ietf.org/html/rfc7231#section-6.5.5";
        case 408: return "https://tools.ietf.org/html/rfc7231#section-6.5.7";
        case 411: return "https://tools.ietf.org/html/rfc7231#section-6.5.10";
        case 413: return "https://tools.ietf.org/html/rfc7231#section-6.5.11";
        case 414: return "https://tools.ietf.org/html/rfc7231#section-6.5.12";
        case 415: return "https://tools.ietf.org/html/rfc7231#section-6.5.13";
        case 429: return "https://tools.ietf.org/html/rfc6585#section-4";
        case 500: return "https://tools.ietf.org/html/rfc7231#section-6.6.1";
        case 502: return "https://tools.ietf.org/html/rfc7231#section-6.6.3";
        case 503: return "https://tools.ietf.org/html/rfc7231#section-6.6.4";
        default: return "about:blank";
    }
}

std::string HttpError::reason_phrase(int status) {
    switch (status) {
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Payload Too Large";
        case 414: return "URI Too Long";
        case 415: return "Unsupported Media Type";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        default: return "Error";
    }
}

nlohmann::json HttpError::to_json() const {
    nlohmann::json j = {{"type", type_for(m_status)}, {"title", m_title}, {"status", m_status}};
    if (!m_detail.empty()) j["detail"] = m_detail;
    nlohmann::json errors = nlohmann::json::object();
    for (const auto& [field, messages] : m_errors) errors[field] = messages;
    j["errors"] = errors;
    return j;
}

}  // namespace powerml::server
