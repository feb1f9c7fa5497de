#include "powerml/carbon/sources.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "powerml/carbon/csv_provider.hpp"
#include "powerml/carbon/electricitymaps_provider.hpp"
#include "powerml/carbon/embedded_provider.hpp"
#include "powerml/carbon/entsoe_provider.hpp"
#include "powerml/carbon/intensity_cache.hpp"
#include "powerml/core/redactor.hpp"
#include "powerml/carbon/typical_profile.hpp"
#include "powerml/carbon/ukgrid_provider.hpp"
#include "powerml/carbon/watttime_provider.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/utf8_check.hpp"

namespace powerml::carbon {

namespace {

constexpr UtcMillis k_hour_ms = 3'600'000;

FactorBasis basis_from(const Config& config) {
    const std::string b = config.get_or("carbon.basis", "lifecycle");
    if (b == "lifecycle") return FactorBasis::lifecycle;
    if (b == "direct") return FactorBasis::direct;
    throw Error("carbon.basis must be lifecycle or direct, got '" + b + "'");
}

HttpOptions http_from(const Config& config) {
    HttpOptions o;
    o.timeout_s = config.get_double("carbon.http_timeout_s", 10.0);
    o.retries = static_cast<int>(config.get_double("carbon.http_retries", 2.0));
    o.backoff_s = config.get_double("carbon.http_backoff_s", 0.5);
    if (o.timeout_s <= 0 || o.retries < 0 || o.retries > 10 || o.backoff_s < 0)
        throw Error("carbon.http_timeout_s must be > 0, carbon.http_retries 0..10, carbon.http_backoff_s >= 0");
    return o;
}

std::string base_url(const Config& config, const std::string& name, const std::string& fallback) {
    return config.get_or("provider." + name + ".base_url", fallback);
}

// Fills every part of [from, to) that `s` does not cover with hourly-aligned points from
// `value_at`, kind estimated and marked filled. Returns how many points were added.
long fill_uncovered(IntensitySeries& s, UtcMillis from, UtcMillis to, const std::function<double(UtcMillis)>& value_at) {
    std::vector<IntensityPoint> added;
    UtcMillis t = from;
    std::size_t i = 0;
    while (t < to) {
        while (i < s.points.size() && s.points[i].end() <= t) ++i;
        if (i < s.points.size() && s.points[i].start <= t) {
            t = s.points[i].end();
            continue;
        }
        const UtcMillis next_data = i < s.points.size() ? s.points[i].start : to;
        const UtcMillis hour_end = (t / k_hour_ms + 1) * k_hour_ms;
        const UtcMillis end = std::min({next_data, hour_end, to});
        added.push_back({t, (end - t) / 1000.0, value_at(t), PointKind::estimated, true});
        t = end;
    }
    if (added.empty()) return 0;
    s.points.insert(s.points.end(), added.begin(), added.end());
    std::sort(s.points.begin(), s.points.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    return static_cast<long>(added.size());
}

void add_note(IntensitySeries& s, const std::string& text) { s.note = s.note.empty() ? text : s.note + "; " + text; }

constexpr const char* k_live[] = {"electricitymaps", "watttime", "ukgrid", "entsoe"};

bool is_live(const std::string& spec) {
    return std::find_if(std::begin(k_live), std::end(k_live), [&](const char* n) { return spec == n; }) != std::end(k_live);
}

std::unique_ptr<Provider> make_live_provider(const std::string& spec, const Config& config) {
    const FactorBasis basis = basis_from(config);
    const HttpOptions http = http_from(config);
    const auto key = [&](const std::string& name) { return config.get_or("provider." + name + ".key", ""); };
    if (spec == "electricitymaps") {
        if (key(spec).empty())
            throw Error("electricitymaps needs an API key: set provider.electricitymaps.key or POWERML_PROVIDER_ELECTRICITYMAPS_KEY");
        return std::make_unique<ElectricityMapsProvider>(base_url(config, spec, "https://api.electricitymap.org/v3"),
                                                         key(spec), basis, http,
                                                         static_cast<int>(config.get_double("provider.electricitymaps.page_days", 10)));
    }
    if (spec == "watttime")
        return std::make_unique<WattTimeProvider>(base_url(config, spec, "https://api.watttime.org/v3"),
                                                  config.get_or("provider.watttime.auth_url", ""),
                                                  config.get_or("provider.watttime.user", ""), key(spec),
                                                  config.get_or("provider.watttime.signal", "co2_moer"), http);
    if (spec == "ukgrid")
        return std::make_unique<UkGridProvider>(base_url(config, spec, "https://api.carbonintensity.org.uk"), http);
    if (spec == "entsoe")
        return std::make_unique<EntsoeProvider>(base_url(config, spec, "https://web-api.tp.entsoe.eu"), key(spec),
                                                EmissionFactors::load(config.get_or("provider.entsoe.factors", "ipcc-ar5"), basis),
                                                http);
    throw Error("unknown live source '" + spec + "'");
}

// Every credential the configuration holds for any provider.
Redactor config_redactor(const Config& config) {
    Redactor r;
    for (const char* provider : k_live)
        for (const char* field : {"key", "token", "password", "secret"})
            if (const auto value = config.get(fmt::format("provider.{}.{}", provider, field))) r.add_secret(*value);
    return r;
}

// A live provider behind a filter: whatever it says (messages, notes) passes through the
// redactor first, and an exception that is not an Error (an answer of a shape the provider's
// parser did not expect) becomes one, so the fallback chain still works.
class RedactingProvider : public Provider {
public:
    RedactingProvider(std::unique_ptr<Provider> inner, Redactor redactor)
        : m_inner(std::move(inner)), m_redactor(std::move(redactor)) {}
    std::string name() const override { return m_inner->name(); }
    IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) override {
        try {
            IntensitySeries s = m_inner->fetch(zone, from, to);
            s.note = clean(s.note);
            s.attribution = clean(s.attribution);
            s.licence = clean(s.licence);
            return s;
        } catch (const Error& e) {
            throw Error(clean(e.what()));
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& e) {
            throw Error(clean(fmt::format("{} sent an answer PowerML cannot read ({}); try later or use --source embedded",
                                          m_inner->name(), e.what())));
        }
    }

private:
    std::string clean(std::string_view text) const { return printable_utf8(m_redactor.scrub(text)); }
    std::unique_ptr<Provider> m_inner;
    Redactor m_redactor;
};

}  // namespace

std::string redact_provider_text(const Config& config, std::string_view text) {
    return printable_utf8(config_redactor(config).scrub(text));
}

std::unique_ptr<Provider> make_provider(const std::string& spec, const Config& config) {
    const FactorBasis basis = basis_from(config);
    if (spec.empty() || spec == "embedded") return std::make_unique<EmbeddedProvider>(basis);
    if (spec.rfind("csv:", 0) == 0) {
        if (spec.size() == 4) throw Error("--source csv:PATH needs a file path after 'csv:'");
        return std::make_unique<CsvProvider>(spec.substr(4), basis);
    }
    if (!is_live(spec))
        throw Error("unknown source '" + spec +
                    "'; use embedded, csv:PATH, electricitymaps, watttime, ukgrid or entsoe (see docs/reference/)");
    return std::make_unique<RedactingProvider>(make_live_provider(spec, config), config_redactor(config));
}

IntensitySeries fetch_series(const std::string& spec_in, const std::string& zone, UtcMillis from, UtcMillis to,
                             const Config& config) {
    const std::string spec = spec_in.empty() ? "embedded" : spec_in;
    if (to <= from) throw Error("the end time must be after the start time");
    if (to - from > k_max_request_ms) throw Error("time range longer than ten years; ask for a shorter range");

    if (spec == "embedded") {
        IntensitySeries s = make_provider(spec, config)->fetch(zone, from, to);
        s.answered_by = "embedded";
        return s;
    }
    if (!is_live(spec)) {
        // A file: read it whole once, keep the range, and give times it does not cover the
        // file's own typical profile.
        const IntensitySeries full = make_provider(spec, config)->fetch(zone, std::numeric_limits<UtcMillis>::min() / 2,
                                                                        std::numeric_limits<UtcMillis>::max() / 2);
        IntensitySeries s = full;
        s.points.clear();
        for (const auto& p : full.points)
            if (p.end() > from && p.start < to) s.points.push_back(p);
        s.answered_by = "file";
        const TypicalProfile profile(full);
        if (const long n = fill_uncovered(s, from, to, [&](UtcMillis t) { return profile.value_at(t); }); n > 0)
            add_note(s, fmt::format("{} intervals outside the file's data estimated from its typical profile (same month, "
                                    "weekday/weekend, hour)", n));
        return s;
    }

    // Live provider: the fallback chain.
    std::vector<std::string> chain;
    {
        std::stringstream ss(config.get_or("carbon.fallback", "live,cache,embedded"));
        std::string step;
        while (std::getline(ss, step, ',')) {
            if (step != "live" && step != "cache" && step != "embedded")
                throw Error("carbon.fallback lists '" + step + "'; allowed steps are live, cache, embedded");
            chain.push_back(step);
        }
    }
    const double ttl_s = config.get_double("carbon.cache_ttl_s", 3600.0);
    std::unique_ptr<IntensityCache> cache;
    const auto open_cache = [&]() -> IntensityCache* {
        if (!cache)
            cache = std::make_unique<IntensityCache>(
                config.get_or("carbon.cache_path", (paths::user_data_dir() / "intensity-cache.sqlite").string()));
        return cache.get();
    };
    const bool cache_on = std::find(chain.begin(), chain.end(), "cache") != chain.end();
    // The provider's own messages are redacted by RedactingProvider; this catches anything
    // else on the way out (a note stored in the cache by an older version, the summary).
    const Redactor redactor = config_redactor(config);
    const auto clean = [&](IntensitySeries& s) -> IntensitySeries& {
        s.note = printable_utf8(redactor.scrub(s.note));
        return s;
    };
    const UtcMillis now = utc_now_ms();
    std::vector<std::string> failures;
    for (const auto& step : chain) {
        try {
            IntensitySeries s;
            if (step == "live") {
                if (cache_on) {
                    if (auto hit = open_cache()->get(spec, zone, from, to, ttl_s, now); hit && hit->fresh) {
                        s = std::move(hit->series);
                        s.answered_by = "cache";
                        add_note(s, fmt::format("from the cache, stored {} (younger than carbon.cache_ttl_s = {:g} s)",
                                                format_rfc3339(hit->stored_at), ttl_s));
                        return clean(s);
                    }
                }
                s = make_provider(spec, config)->fetch(zone, from, to);
                if (s.points.empty()) throw Error(spec + " returned no data for " + zone + " in the range");
                if (cache_on) open_cache()->put(spec, zone, from, to, s, now);
                s.answered_by = "live";
            } else if (step == "cache") {
                auto hit = open_cache()->get(spec, zone, from, to, ttl_s, now);
                if (!hit) throw Error("no cached answer for this zone and range");
                s = std::move(hit->series);
                s.answered_by = "cache";
                add_note(s, fmt::format("from the cache, stored {}", format_rfc3339(hit->stored_at)));
            } else {
                s = EmbeddedProvider(basis_from(config)).fetch(zone, from, to);
                s.answered_by = "embedded";
            }
            if (!failures.empty()) add_note(s, fmt::format("{} answered because {}", step, fmt::join(failures, "; ")));
            // Hours the answer does not cover: the embedded data for the zone when it has any,
            // else the answer's own typical profile.
            if (step != "embedded") {
                std::function<double(UtcMillis)> filler;
                IntensitySeries embedded;
                try {
                    embedded = EmbeddedProvider(s.basis).fetch(zone, from, to);
                    filler = [&](UtcMillis t) { return embedded.value_at(t).value_or(0.0); };
                } catch (const Error&) {
                    auto profile = std::make_shared<TypicalProfile>(s);
                    filler = [profile](UtcMillis t) { return profile->value_at(t); };
                }
                if (const long n = fill_uncovered(s, from, to, filler); n > 0)
                    add_note(s, fmt::format("{} intervals without {} data estimated from {}", n, spec,
                                            embedded.points.empty() ? "the answer's typical profile" : "the embedded data"));
            }
            return clean(s);
        } catch (const Error& e) {
            failures.push_back(fmt::format("{} failed: {}", step, e.what()));
        }
    }
    throw Error(printable_utf8(redactor.scrub(fmt::format("no source could answer for {}: {}", zone, fmt::join(failures, "; ")))));
}

}  // namespace powerml::carbon
