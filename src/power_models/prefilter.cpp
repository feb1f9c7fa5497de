#include "prefilter.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <vector>

namespace powerml::power_models::detail {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// The string value of `key = "..."` inside `rules`; nullopt when absent or not a plain string.
std::optional<std::string_view> string_rule(std::string_view rules, std::string_view key, bool& undecidable) {
    const std::string pattern = std::string(key) + " = ";
    for (std::size_t at = rules.find(pattern); at != std::string_view::npos; at = rules.find(pattern, at + 1)) {
        if (at > 0 && rules[at - 1] != ' ' && rules[at - 1] != '{' && rules[at - 1] != ',') continue;  // "xcpu = "
        const std::string_view rest = rules.substr(at + pattern.size());
        if (rest.empty() || rest.front() != '"') {
            undecidable = undecidable || rest.empty() || rest.front() == '[';
            return std::nullopt;
        }
        const auto close = rest.find('"', 1);
        if (close == std::string_view::npos) {
            undecidable = true;
            return std::nullopt;
        }
        return rest.substr(1, close - 1);
    }
    return std::nullopt;
}

std::optional<bool> bool_rule(std::string_view rules, std::string_view key) {
    const std::string pattern = std::string(key) + " = ";
    const auto at = rules.find(pattern);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view rest = rules.substr(at + pattern.size());
    if (rest.starts_with("true")) return true;
    if (rest.starts_with("false")) return false;
    return std::nullopt;
}

bool all_tokens_in(const std::vector<std::string>& rule, const std::vector<std::string>& have) {
    return std::all_of(rule.begin(), rule.end(), [&](const std::string& t) { return std::find(have.begin(), have.end(), t) != have.end(); });
}

}  // namespace

void append_matchable_lines(std::string_view text, const Machine& machine, const std::set<std::string>& keep_ids,
                            std::string& out) {
    const auto cpu_tokens = name_tokens(normalise_hardware_name(machine.cpu_model));
    std::vector<std::vector<std::string>> gpu_tokens;
    for (const auto& g : machine.gpus) gpu_tokens.push_back(name_tokens(normalise_hardware_name(g)));
    const std::string board = lower(machine.board);

    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = std::min(text.find('\n', pos), text.size());
        const std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        bool drop = false;
        const std::string_view head = "  { id = \"";
        if (line.starts_with(head) && line.ends_with("},") && line.find('\\') == std::string_view::npos) {
            const auto id_end = line.find('"', head.size());
            const auto match_at = line.find("match = { ");
            const auto match_end = match_at == std::string_view::npos ? match_at : line.find('}', match_at);
            if (id_end != std::string_view::npos && match_end != std::string_view::npos &&
                !keep_ids.count(std::string(line.substr(head.size(), id_end - head.size())))) {
                const std::string_view rules = line.substr(match_at + 10, match_end - match_at - 10);
                bool undecidable = false;
                if (bool_rule(rules, "manual") == true) drop = true;
                if (const auto vm = bool_rule(rules, "vm"); vm && *vm != machine.virtual_machine) drop = true;
                if (const auto v = string_rule(rules, "instance", undecidable); v && (machine.instance_type.empty() || *v != machine.instance_type))
                    drop = true;
                if (const auto v = string_rule(rules, "board", undecidable); v && (board.empty() || board.find(lower(*v)) == std::string::npos))
                    drop = true;
                if (const auto v = string_rule(rules, "cpu", undecidable)) {
                    const auto t = name_tokens(normalise_hardware_name(std::string(*v)));
                    if (t.size() < 2 || !all_tokens_in(t, cpu_tokens)) drop = true;
                }
                if (const auto v = string_rule(rules, "gpu", undecidable)) {
                    const auto t = name_tokens(normalise_hardware_name(std::string(*v)));
                    if (t.empty() || std::none_of(gpu_tokens.begin(), gpu_tokens.end(), [&](const auto& g) { return all_tokens_in(t, g); }))
                        drop = true;
                }
                if (undecidable) drop = false;
            }
        }
        if (!drop) out.append(line);
        if (end < text.size()) out += '\n';
    }
}

std::string blank_unmatchable_lines(std::string_view text, const Machine& machine, const std::set<std::string>& keep_ids) {
    std::string out;
    append_matchable_lines(text, machine, keep_ids, out);
    return out;
}

}  // namespace powerml::power_models::detail
