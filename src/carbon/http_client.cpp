#include "powerml/carbon/http_client.hpp"

#include <chrono>
#include <cmath>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "powerml/core/error.hpp"

namespace powerml::carbon {

namespace {
std::string upper_env(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

std::string url_encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

HttpClient::HttpClient(std::string provider, std::string base_url, HttpOptions options)
    : m_provider(std::move(provider)), m_base_url(std::move(base_url)), m_options(options) {
    // Split "http://host:port/prefix" into what httplib::Client wants and the path prefix.
    const auto scheme_end = m_base_url.find("://");
    if (scheme_end == std::string::npos)
        throw Error(fmt::format("provider.{}.base_url '{}' must start with http:// or https://", m_provider, m_base_url));
    const auto path_start = m_base_url.find('/', scheme_end + 3);
    m_host = m_base_url.substr(0, path_start);
    m_prefix = path_start == std::string::npos ? "" : m_base_url.substr(path_start);
    while (!m_prefix.empty() && m_prefix.back() == '/') m_prefix.pop_back();
}

std::string HttpClient::get(const std::string& path_and_query, const std::map<std::string, std::string>& headers,
                            const std::string& basic_user, const std::string& basic_password) const {
    httplib::Client client(m_host);
    const auto secs = static_cast<time_t>(m_options.timeout_s);
    const auto usecs = static_cast<time_t>((m_options.timeout_s - static_cast<double>(secs)) * 1e6);
    client.set_connection_timeout(secs, usecs);
    client.set_read_timeout(secs, usecs);
    client.set_write_timeout(secs, usecs);
    if (!basic_user.empty()) client.set_basic_auth(basic_user, basic_password);
    httplib::Headers h;
    for (const auto& [k, v] : headers) h.emplace(k, v);
    const std::string path = m_prefix + path_and_query;
    const std::string shown = path.substr(0, path.find('?'));  // never quote the query: it may hold a key
    const std::string key_hint = fmt::format("provider.{}.key or POWERML_PROVIDER_{}_KEY", m_provider, upper_env(m_provider));

    std::string last_problem;
    for (int attempt = 0; attempt <= m_options.retries; ++attempt) {
        if (attempt > 0) {
            const double wait = m_options.backoff_s * std::pow(2.0, attempt - 1);
            std::this_thread::sleep_for(std::chrono::duration<double>(wait));
        }
        auto res = client.Get(path, h);
        if (!res) {
            last_problem = fmt::format("cannot reach {} at {} ({}); check provider.{}.base_url and the network", m_provider,
                                       m_host, httplib::to_string(res.error()), m_provider);
            continue;
        }
        const int status = res->status;
        if (status >= 200 && status < 300) return res->body;
        if (status == 401)
            throw Error(fmt::format("{} rejected the credentials (HTTP 401 on {}); check {}", m_provider, shown, key_hint));
        if (status == 403)
            throw Error(fmt::format("{} refused access (HTTP 403 on {}): the key is valid but not allowed this zone or "
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
            throw Error(fmt::format("{} does not know {} (HTTP 404); check the zone and provider.{}.base_url", m_provider,
                                    shown, m_provider));
        throw Error(fmt::format("{} answered HTTP {} on {}: {}", m_provider, status, shown, res->body.substr(0, 200)));
    }
    throw Error(last_problem);
}

}  // namespace powerml::carbon
