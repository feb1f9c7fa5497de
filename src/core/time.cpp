#include "powerml/core/time.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "powerml/core/error.hpp"
#include "powerml/core/limits.hpp"

namespace powerml {

UtcMillis utc_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400) + (m <= 2);
}

UtcFields utc_fields(UtcMillis t) {
    // Floor division without t - 999, which overflows near the lowest value.
    std::int64_t secs = t / 1000 - (t % 1000 < 0 ? 1 : 0);
    std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    const std::int64_t sod = secs - days * 86400;
    UtcFields f{};
    civil_from_days(days, f.year, f.month, f.day);
    f.hour = static_cast<unsigned>(sod / 3600);
    f.minute = static_cast<unsigned>((sod % 3600) / 60);
    f.second = static_cast<unsigned>(sod % 60);
    f.weekday = static_cast<unsigned>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
    return f;
}

namespace {

[[noreturn]] void bad_time(std::string_view text, const char* why) {
    throw Error("cannot read time '" + std::string(text) + "': " + why +
                " (expected RFC 3339, e.g. 2023-06-15T12:00:00Z)");
}

int read_digits(std::string_view text, std::size_t& pos, std::size_t count, std::string_view whole) {
    if (pos + count > text.size()) bad_time(whole, "too short");
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (!std::isdigit(static_cast<unsigned char>(c))) bad_time(whole, "digit expected");
        value = value * 10 + (c - '0');
    }
    pos += count;
    return value;
}

void expect(std::string_view text, std::size_t& pos, char c, std::string_view whole) {
    if (pos >= text.size() || text[pos] != c) bad_time(whole, "unexpected character");
    ++pos;
}

}  // namespace

UtcMillis parse_rfc3339(std::string_view text) {
    const std::string_view whole = text;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::size_t pos = 0;
    const int year = read_digits(text, pos, 4, whole);
    expect(text, pos, '-', whole);
    const int month = read_digits(text, pos, 2, whole);
    expect(text, pos, '-', whole);
    const int day = read_digits(text, pos, 2, whole);
    if (month < 1 || month > 12 || day < 1 || day > 31) bad_time(whole, "month or day out of range");
    int hour = 0, minute = 0, second = 0;
    double fraction = 0.0;
    std::int64_t offset_s = 0;
    if (pos < text.size()) {
        if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') bad_time(whole, "'T' expected");
        ++pos;
        hour = read_digits(text, pos, 2, whole);
        expect(text, pos, ':', whole);
        minute = read_digits(text, pos, 2, whole);
        if (pos < text.size() && text[pos] == ':') {
            ++pos;
            second = read_digits(text, pos, 2, whole);
        }
        if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
            ++pos;
            double scale = 0.1;
            if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos])))
                bad_time(whole, "fraction expected");
            while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
                fraction += scale * (text[pos] - '0');
                scale /= 10;
                ++pos;
            }
        }
        if (hour > 23 || minute > 59 || second > 60) bad_time(whole, "time of day out of range");
        if (pos < text.size()) {
            const char z = text[pos];
            if (z == 'Z' || z == 'z') {
                ++pos;
            } else if (z == '+' || z == '-') {
                ++pos;
                const int oh = read_digits(text, pos, 2, whole);
                if (pos < text.size() && text[pos] == ':') ++pos;
                const int om = read_digits(text, pos, 2, whole);
                offset_s = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
            } else {
                bad_time(whole, "time zone expected");
            }
        }
        if (pos != text.size()) bad_time(whole, "trailing characters");
    }
    const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
    return secs * 1000 + static_cast<std::int64_t>(std::llround(fraction * 1000));
}

std::string format_rfc3339(UtcMillis t) {
    const UtcFields f = utc_fields(t);
    const int ms = static_cast<int>(((t % 1000) + 1000) % 1000);
    char buffer[40];
    if (ms == 0) {
        std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02u:%02u:%02uZ", f.year, f.month, f.day,
                      f.hour, f.minute, f.second);
    } else {
        std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02u:%02u:%02u.%03dZ", f.year, f.month,
                      f.day, f.hour, f.minute, f.second, ms);
    }
    return buffer;
}

UtcMillis utc_from_unix_seconds(double seconds) {
    const double ms = seconds * 1000.0;
    if (!std::isfinite(ms) || ms < static_cast<double>(k_min_utc_ms) || ms > static_cast<double>(k_max_utc_ms)) {
        char shown[64];
        std::snprintf(shown, sizeof shown, "%g", seconds);
        throw Error(std::string("time ") + shown + " s is not a time between 1970 and 9999");
    }
    return static_cast<UtcMillis>(std::llround(ms));
}

double parse_duration_s(std::string_view text) {
    const std::string whole(text);
    if (text.empty()) throw Error("empty duration (expected e.g. 90s, 30m, 5h, 1h30m)");
    double total = 0.0;
    bool any = false;
    while (!text.empty()) {
        double number = 0.0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (ec != std::errc() || !std::isfinite(number) || number < 0)
            throw Error("cannot read duration '" + whole + "' (expected e.g. 90s, 30m, 5h, 1h30m)");
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        double unit = 1.0;
        if (!text.empty()) {
            if (text.starts_with("ms")) {
                unit = 1e-3;
                text.remove_prefix(2);
            } else {
                switch (text.front()) {
                    case 's': unit = 1; break;
                    case 'm': unit = 60; break;
                    case 'h': unit = 3600; break;
                    case 'd': unit = 86400; break;
                    default:
                        throw Error("unknown unit in duration '" + whole + "' (use ms, s, m, h or d)");
                }
                text.remove_prefix(1);
            }
        } else if (any) {
            throw Error("number without a unit at the end of duration '" + whole + "'");
        }
        total += number * unit;
        any = true;
    }
    if (!std::isfinite(total) || total > k_longest_duration_s)
        throw Error("duration '" + whole.substr(0, 40) + (whole.size() > 40 ? "...'" : "'") + " is longer than 100 years");
    return total;
}

}  // namespace powerml
