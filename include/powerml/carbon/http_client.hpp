#pragma once
// HTTP GET for the live providers: timeout, bounded retries with exponential back-off, and
// every failure turned into one sentence that names the provider and says what to do. The
// key never appears in a message or a returned body: only the path is quoted, never the
// query string, and every credential the request carried (query parameter, header, Basic
// pair) is removed by Redactor from what comes back, error pages that echo the request
// included. Answers are bounded in size and in total time.
#include <map>
#include <string>

namespace powerml::carbon {

struct HttpOptions {
    double timeout_s = 10.0;
    int retries = 2;          // extra tries after the first, for 429, 5xx and connection errors
    double backoff_s = 0.5;   // wait before retry k is backoff_s * 2^k
    double total_timeout_s = 120.0;               // for one whole answer, however it trickles in
    std::size_t max_body_bytes = 256u << 20;      // a larger answer is refused, not read
};

class HttpClient {
public:
    // `provider` is the config name ("electricitymaps"), used in messages.
    HttpClient(std::string provider, std::string base_url, HttpOptions options = {});
    // GETs base path + `path_and_query`; returns the body of a 2xx answer, throws Error otherwise.
    std::string get(const std::string& path_and_query, const std::map<std::string, std::string>& headers = {},
                    const std::string& basic_user = {}, const std::string& basic_password = {}) const;
    const std::string& base_url() const { return m_base_url; }

private:
    std::string m_provider, m_base_url, m_host, m_prefix;
    HttpOptions m_options;
};

// Percent-encodes a query value.
std::string url_encode(const std::string& s);

}  // namespace powerml::carbon
