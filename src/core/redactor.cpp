#include "powerml/core/redactor.hpp"

#include <algorithm>
#include <cctype>

#include "powerml/core/percent_encoding.hpp"

namespace powerml {

namespace {

// Lower case, longest first so "auth-token" wins over "token" at the same place.
constexpr std::string_view k_auth_names[] = {
    "proxy-authorization", "authorization", "security_token", "securitytoken", "refresh_token", "client_secret",
    "access_token",        "x-api-key",     "auth-token",     "auth_token",    "set-cookie",    "authtoken",
    "password",            "api_key",       "api-key",        "apikey",        "passwd",        "secret",
    "cookie",              "token",         "auth",           "pwd",           "sig",           "key"};

// Substrings that make a parameter or header name a credential.
constexpr std::string_view k_auth_fragments[] = {"token", "key", "secret", "passw", "auth", "cookie", "signature", "credential"};

// Scheme words written before a credential in an Authorization value.
constexpr std::string_view k_schemes[] = {"bearer", "basic", "token", "digest", "apikey"};

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool starts_with_ci(std::string_view text, std::size_t at, std::string_view word) {
    if (at + word.size() > text.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
        if (lower(text[at + i]) != word[i]) return false;
    return true;
}

std::string lower_copy(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool ends_value(std::string_view text, std::size_t i) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) return true;
    switch (c) {
        case '&': case '"': case '\'': case '<': case '>': case ',': case ';': case ')': case '}': case ']':
        case '\\': case '#':
            return true;
        case '%':  // an encoded '&', space or quote inside an echoed URL
            return starts_with_ci(text, i, "%26") || starts_with_ci(text, i, "%20") || starts_with_ci(text, i, "%22");
        default: return false;
    }
}

std::size_t value_end(std::string_view text, std::size_t from) {
    std::size_t i = from;
    while (i < text.size() && !ends_value(text, i)) ++i;
    return i;
}

// A scheme word ("Bearer ") at `at` followed by spaces: where the credential starts, or npos.
std::size_t after_scheme(std::string_view text, std::size_t at, bool bearer_or_basic_only = false) {
    for (const auto scheme : k_schemes) {
        if (bearer_or_basic_only && scheme != "bearer" && scheme != "basic") continue;
        if (!starts_with_ci(text, at, scheme)) continue;
        std::size_t k = at + scheme.size();
        if (k >= text.size() || text[k] != ' ') continue;
        while (k < text.size() && text[k] == ' ') ++k;
        return k;
    }
    return std::string_view::npos;
}

std::string percent_encoded(std::string_view s, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

std::string json_escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c == '/' || c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string base64(std::string_view s) {
    static constexpr char k_table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < s.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                           static_cast<unsigned char>(s[i + 2]);
        out += k_table[(v >> 18) & 63];
        out += k_table[(v >> 12) & 63];
        out += k_table[(v >> 6) & 63];
        out += k_table[v & 63];
    }
    if (i + 1 == s.size()) {
        const unsigned v = static_cast<unsigned char>(s[i]) << 16;
        out += k_table[(v >> 18) & 63];
        out += k_table[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == s.size()) {
        const unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8);
        out += k_table[(v >> 18) & 63];
        out += k_table[(v >> 12) & 63];
        out += k_table[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

}  // namespace

bool Redactor::is_auth_name(std::string_view name) {
    const std::string n = lower_copy(name);
    for (const auto word : k_auth_names)
        if (n == word) return true;
    for (const auto fragment : k_auth_fragments)
        if (n.find(fragment) != std::string::npos) return true;
    return false;
}

void Redactor::add_secret(std::string_view value) {
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    if (value.size() < k_min_secret) return;
    for (std::string spelling : {std::string(value), percent_encoded(value, true), percent_encoded(value, false),
                                 json_escaped(value)}) {
        if (std::find(m_secrets.begin(), m_secrets.end(), spelling) == m_secrets.end())
            m_secrets.push_back(std::move(spelling));
    }
    std::sort(m_secrets.begin(), m_secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    // A header value "Bearer X" is also added for X alone.
    if (const std::size_t k = after_scheme(value, 0); k != std::string_view::npos) add_secret(value.substr(k));
}

void Redactor::add_request(std::string_view path_and_query, const std::map<std::string, std::string>& headers,
                           std::string_view basic_user, std::string_view basic_password) {
    if (const std::size_t q = path_and_query.find('?'); q != std::string_view::npos) {
        std::string_view rest = path_and_query.substr(q + 1);
        while (!rest.empty()) {
            const std::size_t amp = rest.find('&');
            const std::string_view pair = rest.substr(0, amp);
            const std::size_t eq = pair.find('=');
            if (eq != std::string_view::npos && is_auth_name(percent_decoded(pair.substr(0, eq), true))) {
                add_secret(pair.substr(eq + 1));
                add_secret(percent_decoded(pair.substr(eq + 1), true));
            }
            if (amp == std::string_view::npos) break;
            rest.remove_prefix(amp + 1);
        }
    }
    for (const auto& [name, value] : headers)
        if (is_auth_name(name)) add_secret(value);
    if (!basic_password.empty()) {
        add_secret(basic_password);
        const std::string pair = std::string(basic_user) + ":" + std::string(basic_password);
        add_secret(pair);
        add_secret(base64(pair));
    }
}

bool Redactor::scrub_secrets_in_place(std::string& text) const {
    bool changed = false;
    for (const auto& secret : m_secrets) {
        std::size_t at = 0;
        while ((at = text.find(secret, at)) != std::string::npos) {
            text.replace(at, secret.size(), k_mark);
            at += k_mark.size();
            changed = true;
        }
    }
    return changed;
}

std::string Redactor::scrub(std::string_view input) const {
    std::string text(input);
    scrub_secrets_in_place(text);
    std::string out;
    out.reserve(text.size());
    const std::string_view s = text;
    std::size_t i = 0;
    while (i < s.size()) {
        const bool boundary = i == 0 || !alnum(s[i - 1]);
        if (boundary) {
            // name [quote] [spaces] (= | : | %3D | %3A) [spaces] [quote] [scheme] VALUE
            bool done = false;
            for (const auto name : k_auth_names) {
                if (!starts_with_ci(s, i, name)) continue;
                std::size_t k = i + name.size();
                if (k < s.size() && (alnum(s[k]) || s[k] == '_' || s[k] == '-')) continue;
                if (k + 1 < s.size() && s[k] == '\\' && (s[k + 1] == '"' || s[k + 1] == '\'')) k += 2;
                else if (k < s.size() && (s[k] == '"' || s[k] == '\'')) ++k;
                while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
                if (k < s.size() && (s[k] == '=' || s[k] == ':')) ++k;
                else if (starts_with_ci(s, k, "%3d") || starts_with_ci(s, k, "%3a")) k += 3;
                else continue;
                while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
                if (k + 1 < s.size() && s[k] == '\\' && (s[k + 1] == '"' || s[k + 1] == '\'')) k += 2;
                else if (k < s.size() && (s[k] == '"' || s[k] == '\'')) ++k;
                if (const std::size_t v = after_scheme(s, k); v != std::string_view::npos) k = v;
                // A known secret already replaced here: keep the mark whole ("[redacted]", not
                // "[redacted]]", the value rule stopping at its ']').
                if (s.compare(k, k_mark.size(), k_mark) == 0) continue;
                const std::size_t end = value_end(s, k);
                if (end == k) continue;
                out.append(s.substr(i, k - i));
                out.append(k_mark);
                i = end;
                done = true;
                break;
            }
            if (done) continue;
            // A stray "Bearer X" / "Basic X" (X of 8 characters or more).
            if (const std::size_t v = after_scheme(s, i, true); v != std::string_view::npos) {
                const std::size_t end = value_end(s, v);
                if (end - v >= 8) {
                    out.append(s.substr(i, v - i));
                    out.append(k_mark);
                    i = end;
                    continue;
                }
            }
        }
        // user:password@ in a URL.
        if (s.compare(i, 3, "://") == 0) {
            std::size_t k = i + 3;
            while (k < s.size() && s[k] != '@' && s[k] != '/' && !std::isspace(static_cast<unsigned char>(s[k])) &&
                   s[k] != '"' && s[k] != '\'' && s[k] != '<' && s[k] != '>')
                ++k;
            if (k < s.size() && s[k] == '@' && k > i + 3) {
                out.append("://");
                out.append(k_mark);
                i = k;
                continue;
            }
        }
        out += s[i];
        ++i;
    }
    return out;
}

}  // namespace powerml
