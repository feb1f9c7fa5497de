// No credential leaves through a provider's answer: a fake provider on 127.0.0.1 echoes the
// whole request (target, headers) in its error pages and answers, and the key must appear
// nowhere in the messages, the fallback note, nor `powerml intensity`'s stdout and stderr.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "local_server.hpp"
#include "powerml/core/redactor.hpp"
#include "powerml/carbon/sources.hpp"
#include "powerml/core/error.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::carbon;

namespace {

// Keys with characters that percent-encoding changes, so the encoded echo is tested too.
const std::string k_em_key = "em-SECRET+key/4f9a8b7c6d5e";
const std::string k_entsoe_key = "ent+SECRET/token=42xyzzy";
const std::string k_wt_user = "alice";
const std::string k_wt_password = "wt-PASSWORD-998877";
const std::string k_wt_token = "wt-TOKEN-abcdef123456";
// base64("alice:wt-PASSWORD-998877"), what a Basic header carries.
const std::string k_wt_basic = "YWxpY2U6d3QtUEFTU1dPUkQtOTk4ODc3";

// Every spelling of a secret an echo could carry.
std::vector<std::string> spellings(const std::string& secret) {
    std::string encoded;
    for (const unsigned char c : secret) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') encoded += static_cast<char>(c);
        else encoded += fmt::format("%{:02X}", c);
    }
    std::string lower = encoded;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The part of the key that no ordinary text holds.
    return {secret, encoded, lower, "SECRET", "PASSWORD", "TOKEN-abc"};
}

void expect_clean(const std::string& text, const std::vector<std::string>& secrets, const std::string& where) {
    for (const auto& secret : secrets)
        for (const auto& s : spellings(secret))
            EXPECT_EQ(text.find(s), std::string::npos) << where << " leaks '" << s << "':\n" << text;
}

// What the request looked like, as a careless provider would print it back.
std::string echo(const httplib::Request& req) {
    std::string text = "Bad request: " + req.method + " " + req.target + " ?securityToken=" +
                       (req.params.count("securityToken") ? req.params.find("securityToken")->second : "") + "\n";
    for (const auto& [name, value] : req.headers) text += name + ": " + value + "\n";
    return text;
}

struct EchoProvider {
    test::LocalServer srv;
    std::atomic<int> status{400};
    EchoProvider() {
        srv.server.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
            if (req.path == "/login") {  // WattTime: the login works, the data call echoes
                if (status == 401) {
                    res.status = 400;
                    res.set_content(echo(req), "text/plain");
                    return;
                }
                res.set_content(nlohmann::json{{"token", k_wt_token}}.dump(), "application/json");
                return;
            }
            res.status = status;
            if (status == 200) {
                // A 200 whose body is not data but the echo, in the ENTSO-E refusal shape too.
                res.set_content("<Acknowledgement_MarketDocument><Reason><code>999</code><text>" + echo(req) +
                                    "</text></Reason></Acknowledgement_MarketDocument>",
                                "application/xml");
            } else {
                res.set_content(echo(req), "text/plain");
            }
        });
        srv.start();
    }
};

Config config_for(const std::string& base, const test::TempDir& dir) {
    Config c;
    c.set_flag("provider.electricitymaps.base_url", base);
    c.set_flag("provider.electricitymaps.key", k_em_key);
    c.set_flag("provider.entsoe.base_url", base);
    c.set_flag("provider.entsoe.key", k_entsoe_key);
    c.set_flag("provider.watttime.base_url", base);
    c.set_flag("provider.watttime.user", k_wt_user);
    c.set_flag("provider.watttime.key", k_wt_password);
    c.set_flag("carbon.cache_path", (dir.path() / "cache.sqlite").string());
    c.set_flag("carbon.http_retries", "0");
    return c;
}

const std::vector<std::string> k_all = {k_em_key, k_entsoe_key, k_wt_password, k_wt_token, k_wt_basic};

}  // namespace

TEST(RedactorTest, PatternsAndKnownSecrets) {
    Redactor r;
    r.add_secret("s3cr3t/value-1234");
    const std::string text =
        "GET /api?documentType=A75&securityToken=abcdef123456&in_Domain=X auth-token: zzzzzz999 "
        "{\"password\":\"hunter2hunter2\"} Authorization: Bearer eyJhbGciOi.xyz https://bob:pw1234@example.com/x "
        "sent bearer qwertyuiop12 key=k-123456 POWERML_PROVIDER_ENTSOE_KEY=zyx987654 s3cr3t/value-1234 "
        "s3cr3t/value-1234 percent s3cr3t%2Fvalue-1234 s3cr3t%2fvalue-1234 s3cr3t\\/value-1234 token%3Dtok555666777";
    const std::string out = r.scrub(text);
    for (const char* leaked : {"abcdef123456", "zzzzzz999", "hunter2hunter2", "eyJhbGciOi", "pw1234", "qwertyuiop12",
                               "k-123456", "zyx987654", "s3cr3t", "tok555666777"})
        EXPECT_EQ(out.find(leaked), std::string::npos) << leaked << " in " << out;
    // What is not a credential stays.
    for (const char* kept : {"documentType=A75", "in_Domain=X", "example.com/x", "GET /api", "percent"})
        EXPECT_NE(out.find(kept), std::string::npos) << kept << " lost from " << out;
    // A known secret written as a parameter is replaced once, its mark kept whole.
    EXPECT_EQ(r.scrub("password=s3cr3t/value-1234 next"), "password=[redacted] next");
    // Ordinary prose is left alone.
    const std::string prose = "the key is valid but not allowed this zone; check provider.entsoe.key or POWERML_PROVIDER_ENTSOE_KEY";
    EXPECT_EQ(Redactor().scrub(prose), prose);

    // Secrets from a request: auth-named query values (raw and decoded), auth headers (with
    // and without the scheme word) and the Basic pair in base64.
    Redactor req;
    req.add_request("/x?zone=DE&securityToken=a%2Bb%2Fcdefgh&start=1", {{"Authorization", "Bearer tok-0123456789"}},
                    k_wt_user, k_wt_password);
    std::string body = "echo a+b/cdefgh a%2Bb%2Fcdefgh tok-0123456789 " + k_wt_basic + " " + k_wt_password + " zone=DE";
    EXPECT_TRUE(req.scrub_secrets_in_place(body));
    for (const char* leaked : {"cdefgh", "tok-0123456789", "YWxpY2U6", "PASSWORD"})
        EXPECT_EQ(body.find(leaked), std::string::npos) << leaked << " in " << body;
    EXPECT_NE(body.find("zone=DE"), std::string::npos);
    EXPECT_TRUE(Redactor::is_auth_name("securityToken"));
    EXPECT_TRUE(Redactor::is_auth_name("X-Auth-Token"));
    EXPECT_FALSE(Redactor::is_auth_name("zone"));
    EXPECT_FALSE(Redactor::is_auth_name("documentType"));
}

// Each provider, each way an echo can come back (error page, 200 refusal, login failure):
// the Error never holds a credential, and the fallback note the embedded data answers with
// does not either.
TEST(RedactionTest, EchoingProviderNeverLeaksAKey) {
    EchoProvider fake;
    test::TempDir dir;
    Config config = config_for(fake.srv.url(), dir);
    config.set_flag("carbon.fallback", "live,embedded");
    const UtcMillis from = parse_rfc3339("2024-01-10T00:00:00Z"), to = from + 3 * 3'600'000;
    struct Case {
        std::string spec, zone;
        int status;
    };
    for (const Case& c : {Case{"electricitymaps", "DE", 400}, Case{"electricitymaps", "DE", 200}, Case{"entsoe", "DE", 400},
                          Case{"entsoe", "DE", 200}, Case{"watttime", "CAISO_NORTH", 400},
                          Case{"watttime", "CAISO_NORTH", 401}, Case{"watttime", "CAISO_NORTH", 200}}) {
        SCOPED_TRACE(c.spec + " answering " + std::to_string(c.status));
        fake.status = c.status;
        const int before = fake.srv.requests;
        try {
            make_provider(c.spec, config)->fetch(c.zone, from, to);
            ADD_FAILURE() << "the echo was taken for data";
        } catch (const Error& e) {
            expect_clean(e.what(), k_all, "the provider's error");
        }
        EXPECT_GT(fake.srv.requests, before);  // the request really went out
        if (c.zone == "DE") {
            const auto s = fetch_series(c.spec, c.zone, from, to, config);
            EXPECT_EQ(s.answered_by, "embedded");
            EXPECT_NE(s.note.find("live failed"), std::string::npos) << s.note;
            expect_clean(s.note, k_all, "the fallback note");
        }
    }
    // The echo is quoted (what the provider said is useful), only the credentials are gone.
    fake.status = 400;
    try {
        make_provider("electricitymaps", config)->fetch("DE", from, to);
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("HTTP 400"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("[redacted]"), std::string::npos) << e.what();
    }
}

// The same through the CLI, as a user sees it: stdout and stderr, answered and failed.
TEST(RedactionTest, IntensityCommandOutputHasNoKey) {
    EchoProvider fake;
    test::TempDir dir;
    const std::map<std::string, std::string> env = {
        {"XDG_CONFIG_HOME", (dir.path() / "config").string()},
        {"XDG_DATA_HOME", (dir.path() / "data").string()},
        {"XDG_CACHE_HOME", (dir.path() / "cache").string()},
        {"POWERML_PROVIDER_ELECTRICITYMAPS_BASE_URL", fake.srv.url()},
        {"POWERML_PROVIDER_ELECTRICITYMAPS_KEY", k_em_key},
        {"POWERML_PROVIDER_ENTSOE_BASE_URL", fake.srv.url()},
        {"POWERML_PROVIDER_ENTSOE_KEY", k_entsoe_key},
        {"POWERML_CARBON_HTTP_RETRIES", "0"},
    };
    for (const std::string source : {"electricitymaps", "entsoe"}) {
        for (const int status : {400, 200}) {
            fake.status = status;
            for (const std::string format : {"text", "json"}) {
                const auto r = test::run_powerml({"intensity", "--zone", "DE", "--from", "2024-01-10T00:00:00Z", "--to",
                                                  "2024-01-10T03:00:00Z", "--source", source, "--format", format},
                                                 env);
                SCOPED_TRACE(source + " " + std::to_string(status) + " " + format);
                EXPECT_EQ(r.exit_code, 0) << r.err;
                EXPECT_NE(r.out.find("live failed"), std::string::npos) << r.out;
                expect_clean(r.out, k_all, "stdout");
                expect_clean(r.err, k_all, "stderr");
            }
            // No fallback: the failure itself is the message.
            auto strict = env;
            strict["POWERML_CARBON_FALLBACK"] = "live";
            const auto r = test::run_powerml({"intensity", "--zone", "DE", "--from", "2024-01-10T00:00:00Z", "--to",
                                              "2024-01-10T03:00:00Z", "--source", source},
                                             strict);
            EXPECT_NE(r.exit_code, 0);
            EXPECT_NE(r.err.find(source), std::string::npos) << r.err;
            expect_clean(r.out, k_all, "stdout");
            expect_clean(r.err, k_all, "stderr");
        }
    }
}
