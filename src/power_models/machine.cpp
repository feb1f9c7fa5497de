#include "powerml/power_models/machine.hpp"

#include <cctype>
#include <string_view>

namespace powerml::power_models {

namespace {
bool is_noise_token(std::string_view t) {
    if (t == "cpu" || t == "processor" || t == "apu") return true;
    // "64-core", "eight-core": the core count is in the model number already.
    return t.size() > 5 && t.substr(t.size() - 5) == "-core";
}
}  // namespace

std::string normalise_hardware_name(const std::string& name) {
    // Hand-written instead of a regex: the matcher normalises thousands of catalog names.
    std::string lower;
    lower.reserve(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (c == '@') break;  // "@ 3.70GHz": clock speed, not part of the model
        if (c == '(') {
            const auto close = name.find(')', i);
            if (close != std::string::npos && close - i <= 4) {  // (R) (TM) (tm)
                lower += ' ';
                i = close;
                continue;
            }
        }
        lower += (c == ',' || c == '(' || c == ')') ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (const auto with = lower.find(" with radeon"); with != std::string::npos) lower.erase(with);
    std::string out;
    std::size_t pos = 0;
    while (pos < lower.size()) {
        const auto start = lower.find_first_not_of(" \t", pos);
        if (start == std::string::npos) break;
        const auto end = std::min(lower.find_first_of(" \t", start), lower.size());
        const std::string_view token(lower.data() + start, end - start);
        if (!is_noise_token(token)) {
            if (!out.empty()) out += ' ';
            out += token;
        }
        pos = end;
    }
    return out;
}

std::vector<std::string> name_tokens(const std::string& normalised) {
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    while (pos < normalised.size()) {
        const auto end = std::min(normalised.find(' ', pos), normalised.size());
        if (end > pos) tokens.emplace_back(normalised.substr(pos, end - pos));
        pos = end + 1;
    }
    return tokens;
}

}  // namespace powerml::power_models
