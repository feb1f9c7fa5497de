#include "powerml/carbon/http_client.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/http_transport.hpp"
#include "powerml/core/redactor.hpp"
#include "powerml/core/utf8_check.hpp"

namespace powerml::carbon {

namespace {
std::string upper_env(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
// At most `max` bytes of an error page on one line: control bytes and invalid UTF-8 become '?'
// (the text goes into messages, notes and JSON answers).
std::string printable(const std::string& body, std::size_t max) {
    std::string out;
    for (std::size_t i = 0; i < body.size() && out.size() < max;) {
        const auto c = static_cast<unsigned char>(body[i]);
        const std::size_t len = utf8_sequence_length(body, i);
        if (len == 0 || c < 0x20 || c == 0x7f) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : '?';
        else out.append(body, i, len);
        i += len == 0 ? 1 : len;
    }
    return out;
}

}  // namespace

HttpClient::HttpClient(std::string provider, std::string base_url, HttpOptions options)
    : m_provider(std::move(provider)), m_base_url(std::move(base_url)), m_options(options) {
    // Split "http://host:port/prefix" into the origin to connect to and the path prefix.
    const auto scheme_end = m_base_url.find("://");
    if (scheme_end == std::string::npos)
        throw Error(Redactor().scrub(
            fmt::format("provider.{}.base_url '{}' must start with http:// or https://", m_provider, m_base_url)));
    const auto path_start = m_base_url.find('/', scheme_end + 3);
    m_host = m_base_url.substr(0, path_start);
    m_prefix = path_start == std::string::npos ? "" : m_base_url.substr(path_start);
    while (!m_prefix.empty() && m_prefix.back() == '/') m_prefix.pop_back();
}

std::string HttpClient::get(const std::string& path_and_query, const std::map<std::string, std::string>& headers,
                            const std::string& basic_user, const std::string& basic_password) const {
    http::ConnectionOptions connection_options;
    connection_options.timeout_s = m_options.timeout_s;
    connection_options.basic_user = basic_user;
    connection_options.basic_password = basic_password;
    const auto connection = http::connect(m_host, connection_options);
    const std::string path = m_prefix + path_and_query;
    const std::string shown = path.substr(0, path.find('?'));  // never quote the query: it may hold a key
    const std::string key_hint = fmt::format("provider.{}.key or POWERML_PROVIDER_{}_KEY", m_provider, upper_env(m_provider));
    // Whatever this request carried as a credential never leaves in a message or a body.
    Redactor redactor;
    redactor.add_request(path, headers, basic_user, basic_password);
    const auto fail = [&](const std::string& message) { return Error(redactor.scrub(message)); };

    std::string last_problem;
    for (int attempt = 0; attempt <= m_options.retries; ++attempt) {
        if (attempt > 0) {
            const double wait = m_options.backoff_s * std::pow(2.0, attempt - 1);
            std::this_thread::sleep_for(std::chrono::duration<double>(wait));
        }
        // The body is read against a size limit and a deadline for the whole answer (the
        // timeouts above are per read: a service that trickles bytes would hold us forever).
        std::string body;
        bool too_big = false, too_slow = false;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(m_options.total_timeout_s);
        const auto res = connection->get(path, headers, [&](const char* data, std::size_t n) {
            if (body.size() + n > m_options.max_body_bytes) return !(too_big = true);
            if (std::chrono::steady_clock::now() > deadline) return !(too_slow = true);
            body.append(data, n);
            return true;
        });
        if (too_big)
            throw fail(fmt::format("{} sent more than {} bytes for {}, more than PowerML reads from a provider; ask for a "
                                   "shorter range",
                                   m_provider, m_options.max_body_bytes, shown));
        if (too_slow) {
            last_problem = fmt::format("{} took longer than {:g} s to send its answer for {}; try later or use --source "
                                       "embedded",
                                       m_provider, m_options.total_timeout_s, shown);
            continue;
        }
        if (!res.reached) {
            last_problem = fmt::format("cannot reach {} at {} ({}); check provider.{}.base_url and the network", m_provider,
                                       m_host, res.error, m_provider);
            continue;
        }
        // An answer or error page that echoes the request would carry the key into messages,
        // parse errors and notes: removed before anything else looks at it.
        redactor.scrub_secrets_in_place(body);
        const int status = res.status;
        if (status >= 200 && status < 300) return body;
        if (status == 401)
            throw fail(fmt::format("{} rejected the credentials (HTTP 401 on {}); check {}", m_provider, shown, key_hint));
        if (status == 403)
            throw fail(fmt::format("{} refused access (HTTP 403 on {}): the key is valid but not allowed this zone or "
                                   "endpoint; check your plan or use --source embedded",
                                   m_provider, shown));
        if (status == 429) {
            last_problem = fmt::format("{} rate limit reached (HTTP 429 on {}) after {} tries; wait a few minutes or use "
                                       "--source embedded",
                                       m_provider, shown, attempt + 1);
            continue;
        }
        if (status >= 500) {
            last_problem = fmt::format("{} failed on its side (HTTP {} on {}) after {} tries; try later or use --source "
                                       "embedded",
                                       m_provider, status, shown, attempt + 1);
            continue;
        }
        if (status == 404)
            throw fail(fmt::format("{} does not know {} (HTTP 404); check the zone and provider.{}.base_url", m_provider,
                                   shown, m_provider));
        throw fail(fmt::format("{} answered HTTP {} on {}: {}", m_provider, status, shown, printable(body, 200)));
    }
    throw fail(last_problem);
}

}  // namespace powerml::carbon
