#pragma once
// A real HTTP server on 127.0.0.1 (any free port) in a thread, replaying API response shapes.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <httplib.h>

namespace powerml::test {

class LocalServer {
public:
    httplib::Server server;
    std::atomic<int> requests{0};

    LocalServer() = default;
    // Call after registering handlers.
    void start() {
        server.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
            ++requests;
            return httplib::Server::HandlerResponse::Unhandled;
        });
        m_port = server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { server.listen_after_bind(); });
        // cpp-httplib 0.11 has no wait_until_ready(): poll is_running().
        for (int i = 0; i < 500 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ~LocalServer() {
        server.stop();
        if (m_thread.joinable()) m_thread.join();
    }
    std::string url(const std::string& prefix = "") const { return "http://127.0.0.1:" + std::to_string(m_port) + prefix; }

private:
    int m_port = 0;
    std::thread m_thread;
};

}  // namespace powerml::test
