#pragma once
// Private to libpowerml_http.so: the cpp-httplib client behind http::connect.
#include <memory>
#include <string>

#include "powerml/core/http_transport.hpp"

namespace powerml::server::plugin {

std::unique_ptr<http::HttpConnection> connect_with_httplib(const std::string& origin, const http::ConnectionOptions& options);

}  // namespace powerml::server::plugin
