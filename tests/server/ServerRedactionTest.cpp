// `powerml serve` with a live source whose error pages echo the request: the provider's key
// is in none of the JSON answers (fallback note or error detail) nor in the server's log.
#include "powerml/server/server.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "carbon/local_server.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

namespace {

const std::string k_entsoe_key = "ent+SECRET/token=42xyzzy";
const std::string k_em_key = "em-SECRET+key/4f9a8b7c6d5e";

std::string echo(const httplib::Request& req) {
    std::string text = "Bad request: " + req.method + " " + req.target + "\n";
    for (const auto& [name, value] : req.headers) text += name + ": " + value + "\n";
    for (const auto& [name, value] : req.params) text += "param " + name + "=" + value + "\n";
    return text;
}

void expect_no_key(const std::string& text, const std::string& where) {
    for (const char* piece : {"SECRET", "42xyzzy", "4f9a8b7c6d5e", "ent%2B", "em-SECRET"})
        EXPECT_EQ(text.find(piece), std::string::npos) << where << " leaks '" << piece << "':\n" << text;
}

}  // namespace

TEST(ServerRedactionTest, AnswersAndLogCarryNoProviderKey) {
    test::LocalServer fake;
    std::atomic<int> status{400};
    fake.server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
        res.status = status;
        if (status == 200)
            res.set_content("<Acknowledgement_MarketDocument><Reason><text>" + echo(req) + "</text></Reason></Acknowledgement_MarketDocument>",
                            "application/xml");
        else
            res.set_content(echo(req), "text/plain");
    });
    fake.start();
    test::TempDir dir;
    for (const std::string source : {"entsoe", "electricitymaps"}) {
        for (const std::string fallback : {"live,embedded", "live"}) {
            for (const int answer : {400, 200}) {
                SCOPED_TRACE(source + " " + fallback + " " + std::to_string(answer));
                status = answer;
                server::ServerOptions o;
                o.port = 0;
                o.source = source;
                o.config.set_flag("provider.entsoe.base_url", fake.url());
                o.config.set_flag("provider.entsoe.key", k_entsoe_key);
                o.config.set_flag("provider.electricitymaps.base_url", fake.url());
                o.config.set_flag("provider.electricitymaps.key", k_em_key);
                o.config.set_flag("carbon.fallback", fallback);
                o.config.set_flag("carbon.http_retries", "0");
                o.config.set_flag("carbon.cache_path", (dir.path() / "cache.sqlite").string());
                auto lines = std::make_shared<std::vector<std::string>>();
                auto mutex = std::make_shared<std::mutex>();
                o.log = [lines, mutex](const std::string& l) {
                    std::lock_guard lock(*mutex);
                    lines->push_back(l);
                };
                server::Server srv(std::move(o), nullptr);
                const int port = srv.start();
                httplib::Client c("127.0.0.1", port);
                c.set_read_timeout(20, 0);
                const int before = fake.requests;
                for (const char* path : {"/v1/intensity?zone=DE&from=2024-01-10T00:00:00Z&to=2024-01-10T03:00:00Z",
                                         "/emissions/bylocation?location=DE&time=2024-01-10T01:00:00Z",
                                         "/emissions/average-carbon-intensity?location=DE&startTime=2024-01-11T00:00:00Z&endTime=2024-01-11T02:00:00Z"}) {
                    auto res = c.Get(path);
                    ASSERT_TRUE(res) << path;
                    if (fallback == "live") {
                        EXPECT_GE(res->status, 400) << res->body;
                    } else {
                        EXPECT_EQ(res->status, 200) << res->body;
                    }
                    expect_no_key(res->body, path);
                }
                auto res = c.Post("/emissions/average-carbon-intensity/batch",
                                  R"([{"location":"DE","startTime":"2024-01-12T00:00:00Z","endTime":"2024-01-12T02:00:00Z"}])",
                                  "application/json");
                ASSERT_TRUE(res);
                expect_no_key(res->body, "batch");
                EXPECT_GT(fake.requests, before);  // the provider was really asked
                std::lock_guard lock(*mutex);
                for (const auto& l : *lines) expect_no_key(l, "the log");
                if (fallback == "live") {
                    EXPECT_FALSE(lines->empty()) << "a 502 was not logged";
                }
            }
        }
    }
}
