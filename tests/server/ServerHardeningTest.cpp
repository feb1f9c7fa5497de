// `powerml serve` against slow, greedy and malformed clients, over real sockets on 127.0.0.1:
// slow senders cut off by the whole-request deadline without blocking anyone else, idle
// keep-alive connections closed, connections per client bounded, bad framing and bad
// encodings answered at once with 4xx, every 5xx logged with its cause, the Bearer scheme in
// any case, loopback decided by the resolved address, and memory given back after a burst.
#include "powerml/server/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"

using namespace powerml;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

namespace {

double seconds_since(SteadyClock::time_point t) { return std::chrono::duration<double>(SteadyClock::now() - t).count(); }

int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void send_text(int fd, const std::string& text) { (void)::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

// Everything the server sends until it closes the connection or `timeout_s` passes.
// `closed` says which.
std::string read_until_close(int fd, double timeout_s, bool* closed = nullptr) {
    std::string out;
    const auto until = SteadyClock::now() + std::chrono::duration<double>(timeout_s);
    if (closed) *closed = false;
    while (SteadyClock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - SteadyClock::now()).count());
        if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
        char buf[4096];
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            if (closed) *closed = true;
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// A port nothing listens on (a socket bound to port 0, then closed: a listening probe would
// keep taking connections).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

int status_of(const std::string& response) {
    if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return -1;
    return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
    const auto at = response.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : response.substr(at + 4);
}


// A started server and what it logged.
struct Running {
    std::shared_ptr<std::vector<std::string>> log = std::make_shared<std::vector<std::string>>();
    std::shared_ptr<std::mutex> log_mutex = std::make_shared<std::mutex>();
    std::unique_ptr<server::Server> server;
    int port = 0;

    explicit Running(server::ServerOptions o) {
        o.port = 0;
        o.version = "test";
        auto lines = log;
        auto mutex = log_mutex;
        o.log = [lines, mutex](const std::string& line) {
            std::lock_guard lock(*mutex);
            lines->push_back(line);
        };
        server = std::make_unique<server::Server>(std::move(o), nullptr);
        port = server->start();
    }
    std::vector<std::string> logged() const {
        std::lock_guard lock(*log_mutex);
        return *log;
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(10, 0);
        c.set_connection_timeout(2, 0);
        return c;
    }
};

}  // namespace

// 20 clients sending one byte a second (well inside the 5 s per-read timeout, which alone
// never cut them off) hold 20 connections; another client is answered at once, and each slow
// one gets 408 when its whole-request deadline passes.
TEST(ServerHardeningTest, SlowClientsDoNotBlockOthersAndAreCutOffAtTheDeadline) {
    server::ServerOptions o;
    o.request_deadline_s = 3;
    o.read_timeout_s = 5;
    Running r(o);
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    std::vector<int> slow;
    for (int i = 0; i < 20; ++i) {
        const int fd = connect_to(r.port);
        ASSERT_GE(fd, 0);
        slow.push_back(fd);
    }
    const auto start = SteadyClock::now();
    std::atomic<bool> stop{false};
    std::thread trickle([&] {
        for (std::size_t k = 0; k < request.size() && !stop; ++k) {
            for (const int fd : slow) send_text(fd, request.substr(k, 1));
            for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (const char* path : {"/healthz", "/locations", "/v1/intensity?zone=CY&from=2023-06-01T00:00:00Z&to=2023-06-01T03:00:00Z"}) {
        const auto t = SteadyClock::now();
        auto c = r.client();
        auto res = c.Get(path);
        ASSERT_TRUE(res) << path;
        EXPECT_EQ(res->status, 200) << path;
        EXPECT_LT(seconds_since(t), 1.0) << path << " waited behind the slow clients";
    }
    for (const int fd : slow) {
        bool closed = false;
        const std::string answer = read_until_close(fd, 6.0 - seconds_since(start), &closed);
        EXPECT_EQ(status_of(answer), 408) << answer;
        EXPECT_TRUE(closed);
        EXPECT_NE(body_of(answer).find("not complete within 3 s"), std::string::npos) << answer;
    }
    const double cut_at = seconds_since(start);
    EXPECT_GT(cut_at, 2.5);
    EXPECT_LT(cut_at, 5.0);
    stop = true;
    trickle.join();
    for (const int fd : slow) ::close(fd);
}

TEST(ServerHardeningTest, IdleKeepAliveConnectionsAreClosed) {
    server::ServerOptions o;
    o.idle_timeout_s = 1;
    Running r(o);
    const int fd = connect_to(r.port);
    ASSERT_GE(fd, 0);
    send_text(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const auto t = SteadyClock::now();
    bool closed = false;
    const std::string answer = read_until_close(fd, 4.0, &closed);
    EXPECT_EQ(status_of(answer), 200) << answer;
    EXPECT_TRUE(closed) << "an idle keep-alive connection stayed open";
    EXPECT_GT(seconds_since(t), 0.8);
    EXPECT_LT(seconds_since(t), 2.5);
    ::close(fd);
}

TEST(ServerHardeningTest, ConnectionsPerClientAreBounded) {
    server::ServerOptions o;
    o.max_per_client = 4;
    Running r(o);
    std::vector<int> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(connect_to(r.port));
        send_text(held.back(), "GET /healthz HTTP/1.1\r\n");  // not finished: the connection stays busy
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int extra = connect_to(r.port);
    ASSERT_GE(extra, 0);
    const auto t = SteadyClock::now();
    bool closed = false;
    const std::string answer = read_until_close(extra, 3.0, &closed);
    EXPECT_EQ(status_of(answer), 429) << answer;
    EXPECT_TRUE(closed);
    EXPECT_LT(seconds_since(t), 1.0);
    EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos) << answer;
    ::close(extra);
    // Once one of the four is gone, the client is served again.
    ::close(held.back());
    held.pop_back();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto c = r.client();
    auto res = c.Get("/healthz");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    for (const int fd : held) ::close(fd);
}

// A length that is too large, not a number, negative, doubled, or missing, and chunked
// bodies: answered from the headers alone, at once (the library alone waited for the body
// until its read timed out), and the connection closed (the body was not read).
TEST(ServerHardeningTest, BadFramingIsAnsweredAtOnce) {
    server::ServerOptions o;
    o.max_body_bytes = 4096;
    o.read_timeout_s = 5;
    Running r(o);
    const std::string head = "POST /emissions/forecasts/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    struct Case {
        std::string headers;
        int status;
        std::string words;
    };
    for (const Case& c : {Case{"Content-Length: 99999999999\r\n", 413, "larger than"},
                          Case{"Content-Length: 5000\r\n", 413, "larger than"},
                          Case{"Content-Length: abc\r\n", 400, "not a byte count"},
                          Case{"Content-Length: -1\r\n", 400, "not a byte count"},
                          Case{"Content-Length: 1e3\r\n", 400, "not a byte count"},
                          Case{"Content-Length: 99999999999999999999999\r\n", 400, "not a byte count"},
                          Case{"Content-Length: 5\r\nContent-Length: 6\r\n", 400, "two different"},
                          Case{"Transfer-Encoding: chunked\r\n", 411, "Content-Length"},
                          Case{"", 411, "Content-Length"}}) {
        SCOPED_TRACE(c.headers);
        const int fd = connect_to(r.port);
        ASSERT_GE(fd, 0);
        const auto t = SteadyClock::now();
        send_text(fd, head + c.headers + "\r\n[");  // a body that never completes
        bool closed = false;
        const std::string answer = read_until_close(fd, 4.0, &closed);
        EXPECT_EQ(status_of(answer), c.status) << answer;
        EXPECT_LT(seconds_since(t), 1.0);
        EXPECT_TRUE(closed);
        EXPECT_NE(body_of(answer).find(c.words), std::string::npos) << answer;
        ::close(fd);
    }
    auto c = r.client();
    auto res = c.Get("/healthz");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_TRUE(r.logged().empty());
}

TEST(ServerHardeningTest, InvalidUtf8AndDeepNestingAre400NotA500) {
    server::ServerOptions o;
    o.max_body_bytes = 1 << 20;
    Running r(o);
    auto c = r.client();
    for (const char* path : {"/v1/intensity?zone=caf%E9", "/emissions/bylocation?location=%C3%28", "/emissions/bylocations?locations=CY&x%FF=1",
                             "/v1/runs/%FF%FE", "/v1/intensity?zone=%ED%A0%80"}) {
        auto res = c.Get(path);
        ASSERT_TRUE(res) << path;
        EXPECT_EQ(res->status, 400) << path << ": " << res->body;
        EXPECT_NE(res->body.find("UTF-8"), std::string::npos) << res->body;
        EXPECT_TRUE(json::accept(res->body)) << res->body;
    }
    auto res = c.Post("/emissions/forecasts/batch", std::string("[{\"location\":\"caf\xe9\"}]"), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
    EXPECT_NE(res->body.find("UTF-8"), std::string::npos) << res->body;
    res = c.Post("/v1/plan", std::string("[job]\nname = \"\xff\"\n"), "application/toml");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
    // 100,000 nested arrays: refused by a scan, not by walking it (which would need the stack).
    res = c.Post("/emissions/forecasts/batch", std::string(100000, '[') + std::string(100000, ']'), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
    EXPECT_NE(res->body.find("deeper than"), std::string::npos) << res->body;
    res = c.Post("/v1/plan", "{\"job\":" + std::string(50000, '[') + std::string(50000, ']') + "}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << res->body;
    for (const auto& line : r.logged()) ADD_FAILURE() << "logged: " << line;
}

// A failing source answers 502 and the log says why (the cause, not "see the log").
TEST(ServerHardeningTest, EveryServerSideFailureIsLoggedWithItsCause) {
    // A port nothing listens on: bind one, note it, close it.
    const int dead_port = free_port();
    server::ServerOptions o;
    o.source = "ukgrid";
    o.config.set_flag("provider.ukgrid.base_url", "http://127.0.0.1:" + std::to_string(dead_port));
    o.config.set_flag("carbon.fallback", "live");
    o.config.set_flag("carbon.http_retries", "0");
    o.config.set_flag("carbon.http_timeout_s", "1");
    Running r(o);
    auto c = r.client();
    auto res = c.Get("/v1/intensity?zone=GB&from=2024-01-10T00:00:00Z&to=2024-01-10T03:00:00Z");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 502) << res->body;
    const auto lines = r.logged();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("502 GET /v1/intensity"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("cannot reach ukgrid"), std::string::npos) << lines[0];
}

TEST(ServerHardeningTest, BearerSchemeIsCaseInsensitive) {
    server::ServerOptions o;
    o.token = "0123456789abcdef0123";
    Running r(o);
    auto c = r.client();
    for (const char* good : {"Bearer 0123456789abcdef0123", "bearer 0123456789abcdef0123", "BEARER  0123456789abcdef0123",
                             " bEaReR\t0123456789abcdef0123 "}) {
        auto res = c.Get("/locations", {{"Authorization", good}});
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 200) << good;
    }
    for (const char* bad : {"Basic 0123456789abcdef0123", "Bearer0123456789abcdef0123", "Bearer", "0123456789abcdef0123",
                            "Bearer 0123456789abcdef012", "Bearer 0123456789abcdef0123x"}) {
        auto res = c.Get("/locations", {{"Authorization", bad}});
        ASSERT_TRUE(res);
        EXPECT_EQ(res->status, 401) << bad;
    }
}

TEST(ServerHardeningTest, LoopbackIsDecidedByTheResolvedAddress) {
    for (const char* a : {"127.0.0.1", "127.255.1.2", "::1", "::ffff:127.0.0.1"}) EXPECT_TRUE(server::is_loopback_address(a)) << a;
    for (const char* a : {"0.0.0.0", "10.0.0.1", "128.0.0.1", "::", "::ffff:10.0.0.1", "fe80::1", "127.evil", ""})
        EXPECT_FALSE(server::is_loopback_address(a)) << a;
    // Numeric hosts resolve without any lookup on the network.
    EXPECT_TRUE(server::is_loopback_host("127.0.0.1"));
    EXPECT_TRUE(server::is_loopback_host("::1"));
    EXPECT_TRUE(server::is_loopback_host("[::1]"));
    EXPECT_FALSE(server::is_loopback_host("0.0.0.0"));
    EXPECT_FALSE(server::is_loopback_host("192.0.2.7"));
    // A name that starts like a loopback address but resolves elsewhere, or partly elsewhere,
    // or does not resolve at all, is not loopback.
    const auto fake = [](const std::string& host) -> std::vector<std::string> {
        if (host == "127.0.0.1.attacker.example") return {"203.0.113.5"};
        if (host == "mixed.example") return {"127.0.0.1", "198.51.100.1"};
        if (host == "local.example") return {"127.0.0.1", "::1"};
        return {};
    };
    EXPECT_FALSE(server::is_loopback_host("127.0.0.1.attacker.example", fake));
    EXPECT_FALSE(server::is_loopback_host("mixed.example", fake));
    EXPECT_FALSE(server::is_loopback_host("127.nothing", fake));
    EXPECT_TRUE(server::is_loopback_host("local.example", fake));

    server::ServerOptions o;
    o.port = 0;
    o.host = "192.0.2.7";
    try {
        server::Server s(o, nullptr);
        ADD_FAILURE() << "a non-loopback address without a token must be refused";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("without a token"), std::string::npos) << e.what();
    }
}

// 32 clients each posting a 100-item batch at once to a real `powerml serve` process: all
// are answered, at most --heavy-requests are computed together, and the memory the burst
// took is given back afterwards (RSS of the server process, from /proc).
TEST(ServerHardeningTest, MemoryFallsBackAfterABurstOfBatches) {
    const int port = free_port();
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const std::string p = std::to_string(port);
        ::execl(POWERML_BINARY, "powerml", "serve", "--host", "127.0.0.1", "--port", p.c_str(), "--no-sampler",
                "--heavy-requests", "4", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    struct Reap {  // the server goes, whatever the test's outcome
        pid_t pid;
        ~Reap() {
            ::kill(pid, SIGTERM);
            int st = 0;
            ::waitpid(pid, &st, 0);
        }
    } reap{pid};
    const auto rss = [pid] {
        std::ifstream status("/proc/" + std::to_string(pid) + "/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
        return -1L;
    };
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
        auto res = c.Get("/healthz");
        up = res && res->status == 200;
        if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_TRUE(up) << "powerml serve did not start";
    // 100 forecasts over a week each, as the burst: large answers and parsed bodies.
    const auto batch = [](int k) {
        json items = json::array();
        for (int i = 0; i < 100; ++i) {
            const int day = 1 + (k * 7 + i) % 20;
            items.push_back({{"location", i % 2 ? "DE" : "FR"},
                             {"requestedAt", fmt::format("2023-05-{:02}T00:00:00Z", day)},  // required by the SDK
                             {"dataStartAt", fmt::format("2023-05-{:02}T00:00:00Z", day)},
                             {"dataEndAt", fmt::format("2023-05-{:02}T00:00:00Z", day + 7)},
                             {"windowSize", 60}});
        }
        return items.dump();
    };
    auto res = c.Post("/emissions/forecasts/batch", batch(0), "application/json");  // warm up: caches, data
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body.substr(0, 300);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const long before = rss();
    std::atomic<long> peak{before};
    std::atomic<bool> done{false};
    std::thread sampler([&] {
        while (!done) {
            peak = std::max(peak.load(), rss());
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    std::atomic<int> ok{0};
    std::vector<std::thread> clients;
    for (int k = 0; k < 32; ++k)
        clients.emplace_back([&, k] {
            httplib::Client one("127.0.0.1", port);
            one.set_read_timeout(60, 0);
            // A 503 (all heavy slots busy, as on a loaded machine) says Retry-After: the
            // client retries, as real ones do (the batch is a query); the burst is still 32
            // batches in flight at once.
            for (int attempt = 0; attempt < 50; ++attempt) {
                auto r = one.Post("/emissions/forecasts/batch", batch(k), "application/json");
                if (r && r->status == 200) {
                    ++ok;
                    return;
                }
                if (r && r->status != 503) return;  // a real failure: counted by `ok`
                // No answer: the server closed a kept-alive connection after a 503; a new one is made.
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        });
    for (auto& t : clients) t.join();
    done = true;
    sampler.join();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long after = rss();
    EXPECT_EQ(ok, 32);
    std::printf("powerml serve RSS before %ld KiB, peak %ld KiB, after %ld KiB\n", before, peak.load(), after);
    // Given back: at most a quarter of what the burst added stays resident (and 16 MiB of
    // slack for the series cache, which keeps what the burst fetched by design).
    EXPECT_LE(after - before, std::max<long>(16 * 1024, (peak - before) / 4))
        << "before " << before << " KiB, peak " << peak << " KiB, after " << after << " KiB";
}
