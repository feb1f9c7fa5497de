#include "powerml/core/config.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml {

namespace {

constexpr std::size_t k_max_config_bytes = 1 << 20;

[[noreturn]] void bad_value(const std::string& origin, const toml::node& node, const std::string& key, const char* why) {
    throw Error(fmt::format("{}:{}: {}: {}", origin, node.source().begin.line, key, why));
}

// Every value the configuration holds is one string, number or boolean. Anything else (an
// array, a date) is an error naming the key: dropping it silently would drop what it set
// (a pinned power model, a provider key) without a word.
std::string scalar_text(const toml::node& node, const std::string& key, const std::string& origin) {
    if (auto s = node.value_exact<std::string>()) return *s;
    if (auto i = node.value_exact<std::int64_t>()) return std::to_string(*i);
    if (auto d = node.value_exact<double>()) {
        if (!std::isfinite(*d)) bad_value(origin, node, key, "not a finite number");
        return fmt::format("{}", *d);  // shortest text that reads back the same (to_string kept 6 decimals)
    }
    if (auto b = node.value_exact<bool>()) return *b ? "true" : "false";
    if (node.is_array()) bad_value(origin, node, key, "a list is not a setting PowerML reads (give one value)");
    bad_value(origin, node, key, "give a string, a number or true/false");
}

void flatten(const toml::table& table, const std::string& prefix, const std::string& origin,
             const std::function<void(const std::string&, const std::string&)>& put) {
    for (const auto& [key, node] : table) {
        const std::string full = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
        if (const auto* sub = node.as_table()) {
            flatten(*sub, full, origin, put);
        } else {
            put(full, scalar_text(node, full, origin));
        }
    }
}

}  // namespace

std::string Config::env_name(const std::string& key) {
    std::string name = "POWERML_";
    for (const char c : key) name += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

void Config::put(const std::string& key, const std::string& value, Origin origin) {
    auto it = m_entries.find(key);
    if (it == m_entries.end() || static_cast<int>(origin) >= static_cast<int>(it->second.origin)) {
        m_entries[key] = Entry{value, origin};
    }
}

void Config::set_default(const std::string& key, const std::string& value) { put(key, value, Origin::default_value); }

void Config::load_file(const std::filesystem::path& file) {
    load_text(paths::read_input_file(file, k_max_config_bytes, "configuration file"), file.string());
}

void Config::load_text(std::string_view text, const std::string& origin) {
    toml::table table;
    try {
        table = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw Error(origin + ":" + std::to_string(e.source().begin.line) + ": " + std::string(e.description()) +
                    " (fix the file or move it away; POWERML_CONFIG names another)");
    }
    // All or nothing: a file with one bad value changes nothing.
    std::vector<std::pair<std::string, std::string>> values;
    flatten(table, "", origin, [&](const std::string& k, const std::string& v) { values.emplace_back(k, v); });
    for (const auto& [k, v] : values) put(k, v, Origin::file);
}

void Config::load_env() {
    for (auto& [key, entry] : m_entries) {
        if (const char* value = std::getenv(env_name(key).c_str()); value != nullptr) {
            if (static_cast<int>(Origin::env) >= static_cast<int>(entry.origin)) entry = Entry{value, Origin::env};
        }
    }
}

void Config::set_flag(const std::string& key, const std::string& value) { put(key, value, Origin::flag); }

std::optional<std::string> Config::get(const std::string& key) const {
    auto it = m_entries.find(key);
    if (it != m_entries.end()) return it->second.value;
    // A key nobody declared can still come from the environment.
    if (const char* value = std::getenv(env_name(key).c_str()); value != nullptr) return std::string(value);
    return std::nullopt;
}

std::string Config::get_or(const std::string& key, const std::string& fallback) const {
    return get(key).value_or(fallback);
}

double Config::get_double(const std::string& key, double fallback) const {
    const auto text = get(key);
    if (!text) return fallback;
    try {
        std::size_t used = 0;
        const double value = std::stod(*text, &used);
        if (used != text->size()) throw std::invalid_argument("trailing");
        return value;
    } catch (const std::exception&) {
        throw Error("configuration " + key + " = '" + *text + "' is not a number");
    }
}

std::optional<Config::Origin> Config::origin(const std::string& key) const {
    auto it = m_entries.find(key);
    if (it == m_entries.end()) return std::nullopt;
    return it->second.origin;
}

std::filesystem::path Config::default_file() {
    if (const char* explicit_file = std::getenv("POWERML_CONFIG"); explicit_file && *explicit_file) return explicit_file;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "powerml" / "config.toml";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".config" / "powerml" / "config.toml";
    return {};
}

Config Config::load_user() {
    Config config;
    const auto file = default_file();
    std::error_code ec;
    if (!file.empty() && std::filesystem::exists(file, ec)) config.load_file(file);
    config.load_env();
    return config;
}

}  // namespace powerml
