#pragma once
// Small private helpers shared by the file-based hardware sensors (hwmon, jetson, rapl_perf).
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "powerml/core/paths.hpp"

namespace powerml::sensors::detail {

// Reads a file and strips trailing whitespace; false when it cannot be read.
inline bool read_trimmed(const std::filesystem::path& path, std::string& out) {
    if (!paths::read_small_file(path, out)) return false;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\r' || out.back() == '\t'))
        out.pop_back();
    return true;
}

// Reads one decimal (or scientific) number from a sysfs attribute.
inline bool read_number(const std::filesystem::path& path, double& value) {
    std::string text;
    if (!read_trimmed(path, text) || text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || errno == ERANGE) return false;
    value = v;
    return true;
}

// Entries of a folder sorted with numbers in natural order (hwmon2 before hwmon10).
inline std::vector<std::filesystem::path> sorted_entries(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) out.push_back(entry.path());
    auto key = [](const std::filesystem::path& p) {
        const std::string name = p.filename().string();
        std::size_t digits = name.size();
        while (digits > 0 && std::isdigit(static_cast<unsigned char>(name[digits - 1]))) --digits;
        const long number = digits < name.size() ? std::strtol(name.c_str() + digits, nullptr, 10) : -1;
        return std::make_pair(name.substr(0, digits), number);
    };
    std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
    return out;
}

// True when the file exists but this user may not read it (root-only counters).
inline bool exists_but_unreadable(const std::filesystem::path& path) {
    std::string ignored;
    std::error_code ec;
    return std::filesystem::exists(path, ec) && !paths::read_small_file(path, ignored);
}

}  // namespace powerml::sensors::detail
