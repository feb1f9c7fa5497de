#pragma once
// Which GPUs a job was given, so that it is charged for those and no others. Read from the
// measure command's --gpus (strict: a bad entry is an error) or from CUDA_VISIBLE_DEVICES
// (CUDA's own rules: entries up to the first invalid one count, an empty value hides every GPU).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace powerml::sensors {

class GpuSelection {
public:
    struct Entry {
        std::optional<unsigned> index;  // an NVML index ("0")
        std::string uuid;               // or a UUID or UUID prefix ("GPU-5f2c", "MIG-...")
    };

    // Every GPU NVML enumerates.
    static GpuSelection all();
    // `--gpus 0,2` or `--gpus GPU-5f2c...`; "all" selects every GPU. Throws Error naming the
    // entry on anything that is neither an index nor a GPU-/MIG- UUID.
    static GpuSelection parse_flag(std::string_view text);
    // CUDA_VISIBLE_DEVICES: parsing stops at the first entry CUDA would reject (e.g. "-1"),
    // because CUDA itself ignores everything from there on.
    static GpuSelection parse_cuda_visible(std::string_view text);
    // The flag wins over the environment; with neither, every GPU.
    static GpuSelection choose(const std::optional<std::string>& gpus_flag,
                               const std::optional<std::string>& cuda_visible_devices);

    bool is_all() const { return m_all; }
    const std::vector<Entry>& entries() const { return m_entries; }
    // Where the selection came from, for messages: "--gpus", "CUDA_VISIBLE_DEVICES", "all GPUs".
    const std::string& origin() const { return m_origin; }

private:
    bool m_all = true;
    std::vector<Entry> m_entries;
    std::string m_origin = "all GPUs";
};

}  // namespace powerml::sensors
