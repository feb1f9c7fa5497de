// Serialising and printing model characteristics.
#include "powerml/workloads/model_characteristics.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"

namespace powerml::workloads {

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
    std::string text;
    for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? "x" : "") + std::to_string(shape[i]);
    return text.empty() ? "-" : text;
}

// 11689512 -> "11.69 M"
std::string count_text(double n) {
    if (n >= 1e9) return fmt::format("{:.2f} G", n / 1e9);
    if (n >= 1e6) return fmt::format("{:.2f} M", n / 1e6);
    if (n >= 1e3) return fmt::format("{:.1f} k", n / 1e3);
    return fmt::format("{:.0f}", n);
}

}  // namespace

nlohmann::json to_json(const ModelCharacteristics& info, bool with_layers) {
    nlohmann::json j = {
        {"model", info.model},
        {"source", info.source},
        {"input", format_image_shape(info.input)},
        {"classes", info.classes},
        {"total_params", info.total_params},
        {"trainable_params", info.trainable_params},
        {"buffers", info.buffers},
        {"size_bytes", info.size_bytes},
        {"macs", info.macs},
        {"macs_per_param", info.macs_per_param()},
    };
    if (with_layers) {
        nlohmann::json layers = nlohmann::json::array();
        for (const auto& layer : info.layers)
            layers.push_back({{"name", layer.name},
                              {"type", layer.type},
                              {"output_shape", layer.output_shape},
                              {"params", layer.params},
                              {"macs", layer.macs}});
        j["layers"] = layers;
    }
    return j;
}

ModelCharacteristics characteristics_from_json(const nlohmann::json& j) {
    try {
        ModelCharacteristics info;
        info.model = j.at("model").get<std::string>();
        info.source = j.value("source", "builtin");
        info.input = parse_image_shape(j.at("input").get<std::string>(), "characteristics.input");
        info.classes = j.value("classes", 0);
        info.total_params = j.at("total_params").get<std::int64_t>();
        info.trainable_params = j.value("trainable_params", info.total_params);
        info.buffers = j.value("buffers", std::int64_t{0});
        info.size_bytes = j.value("size_bytes", 0.0);
        info.macs = j.at("macs").get<double>();
        if (j.contains("layers"))
            for (const auto& l : j.at("layers"))
                info.layers.push_back({l.at("name").get<std::string>(), l.at("type").get<std::string>(),
                                       l.at("output_shape").get<std::vector<std::int64_t>>(), l.at("params").get<std::int64_t>(),
                                       l.at("macs").get<double>()});
        return info;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("model characteristics: ") + e.what());
    }
}

std::string format_characteristics(const ModelCharacteristics& info, bool with_layers) {
    std::string out = fmt::format("{} ({}), input {}, {} classes\n", info.model, info.source, format_image_shape(info.input),
                                  info.classes);
    out += fmt::format("  parameters      {:>14}  ({})\n", info.total_params, count_text(static_cast<double>(info.total_params)));
    out += fmt::format("  trainable       {:>14}\n", info.trainable_params);
    out += fmt::format("  buffers         {:>14}\n", info.buffers);
    out += fmt::format("  size            {:>14.0f} B  ({:.2f} MiB)\n", info.size_bytes, info.size_bytes / (1024.0 * 1024.0));
    out += fmt::format("  MACs per sample {:>14.0f}  ({})\n", info.macs, count_text(info.macs));
    out += fmt::format("  MACs/parameter  {:>14.2f}\n", info.macs_per_param());
    if (with_layers && !info.layers.empty()) {
        out += fmt::format("\n  {:<40} {:<8} {:>14} {:>12} {:>14}\n", "layer", "type", "output", "params", "MACs");
        for (const auto& layer : info.layers)
            out += fmt::format("  {:<40} {:<8} {:>14} {:>12} {:>14.0f}\n", layer.name, layer.type, shape_text(layer.output_shape),
                               layer.params, layer.macs);
    }
    return out;
}

}  // namespace powerml::workloads
