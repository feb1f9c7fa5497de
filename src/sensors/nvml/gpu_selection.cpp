#include "powerml/sensors/gpu_selection.hpp"

#include <cctype>

#include "powerml/core/error.hpp"

namespace powerml::sensors {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// One entry as CUDA reads it; nullopt when CUDA would reject it.
std::optional<GpuSelection::Entry> parse_entry(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    bool digits = true;
    for (char c : text) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits && text.size() < 6) {
        GpuSelection::Entry e;
        e.index = static_cast<unsigned>(std::stoul(std::string(text)));
        return e;
    }
    if (text.rfind("GPU-", 0) == 0 || text.rfind("MIG-", 0) == 0) {
        if (text.size() == 4) return std::nullopt;  // a prefix must name something
        GpuSelection::Entry e;
        e.uuid = std::string(text);
        return e;
    }
    return std::nullopt;
}

std::vector<std::string_view> split_commas(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const auto comma = text.find(',', start);
        parts.push_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return parts;
}

}  // namespace

GpuSelection GpuSelection::all() { return GpuSelection{}; }

GpuSelection GpuSelection::parse_flag(std::string_view text) {
    GpuSelection s;
    s.m_origin = "--gpus";
    if (trim(text) == "all") return all();
    s.m_all = false;
    for (std::string_view part : split_commas(text)) {
        auto entry = parse_entry(part);
        if (!entry)
            throw Error("--gpus: '" + std::string(trim(part)) +
                        "' is neither a GPU index (0, 1, ...) nor a GPU-/MIG- UUID; "
                        "run 'nvidia-smi -L' to list them");
        s.m_entries.push_back(*entry);
    }
    return s;
}

GpuSelection GpuSelection::parse_cuda_visible(std::string_view text) {
    GpuSelection s;
    s.m_origin = "CUDA_VISIBLE_DEVICES";
    s.m_all = false;
    if (trim(text).empty()) return s;  // CUDA: no device visible
    for (std::string_view part : split_commas(text)) {
        auto entry = parse_entry(part);
        if (!entry) break;
        s.m_entries.push_back(*entry);
    }
    return s;
}

GpuSelection GpuSelection::choose(const std::optional<std::string>& gpus_flag,
                                  const std::optional<std::string>& cuda_visible_devices) {
    if (gpus_flag) return parse_flag(*gpus_flag);
    if (cuda_visible_devices) return parse_cuda_visible(*cuda_visible_devices);
    return all();
}

}  // namespace powerml::sensors
