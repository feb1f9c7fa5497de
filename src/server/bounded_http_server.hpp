#pragma once
// cpp-httplib's Server with the connection handling replaced, so that a slow or greedy client
// cannot take the service down:
//  - one thread per open connection (threads that wait cost no CPU), up to max_connections;
//    a connection past that, or past max_per_client from one address, gets 429 at once;
//  - a deadline for each whole request (request line, headers and body), not per read: a
//    client sending one byte every few seconds is cut off when it passes (408);
//  - an idle timeout between the requests of a keep-alive connection;
//  - a byte budget per request (headers + largest body), so no header flood grows memory;
//  - a bound on concurrent heavy requests (HeavySlot), and the memory they used returned to
//    the system (malloc_trim) after they answered, at most four times a second.
// Private to the server module: Server (server.cpp) is its only user.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include <httplib.h>

namespace powerml::server {

struct ConnectionLimits {
    double request_deadline_s = 10;   // request line + headers + body
    double idle_timeout_s = 5;        // between requests on a keep-alive connection
    double write_timeout_s = 5;       // per write of the answer
    int max_connections = 256;
    int max_per_client = 32;
    std::size_t max_header_bytes = 64 * 1024;
    std::size_t max_body_bytes = 1 << 20;
    int heavy_slots = 4;              // concurrent heavy requests (batch, plan)
    double heavy_wait_s = 30;         // how long a heavy request waits for a slot before 503
};

class BoundedHttpServer : public httplib::Server {
    using ClockTicks = std::chrono::steady_clock::rep;

public:
    explicit BoundedHttpServer(ConnectionLimits limits);
    ~BoundedHttpServer() override;

    // Called from a handler on the connection's thread: the connection closes after this
    // answer (a body that was refused unread would otherwise be taken for the next request).
    static void close_after_response();
    // Whether the request being answered on this thread ran out of its deadline.
    static bool request_timed_out();

    // Held for the duration of a heavy request. Throws nothing: `acquired()` says whether a
    // slot was free within heavy_wait_s.
    class HeavySlot {
    public:
        explicit HeavySlot(BoundedHttpServer& server);
        ~HeavySlot();
        HeavySlot(const HeavySlot&) = delete;
        HeavySlot& operator=(const HeavySlot&) = delete;
        bool acquired() const { return m_acquired; }

    private:
        BoundedHttpServer& m_server;
        bool m_acquired = false;
    };

    int open_connections() const;
    const ConnectionLimits& limits() const { return m_limits; }

private:
    bool process_and_close_socket(socket_t sock) override;
    bool admit(const std::string& client);
    void leave(const std::string& client);
    // malloc_trim when a heavy request has finished since the last one and that was
    // k_trim_spacing ago (or at once with now_anyway).
    void trim_if_due(bool now_anyway);

    static constexpr std::chrono::milliseconds k_trim_spacing{250};

    ConnectionLimits m_limits;
    mutable std::mutex m_mutex;
    std::map<std::string, int> m_per_client;
    int m_open = 0;

    std::mutex m_heavy_mutex;
    std::condition_variable m_heavy_cv;
    int m_heavy_in_use = 0;
    std::atomic<bool> m_trim_pending{false};
    std::atomic<ClockTicks> m_last_trim{0};  // steady_clock ticks
};

}  // namespace powerml::server
