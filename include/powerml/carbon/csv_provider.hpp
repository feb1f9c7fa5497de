#pragma once
// Provider "csv:PATH": an Electricity Maps data-portal CSV, or a plain CSV with a time column
// and a value column. Columns are recognised by what their names mean, in every header
// variant documented (LCA / Life cycle, Zone Id / Zone id, Data Estimated and/or Data
// estimation method, any order); a header it cannot interpret is refused with the columns it
// saw, never guessed. A file with several zones is read for the zone asked (by id or name).
// At most max_bytes are read (default 256 MiB); NUL bytes are refused.
// Units and resolutions are converted here, once:
//  - value header "value" or "...g/kWh" is gCO2eq/kWh; "...kg/MWh" is the same number;
//    "...lbs/MWh" is multiplied by 0.45359237; "...g/MWh" divided by 1000;
//  - times are RFC 3339 with any offset (so DST days in local time read correctly) or
//    "YYYY-MM-DD HH:MM:SS" taken as UTC;
//  - each point lasts until the next distinct time; the resolution (15, 30, 60 min ...) is
//    the most common step, used for the last point and across gaps;
//  - a time given twice keeps the later row (providers publish revisions), counted in note.
#include <cstddef>
#include <string>

#include "powerml/carbon/provider.hpp"

namespace powerml::carbon {

class CsvProvider final : public Provider {
public:
    static constexpr std::size_t k_default_max_bytes = 256u * 1024 * 1024;
    explicit CsvProvider(std::string path, FactorBasis basis = FactorBasis::lifecycle,
                         std::size_t max_bytes = k_default_max_bytes);
    std::string name() const override { return "csv:" + m_path; }
    IntensitySeries fetch(const std::string& zone, UtcMillis from, UtcMillis to) override;

    // Parses CSV text. `zone` filters Electricity Maps files with several zones (empty: any).
    // Throws Error naming `label` and the line number on malformed input.
    static IntensitySeries parse(const std::string& text, const std::string& label, const std::string& zone,
                                 FactorBasis basis);

private:
    std::string m_path;
    FactorBasis m_basis;
    std::size_t m_max_bytes;
};

}  // namespace powerml::carbon
