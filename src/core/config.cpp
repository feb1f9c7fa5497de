#include "powerml/core/config.hpp"

#include <cctype>
#include <cstdlib>
#include <functional>
#include <string_view>

#include <toml++/toml.h>

#include "powerml/core/error.hpp"

namespace powerml {

namespace {

std::string scalar_text(const toml::node& node) {
    if (auto s = node.value<std::string>()) return *s;
    if (node.is_integer()) return std::to_string(*node.value<std::int64_t>());
    if (auto d = node.value<double>()) {
        std::string text = std::to_string(*d);
        return text;
    }
    if (auto b = node.value<bool>()) return *b ? "true" : "false";
    return {};
}

void flatten(const toml::table& table, const std::string& prefix,
             const std::function<void(const std::string&, const std::string&)>& put) {
    for (const auto& [key, node] : table) {
        const std::string full = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
        if (const auto* sub = node.as_table()) {
            flatten(*sub, full, put);
        } else if (!node.is_array()) {
            put(full, scalar_text(node));
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
    toml::table table;
    try {
        table = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        throw Error(file.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                    std::string(e.description()));
    }
    flatten(table, "", [this](const std::string& k, const std::string& v) { put(k, v, Origin::file); });
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
    if (!file.empty() && std::filesystem::exists(file)) config.load_file(file);
    config.load_env();
    return config;
}

}  // namespace powerml
