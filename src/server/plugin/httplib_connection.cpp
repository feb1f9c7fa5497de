// http::HttpConnection over cpp-httplib (OpenSSL for https): the client half of
// libpowerml_http.so.
#include "httplib_connection.hpp"

#include <httplib.h>

namespace powerml::server::plugin {

namespace {

class HttplibConnection final : public http::HttpConnection {
public:
    HttplibConnection(const std::string& origin, const http::ConnectionOptions& options) : m_client(origin) {
        const auto us = static_cast<long>(options.timeout_s * 1e6);
        m_client.set_connection_timeout(us / 1000000, us % 1000000);
        m_client.set_read_timeout(us / 1000000, us % 1000000);
        m_client.set_write_timeout(us / 1000000, us % 1000000);
        m_client.set_keep_alive(options.keep_alive);
        if (!options.basic_user.empty()) m_client.set_basic_auth(options.basic_user, options.basic_password);
    }

    http::GetResult get(const std::string& path_and_query, const std::map<std::string, std::string>& headers,
                        const std::function<bool(const char*, std::size_t)>& on_body) override {
        httplib::Headers h(headers.begin(), headers.end());
        http::GetResult out;
        auto res = m_client.Get(path_and_query, h, [&](const char* data, std::size_t n) { return on_body(data, n); });
        if (!res) {
            out.error = httplib::to_string(res.error());
            return out;
        }
        out.reached = true;
        out.status = res->status;
        return out;
    }

private:
    httplib::Client m_client;
};

}  // namespace

std::unique_ptr<http::HttpConnection> connect_with_httplib(const std::string& origin, const http::ConnectionOptions& options) {
    return std::make_unique<HttplibConnection>(origin, options);
}

}  // namespace powerml::server::plugin
