#pragma once
// Strips credentials from text that came from, or describes a request to, a service with
// credentials: a grid-data provider's error pages that echo the request (URL, headers),
// answers, notes and messages; a team run store's connection string and libpq's errors.
// Two kinds of removal:
//  - known secrets (the key, token, password, the Basic credentials a request carried), in
//    their raw, percent-encoded and JSON-escaped spellings, wherever they appear;
//  - anything written as an auth parameter or header: `auth-token: X`, `securityToken=X`,
//    `token=X`, `key=X`, `password=X`, `Authorization: Bearer X`, `"api_key": "X"`, a
//    stray `Bearer X`, and `user:pass@` in a URL. The value becomes "[redacted]".
// HttpClient applies it to every message and body it hands back; fetch_series applies it
// again with the keys in the configuration, so no provider can forget; the run store applies
// it to every PostgreSQL location it shows.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace powerml {

class Redactor {
public:
    static constexpr std::string_view k_mark = "[redacted]";
    // Secrets shorter than this are too likely to occur as ordinary text to be replaced
    // verbatim; the parameter patterns still remove them.
    static constexpr std::size_t k_min_secret = 6;

    Redactor() = default;

    void add_secret(std::string_view value);
    // The secrets a request carries: values of auth-named query parameters and headers (a
    // header's scheme word such as "Bearer" is kept apart), the Basic user:password pair and
    // its base64 form.
    void add_request(std::string_view path_and_query, const std::map<std::string, std::string>& headers,
                     std::string_view basic_user = {}, std::string_view basic_password = {});

    // Known secrets and every auth-parameter pattern replaced. For messages and notes.
    std::string scrub(std::string_view text) const;
    // Known secrets only, in place (no pattern: safe on data such as a provider's answer,
    // where a field called "key" may be legitimate). Returns whether anything was replaced.
    bool scrub_secrets_in_place(std::string& text) const;

    // Whether `name` (a query parameter, header or field name) carries a credential.
    static bool is_auth_name(std::string_view name);
    bool empty() const { return m_secrets.empty(); }

private:
    std::vector<std::string> m_secrets;  // every spelling, longest first
};

}  // namespace powerml
