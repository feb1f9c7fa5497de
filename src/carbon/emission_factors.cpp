#include "powerml/carbon/emission_factors.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "csv_text.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::carbon {

namespace {
std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot read emission factors file " + file.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

EmissionFactors EmissionFactors::from_map(std::string name, std::map<std::string, double> factors, FactorBasis basis) {
    EmissionFactors f;
    f.m_name = std::move(name);
    f.m_basis = basis;
    f.m_factors = std::move(factors);
    return f;
}

EmissionFactors EmissionFactors::load(const std::string& set_or_path, FactorBasis basis) {
    const bool shipped = set_or_path.find('/') == std::string::npos && set_or_path.find(".csv") == std::string::npos;
    const std::filesystem::path file = shipped ? paths::data_dir() / "grid" / "emission-factors.csv"
                                               : std::filesystem::path(set_or_path);
    std::map<std::string, double> factors;
    const std::string text = slurp(file);
    csv::for_each_line(text, [&](std::string_view line, long no) {
        if (no == 1 || csv::trim(line).empty() || line.front() == '#') return true;
        auto f = csv::split(line);
        // Shipped file: set,source,lifecycle,direct. User file: source,lifecycle[,direct].
        if (shipped) {
            if (f.size() != 4) throw Error(file.string() + ":" + std::to_string(no) + ": expected set,source,lifecycle,direct");
            if (f[0] != set_or_path) return true;
            f.erase(f.begin());
        }
        if (f.size() < 2) throw Error(file.string() + ":" + std::to_string(no) + ": expected source,lifecycle[,direct]");
        const std::size_t col = basis == FactorBasis::lifecycle ? 1 : 2;
        if (col >= f.size() || csv::trim(f[col]).empty()) return true;  // no factor on this basis
        double v = 0;
        if (!csv::to_double(f[col], v) || v < 0)
            throw Error(file.string() + ":" + std::to_string(no) + ": factor '" + f[col] + "' is not a non-negative number");
        factors[lower(std::string(csv::trim(f[0])))] = v;
        return true;
    });
    if (factors.empty())
        throw Error("emission factor set '" + set_or_path + "' has no " + std::string(to_string(basis)) +
                    " factors; shipped sets: ipcc-ar5 (lifecycle, direct), ipcc-srren (lifecycle)");
    return from_map(set_or_path, std::move(factors), basis);
}

std::optional<std::string> EmissionFactors::source_of(const std::string& production_type) {
    // ENTSO-E psrType codes (A75) and the names the transparency platform prints for them.
    static const std::map<std::string, std::string> k_map = {
        {"b01", "biomass"}, {"biomass", "biomass"},
        {"b02", "coal"}, {"fossil brown coal/lignite", "coal"},
        {"b03", "gas"}, {"fossil coal-derived gas", "gas"},
        {"b04", "gas"}, {"fossil gas", "gas"},
        {"b05", "coal"}, {"fossil hard coal", "coal"},
        {"b06", "oil"}, {"fossil oil", "oil"},
        {"b07", "oil"}, {"fossil oil shale", "oil"},
        {"b08", "coal"}, {"fossil peat", "coal"},
        {"b09", "geothermal"}, {"geothermal", "geothermal"},
        {"b10", "hydro"}, {"hydro pumped storage", "hydro"},
        {"b11", "hydro"}, {"hydro run-of-river and pondage", "hydro"},
        {"b12", "hydro"}, {"hydro water reservoir", "hydro"},
        {"b13", "unknown"}, {"marine", "unknown"},
        {"b14", "nuclear"}, {"nuclear", "nuclear"},
        {"b15", "unknown"}, {"other renewable", "unknown"},
        {"b16", "solar"}, {"solar", "solar"},
        {"b17", "biomass"}, {"waste", "biomass"},
        {"b18", "wind"}, {"wind offshore", "wind"},
        {"b19", "wind"}, {"wind onshore", "wind"},
        {"b20", "unknown"}, {"other", "unknown"},
        {"coal", "coal"}, {"gas", "gas"}, {"oil", "oil"}, {"hydro", "hydro"}, {"wind", "wind"}, {"unknown", "unknown"},
    };
    if (auto it = k_map.find(lower(production_type)); it != k_map.end()) return it->second;
    return std::nullopt;
}

std::optional<double> EmissionFactors::factor(const std::string& source) const {
    if (auto it = m_factors.find(lower(source)); it != m_factors.end()) return it->second;
    return std::nullopt;
}

EmissionFactors::Result EmissionFactors::intensity(const std::map<std::string, double>& mix) const {
    Result r;
    double grams = 0;
    for (const auto& [type, mw] : mix) {
        if (mw <= 0) continue;
        const auto source = source_of(type);
        const auto f = source ? factor(*source) : std::nullopt;
        if (!f) {
            r.uncovered_mw += mw;
            r.left_out.push_back(type);
            continue;
        }
        grams += *f * mw;
        r.covered_mw += mw;
    }
    r.g_per_kwh = r.covered_mw > 0 ? grams / r.covered_mw : 0.0;
    return r;
}

}  // namespace powerml::carbon
