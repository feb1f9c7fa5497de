#include "bounded_http_server.hpp"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace powerml::server {

namespace {

using Clock = std::chrono::steady_clock;

// Per connection thread: what the handlers of the request being answered asked for.
thread_local bool t_close_after = false;
thread_local bool t_timed_out = false;

constexpr int k_slice_ms = 100;  // how often a waiting thread looks whether the server stops

int ms_until(Clock::time_point t) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now()).count();
    return ms <= 0 ? 0 : static_cast<int>(std::min<long long>(ms, 1'000'000));
}

// Waits until `sock` has `events` or `until` passes, in slices, giving up when the listener
// closes. Returns >0 ready, 0 timed out, <0 error or stopping.
int wait_for(socket_t sock, short events, Clock::time_point until, const std::atomic<socket_t>& listener) {
    while (true) {
        if (listener == INVALID_SOCKET) return -1;
        const int left = ms_until(until);
        pollfd p{sock, events, 0};
        const int r = ::poll(&p, 1, std::min(left, k_slice_ms));
        if (r > 0) return (p.revents & (events | POLLHUP | POLLERR)) ? 1 : -1;
        if (r < 0 && errno != EINTR) return -1;
        if (Clock::now() >= until) return 0;
    }
}

std::string address_of(const sockaddr_storage& addr) {
    char text[INET6_ADDRSTRLEN] = {0};
    if (addr.ss_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    } else if (addr.ss_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {  // one client, whichever family it came by
            in_addr v4;
            std::memcpy(&v4, &a->sin6_addr.s6_addr[12], 4);
            ::inet_ntop(AF_INET, &v4, text, sizeof text);
        } else {
            ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        }
    }
    return text;
}

int port_of(const sockaddr_storage& addr) {
    if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
    if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    return -1;
}

// A socket read against the current request's deadline and byte budget; writes against the
// write timeout. One per connection, so bytes a client sent ahead are not lost between requests.
// Per request it costs what the exchange needs and no more (three system calls for a small
// answer: the idle wait, one recv, one send), as every call here is a context switch away on
// a loaded machine:
//  - a read tries the socket first and waits only when nothing is there;
//  - the answer's writes (httplib writes the headers, then the body) are gathered and sent
//    together: one send, one packet, and no wait unless the socket is full;
//  - the peer's and our own address are asked once per connection (httplib asks per request).
class DeadlineStream final : public httplib::Stream {
public:
    DeadlineStream(socket_t sock, const std::atomic<socket_t>& listener, double write_timeout_s)
        : m_sock(sock), m_listener(listener), m_write_timeout(std::chrono::duration<double>(write_timeout_s)) {
        m_buffer.resize(4096);
    }

    void begin_request(Clock::time_point deadline, std::size_t budget) {
        m_deadline = deadline;
        m_budget = budget;
        m_written = 0;
    }
    bool has_buffered() const { return m_off < m_size; }
    std::size_t written() const { return m_written; }

    bool is_readable() const override { return has_buffered() || wait_for(m_sock, POLLIN, m_deadline, m_listener) > 0; }
    bool is_writable() const override {
        return wait_for(m_sock, POLLOUT, Clock::now() + std::chrono::duration_cast<Clock::duration>(m_write_timeout),
                        m_listener) > 0;
    }

    ssize_t read(char* ptr, std::size_t size) override {
        if (m_budget == 0) return -1;  // more than a request may be: the connection ends
        size = std::min(size, m_budget);
        if (!has_buffered()) {
            // What was written must leave before waiting for the client: it may be waiting for
            // it ("100 Continue" before it sends the body).
            if (!flush()) return -1;
            ssize_t n = ::recv(m_sock, m_buffer.data(), m_buffer.size(), MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                const int ready = wait_for(m_sock, POLLIN, m_deadline, m_listener);
                if (ready == 0) t_timed_out = true;
                if (ready <= 0) return -1;
                n = ::recv(m_sock, m_buffer.data(), m_buffer.size(), 0);
            }
            if (n <= 0) return n;
            m_off = 0;
            m_size = static_cast<std::size_t>(n);
        }
        const std::size_t n = std::min(size, m_size - m_off);
        std::memcpy(ptr, m_buffer.data() + m_off, n);
        m_off += n;
        m_budget -= n;
        return static_cast<ssize_t>(n);
    }

    ssize_t write(const char* ptr, std::size_t size) override {
        if (m_failed) return -1;
        m_out.append(ptr, size);
        if (m_out.size() >= k_gather_bytes && !flush()) return -1;
        return static_cast<ssize_t>(size);
    }

    // Sends what was gathered. False when the client is gone or stopped reading for the write
    // timeout; the connection ends then.
    bool flush() {
        std::size_t done = 0;
        while (done < m_out.size() && !m_failed) {
            const ssize_t n = ::send(m_sock, m_out.data() + done, m_out.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n >= 0) {
                done += static_cast<std::size_t>(n);
            } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!is_writable()) m_failed = true;
            } else if (errno != EINTR) {
                m_failed = true;
            }
        }
        m_written += done;
        m_out.clear();
        if (m_out.capacity() > 4 * k_gather_bytes) m_out.shrink_to_fit();  // a large answer's buffer is not kept
        return !m_failed;
    }

    void get_remote_ip_and_port(std::string& ip, int& port) const override {
        address_once(::getpeername, m_remote_ip, m_remote_port, ip, port);
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override {
        address_once(::getsockname, m_local_ip, m_local_port, ip, port);
    }
    socket_t socket() const override { return m_sock; }

private:
    // One getpeername/getsockname per connection, not one per request: the answer is kept.
    void address_once(int (*query)(int, sockaddr*, socklen_t*), std::string& kept_ip, int& kept_port, std::string& ip,
                      int& port) const {
        if (kept_port < 0) {
            sockaddr_storage addr{};
            socklen_t len = sizeof addr;
            if (query(m_sock, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
            kept_ip = address_of(addr);
            kept_port = port_of(addr);
        }
        ip = kept_ip;
        port = kept_port;
    }
    static constexpr std::size_t k_gather_bytes = 64 * 1024;  // more is sent as it comes

    socket_t m_sock;
    const std::atomic<socket_t>& m_listener;
    std::chrono::duration<double> m_write_timeout;
    Clock::time_point m_deadline{};
    std::size_t m_budget = 0;
    std::size_t m_written = 0;
    std::vector<char> m_buffer;
    std::size_t m_off = 0, m_size = 0;
    std::string m_out;
    bool m_failed = false;
    mutable std::string m_remote_ip, m_local_ip;
    mutable int m_remote_port = -1, m_local_port = -1;
};

// A whole answer written straight to the socket, for connections refused before httplib
// sees them and for requests that timed out before their request line was complete.
void write_raw(socket_t sock, int status, const char* reason, const std::string& detail, bool retry_after) {
    const std::string body = fmt::format(R"({{"type":"about:blank","title":"{}","status":{},"detail":"{}","errors":{{}}}})",
                                         reason, status, detail);
    const std::string head = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: application/problem+json\r\nContent-Length: {}\r\n"
                                         "Connection: close\r\n{}\r\n",
                                         status, reason, body.size(), retry_after ? "Retry-After: 1\r\n" : "");
    const std::string all = head + body;
    (void)::send(sock, all.data(), all.size(), MSG_NOSIGNAL);
}

// Closes so the client still gets what was written: half-close, then discard what it keeps
// sending for a moment (closing with unread data would reset the connection and lose the answer).
void close_gracefully(socket_t sock) {
    ::shutdown(sock, SHUT_WR);
    const auto until = Clock::now() + std::chrono::milliseconds(200);
    char sink[1024];
    while (Clock::now() < until) {
        pollfd p{sock, POLLIN, 0};
        if (::poll(&p, 1, ms_until(until)) <= 0) break;
        if (::recv(sock, sink, sizeof sink, MSG_DONTWAIT) <= 0) break;
    }
    ::close(sock);
}

// A thread per connection, started on demand; past `max_threads` connections wait in a queue
// for a thread to finish (the server refuses them quickly, so the queue drains).
class ConnectionThreads final : public httplib::TaskQueue {
public:
    explicit ConnectionThreads(int max_threads) : m_max(std::max(1, max_threads)) {}
    ~ConnectionThreads() override { shutdown(); }

    void enqueue(std::function<void()> fn) override {
        std::unique_lock lock(m_mutex);
        if (m_running >= m_max) {
            m_pending.push_back(std::move(fn));
            return;
        }
        ++m_running;
        lock.unlock();
        try {
            std::thread([this, task = std::move(fn)]() mutable { run(std::move(task)); }).detach();
        } catch (const std::system_error&) {
            lock.lock();
            --m_running;
            m_pending.push_back(std::move(fn));
        }
    }

    void shutdown() override {
        std::unique_lock lock(m_mutex);
        m_done.wait(lock, [this] { return m_running == 0; });
        // Connections accepted but never started: run them here so their sockets are closed.
        while (!m_pending.empty()) {
            auto fn = std::move(m_pending.front());
            m_pending.pop_front();
            lock.unlock();
            fn();
            lock.lock();
        }
    }

private:
    void run(std::function<void()> task) {
        while (true) {
            task();
            std::unique_lock lock(m_mutex);
            if (m_pending.empty()) {
                --m_running;
                m_done.notify_all();
                return;
            }
            task = std::move(m_pending.front());
            m_pending.pop_front();
        }
    }

    const int m_max;
    std::mutex m_mutex;
    std::condition_variable m_done;
    std::deque<std::function<void()>> m_pending;
    int m_running = 0;
};

}  // namespace

BoundedHttpServer::BoundedHttpServer(ConnectionLimits limits) : m_limits(limits) {
    // Headroom over max_connections so a refusal does not wait for a thread.
    const int threads = m_limits.max_connections + 32;
    new_task_queue = [threads] { return new ConnectionThreads(threads); };
    set_keep_alive_timeout(static_cast<time_t>(std::max(1.0, m_limits.idle_timeout_s)));
    set_payload_max_length(m_limits.max_body_bytes);
}

BoundedHttpServer::~BoundedHttpServer() = default;

void BoundedHttpServer::close_after_response() { t_close_after = true; }
bool BoundedHttpServer::request_timed_out() { return t_timed_out; }

int BoundedHttpServer::open_connections() const {
    std::lock_guard lock(m_mutex);
    return m_open;
}

bool BoundedHttpServer::admit(const std::string& client) {
    std::lock_guard lock(m_mutex);
    if (m_open >= m_limits.max_connections) return false;
    int& mine = m_per_client[client];
    if (mine >= m_limits.max_per_client) {
        if (mine == 0) m_per_client.erase(client);
        return false;
    }
    ++mine;
    ++m_open;
    return true;
}

void BoundedHttpServer::leave(const std::string& client) {
    std::lock_guard lock(m_mutex);
    --m_open;
    if (auto it = m_per_client.find(client); it != m_per_client.end() && --it->second <= 0) m_per_client.erase(it);
}

bool BoundedHttpServer::process_and_close_socket(socket_t sock) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const std::string client = ::getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &len) == 0 ? address_of(peer) : "?";
    if (!admit(client)) {
        write_raw(sock, 429, "Too Many Requests",
                  "too many open connections (at most " + std::to_string(m_limits.max_per_client) +
                      " per client); reuse a keep-alive connection or retry",
                  true);
        close_gracefully(sock);
        return false;
    }

    const auto idle = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_limits.idle_timeout_s));
    const auto deadline = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(m_limits.request_deadline_s));
    DeadlineStream strm(sock, svr_sock_, m_limits.write_timeout_s);
    bool ret = false;
    for (std::size_t count = keep_alive_max_count_; count > 0; --count) {
        // Idle between requests: wait for the first byte of the next one, doing a trim that
        // was put off meanwhile (in steps, so it is done soon after it falls due).
        if (!strm.has_buffered()) {
            const auto until = Clock::now() + idle;
            int ready = 0;
            while (true) {
                const auto step = std::min(until, Clock::now() + k_trim_spacing);
                ready = wait_for(sock, POLLIN, step, svr_sock_);
                if (ready != 0 || step >= until) break;
                trim_if_due(false);
            }
            if (ready <= 0) break;
        }
        t_close_after = t_timed_out = false;
        strm.begin_request(Clock::now() + deadline, m_limits.max_header_bytes + m_limits.max_body_bytes);
        bool closed_by_client = false;
        ret = process_request(strm, count == 1, closed_by_client, nullptr);
        ret = strm.flush() && ret;
        trim_if_due(false);  // the answer is written and freed: give the memory back
        if (t_timed_out && strm.written() == 0)
            write_raw(sock, 408, "Request Timeout",
                      fmt::format("the request was not complete within {:g} s", m_limits.request_deadline_s), false);
        if (!ret || closed_by_client || t_close_after || t_timed_out) break;
    }
    leave(client);
    close_gracefully(sock);
    trim_if_due(true);  // a trim put off is not left to threads that may never come
    return ret;
}

void BoundedHttpServer::trim_if_due(bool now_anyway) {
    if (!m_trim_pending.load(std::memory_order_relaxed)) return;
    const auto now = Clock::now().time_since_epoch();
    const auto last = Clock::duration(m_last_trim.load(std::memory_order_relaxed));
    if (!now_anyway && now - last < k_trim_spacing) return;
    if (!m_trim_pending.exchange(false)) return;  // another thread took it
    m_last_trim.store(now.count(), std::memory_order_relaxed);
    malloc_trim(0);
}

BoundedHttpServer::HeavySlot::HeavySlot(BoundedHttpServer& server) : m_server(server) {
    std::unique_lock lock(server.m_heavy_mutex);
    m_acquired = server.m_heavy_cv.wait_for(lock, std::chrono::duration<double>(server.m_limits.heavy_wait_s),
                                            [&] { return server.m_heavy_in_use < server.m_limits.heavy_slots; });
    if (m_acquired) ++server.m_heavy_in_use;
}

BoundedHttpServer::HeavySlot::~HeavySlot() {
    if (!m_acquired) return;
    {
        std::lock_guard lock(m_server.m_heavy_mutex);
        --m_server.m_heavy_in_use;
    }
    m_server.m_heavy_cv.notify_one();
    // What the request used goes back to the system once its answer is written and freed
    // (glibc keeps freed memory in per-thread arenas otherwise: a burst would stay resident).
    // Not after every heavy request, though: malloc_trim walks every arena and gives back
    // page by page (madvise, a TLB flush on every core), which was 40% of the CPU under a
    // steady load of plans. At most one per k_trim_spacing; one put off is done by the next
    // thread that answers, waits idle past it, or closes its connection.
    m_server.m_trim_pending.store(true, std::memory_order_relaxed);
}

}  // namespace powerml::server
