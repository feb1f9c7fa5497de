#include "workload_cli.hpp"

#include <charconv>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/sampler/control_channel.hpp"

namespace powerml::cli {

std::string self_executable() {
    std::error_code ec;
    const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) throw Error("cannot find the powerml executable (/proc/self/exe): " + ec.message());
    return path.string();
}

workloads::WorkloadCallbacks workload_callbacks(bool quiet) {
    workloads::WorkloadCallbacks callbacks;
    // Under a measurement the lines go to its control channel; run alone, the workload is silent there.
    if (const char* path = std::getenv("POWERML_CONTROL"); path && *path) {
        const std::string channel = path;
        callbacks.control = [channel](const std::string& line) { sampler::ControlChannel::send(channel, line); };
    }
    if (!quiet) callbacks.progress = [](const std::string& text) { fmt::print(stderr, "  {}\n", text); };
    return callbacks;
}

std::vector<std::string> split_list(const std::string& text, const std::string& flag) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string item = text.substr(start, comma - start);
        if (item.empty()) throw Error(fmt::format("{}: empty item in '{}' (comma-separated list)", flag, text));
        items.push_back(std::move(item));
        start = comma + 1;
    }
    return items;
}

std::vector<int> split_ints(const std::string& text, const std::string& flag, int min, int max) {
    std::vector<int> values;
    for (const auto& item : split_list(text, flag)) {
        int value = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
        if (ec != std::errc() || end != item.data() + item.size() || value < min || value > max)
            throw Error(fmt::format("{}: '{}' is not a whole number from {} to {}", flag, item, min, max));
        values.push_back(value);
    }
    return values;
}

}  // namespace powerml::cli
