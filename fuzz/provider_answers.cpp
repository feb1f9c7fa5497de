// Each live provider's answer parser, on the fuzzer's bytes as the body of a 200 answer
// (fake_http_client.cpp): Electricity Maps and WattTime JSON, the UK Carbon Intensity API
// JSON, and ENTSO-E A75 XML. Built once per provider (POWERML_FUZZ_PROVIDER picks which).
#include <memory>

#include "fake_http_client.hpp"
#include "fuzz_common.hpp"
#include "powerml/carbon/electricitymaps_provider.hpp"
#include "powerml/carbon/emission_factors.hpp"
#include "powerml/carbon/entsoe_provider.hpp"
#include "powerml/carbon/ukgrid_provider.hpp"
#include "powerml/carbon/watttime_provider.hpp"

namespace {

using namespace powerml;
using namespace powerml::carbon;

// A range in the past, inside one page of every provider: one request, no forecast call.
const UtcMillis k_from = 1704067200000;  // 2024-01-01T00:00:00Z
const UtcMillis k_to = k_from + 6 * 3'600'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    powerml::fuzz::g_answer = powerml::fuzz::text_of(data, size);
    powerml::fuzz::refuse_only_with_error([&] {
#if POWERML_FUZZ_PROVIDER == 1
        ElectricityMapsProvider p("http://127.0.0.1:9", "key", FactorBasis::lifecycle, {}, 10);
        (void)p.fetch("DE", k_from, k_to);
#elif POWERML_FUZZ_PROVIDER == 2
        WattTimeProvider p("http://127.0.0.1:9", "user", "password", "co2_moer", {});
        (void)p.fetch("CAISO_NORTH", k_from, k_to);
#elif POWERML_FUZZ_PROVIDER == 3
        UkGridProvider p("http://127.0.0.1:9", {});
        (void)p.fetch(size > 0 && (data[0] & 1) ? "GB" : "GB:13", k_from, k_to);
#else
        static const EmissionFactors factors = EmissionFactors::load("ipcc-ar5", FactorBasis::lifecycle);
        (void)EntsoeProvider::parse_a75(powerml::fuzz::g_answer, factors, "DE");
#endif
    });
    return 0;
}
