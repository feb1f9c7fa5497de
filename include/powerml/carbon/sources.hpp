#pragma once
// The entry point other modules use: a source spec and a zone in, one series out.
//
// SPEC is "embedded" (default), "csv:PATH", or a provider name ("electricitymaps", "watttime",
// "ukgrid", "entsoe") configured through Config keys provider.<name>.base_url / .key (env
// POWERML_PROVIDER_<NAME>_KEY). A live spec goes through the fallback chain (config key
// carbon.fallback, default "live,cache,embedded"): the live answer is cached; when the service
// fails the cache is used, then the embedded data. Which one answered is in series.note.
#include <memory>
#include <string>
#include <string_view>

#include "powerml/carbon/intensity_series.hpp"
#include "powerml/carbon/provider.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/time.hpp"

namespace powerml::carbon {

// The series for `zone` over [from, to). Times the source does not cover are filled with a
// typical profile (kind estimated, said in series.note) so callers always get full coverage
// when any data for the zone exists. Throws Error for an unknown zone or spec.
IntensitySeries fetch_series(const std::string& source_spec, const std::string& zone, UtcMillis from,
                             UtcMillis to, const Config& config);

// The provider a spec names, without fallback or gap filling (tests, `powerml intensity --raw`).
// A live provider comes wrapped: its messages and notes are stripped of every credential in
// `config` (Redactor) and of invalid UTF-8, and any exception it throws arrives as Error.
std::unique_ptr<Provider> make_provider(const std::string& source_spec, const Config& config);

// `text` without any credential `config` holds for a provider or any auth parameter, and with
// invalid UTF-8 replaced: for text that quotes a provider on its way to a log or a client.
std::string redact_provider_text(const Config& config, std::string_view text);

}  // namespace powerml::carbon
