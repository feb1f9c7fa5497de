#pragma once
// The one way PowerML's library talks HTTP as a client (grid providers, smart plugs): a
// connection to one origin that GETs paths. The implementation (cpp-httplib, with OpenSSL
// for https) lives in the plugin libpowerml_http.so, loaded on the first connection, because
// linking Debian's libcpp-httplib makes the dynamic loader map and relocate OpenSSL and Brotli
// at every start of `powerml`, network or not (docs/performance.md, start-up). Tests hand
// their own HttpConnection where they need no socket at all.
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace powerml::http {

struct ConnectionOptions {
    double timeout_s = 10.0;   // to connect, and for each read and write
    bool keep_alive = false;   // one connection for every request (a sensor polled for a run)
    std::string basic_user, basic_password;  // HTTP Basic credentials, when the user is not empty
};

struct GetResult {
    bool reached = false;  // an HTTP answer came back (any status)
    std::string error;     // why not, in the transport's words ("Could not establish connection")
    int status = 0;
};

class HttpConnection {
public:
    virtual ~HttpConnection() = default;
    // GETs `path_and_query` with `headers`; every chunk of the body goes to `on_body`, which
    // returns false to stop reading (a size or time limit).
    virtual GetResult get(const std::string& path_and_query, const std::map<std::string, std::string>& headers,
                          const std::function<bool(const char* data, std::size_t size)>& on_body) = 0;
};

// A connection to `origin` ("http://host:port", "https://host"), through the plugin. Throws
// Error when the plugin cannot be loaded (which says where it was looked for).
std::unique_ptr<HttpConnection> connect(const std::string& origin, const ConnectionOptions& options);

// The address of `symbol` in libpowerml_http.so, loaded once per process ($POWERML_HTTP_PLUGIN,
// lib/powerml/ beside the installed program, the build tree, the install prefix) and checked
// against k_plugin_abi. `powerml serve` reaches the HTTP server that lives there this way.
// Throws Error naming what was tried.
inline constexpr int k_plugin_abi = 1;  // changes whenever what crosses into the plugin does
void* plugin_symbol(const char* symbol);

}  // namespace powerml::http
