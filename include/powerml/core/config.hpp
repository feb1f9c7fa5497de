#pragma once
// Configuration with one precedence: built-in default < TOML file < env POWERML_* < flag.
// Keys are dotted ("measure.interval_ms", "provider.electricitymaps.key"). The env name of a
// key is POWERML_ + upper-cased key with '.' -> '_' (POWERML_MEASURE_INTERVAL_MS).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace powerml {

class Config {
public:
    enum class Origin { default_value, file, env, flag };

    void set_default(const std::string& key, const std::string& value);
    // Flattens every table of a TOML file into dotted keys. Throws Error with file and line,
    // and for a value that is not a string, number or boolean (nothing is dropped silently);
    // on an error nothing of the file is taken. Files over 1 MiB are refused.
    void load_file(const std::filesystem::path& file);
    // The same for TOML text; `origin` names it in messages.
    void load_text(std::string_view text, const std::string& origin);
    // Picks up POWERML_* for keys already known (defaults or file) and for `extra_keys`.
    void load_env();
    void set_flag(const std::string& key, const std::string& value);

    std::optional<std::string> get(const std::string& key) const;
    std::string get_or(const std::string& key, const std::string& fallback) const;
    double get_double(const std::string& key, double fallback) const;  // Throws on bad number.
    std::optional<Origin> origin(const std::string& key) const;
    // Default config file: $POWERML_CONFIG, else $XDG_CONFIG_HOME/powerml/config.toml.
    static std::filesystem::path default_file();
    // The user's configuration: default_file() when it exists, then the environment.
    static Config load_user();

    static std::string env_name(const std::string& key);

private:
    struct Entry {
        std::string value;
        Origin origin;
    };
    void put(const std::string& key, const std::string& value, Origin origin);
    std::map<std::string, Entry> m_entries;
};

}  // namespace powerml
