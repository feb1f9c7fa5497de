// Intensity CSV files (`--source csv:PATH`), both forms: the Electricity Maps data-portal
// export and the plain time,value file. The first byte chooses a header to put in front, so
// the fuzzer reaches the row parsers of both forms without having to invent their headers.
#include "fuzz_common.hpp"
#include "powerml/carbon/csv_provider.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* const k_headers[] = {
        "",
        "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO\xe2\x82\x82" "eq/kWh (direct),"
        "Carbon Intensity gCO\xe2\x82\x82" "eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),"
        "Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method\n",
        "time,value\n",
    };
    const std::string text = k_headers[data[0] % 3] + powerml::fuzz::text_of(data + 1, size - 1);
    const std::string zone = data[0] & 0x80 ? "DE" : "";
    powerml::fuzz::refuse_only_with_error([&] {
        (void)powerml::carbon::CsvProvider::parse(text, "fuzz.csv", zone, powerml::carbon::FactorBasis::lifecycle);
    });
    return 0;
}
