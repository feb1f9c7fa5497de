#include "powerml/sensors/machine_detect.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "powerml/core/paths.hpp"

namespace powerml::sensors {

namespace {

std::string trim(std::string s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n\0");
    return s.substr(first, last - first + 1);
}

std::string value_after_colon(const std::string& line) {
    const auto colon = line.find(':');
    return colon == std::string::npos ? std::string() : trim(line.substr(colon + 1));
}

std::string read_trimmed(const std::filesystem::path& file) {
    std::string text;
    if (!paths::read_small_file(file, text)) return {};
    // Device-tree strings end with a NUL.
    while (!text.empty() && (text.back() == '\0' || std::isspace(static_cast<unsigned char>(text.back())))) text.pop_back();
    return trim(text);
}

// "3200 MT/s" or "3200 MHz" -> 3200; "1.2 V" -> 1.2; "Unknown" -> 0.
double leading_number(const std::string& text) {
    try {
        return std::stod(text);
    } catch (const std::exception&) {
        return 0;
    }
}

double size_bytes(const std::string& text) {
    const double n = leading_number(text);
    if (text.find("TB") != std::string::npos) return n * 1024.0 * 1024 * 1024 * 1024;
    if (text.find("GB") != std::string::npos) return n * 1024.0 * 1024 * 1024;
    if (text.find("MB") != std::string::npos) return n * 1024.0 * 1024;
    return 0;
}

}  // namespace

std::vector<power_models::Dimm> parse_dmidecode_memory(const std::string& text) {
    std::vector<power_models::Dimm> dimms;
    std::istringstream in(text);
    bool in_device = false;
    power_models::Dimm current;
    auto flush = [&] {
        if (in_device && current.size_bytes > 0) dimms.push_back(current);
        current = {};
    };
    for (std::string line; std::getline(in, line);) {
        const std::string t = trim(line);
        if (t == "Memory Device") {
            flush();
            in_device = true;
            continue;
        }
        if (t.starts_with("Handle ")) {
            flush();
            in_device = false;
            continue;
        }
        if (!in_device) continue;
        if (t.starts_with("Size:")) current.size_bytes = size_bytes(value_after_colon(t));
        else if (t.starts_with("Configured Voltage:")) current.voltage_v = leading_number(value_after_colon(t));
        else if (t.starts_with("Configured Memory Speed:") || t.starts_with("Configured Clock Speed:"))
            current.speed_mts = leading_number(value_after_colon(t));
        else if (t.starts_with("Speed:") && current.speed_mts == 0)
            current.speed_mts = leading_number(value_after_colon(t));
    }
    flush();
    return dimms;
}

std::string read_dmidecode_memory() {
    if (const char* file = std::getenv("POWERML_DMIDECODE_FILE"); file && *file) {
        std::ifstream in(file);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    if (const char* fake = std::getenv("POWERML_SYSFS_ROOT"); fake && *fake) return {};
    // The firmware writes the SMBIOS tables at boot: dmidecode, a child process at every
    // Tracker's start otherwise, runs once per process.
    static const std::string text = [] {
        // Only root can read the SMBIOS tables; anyone else would just get an error message
        // (the file exists for everyone, so asking whether it exists did not spare them the run).
        if (::access("/sys/firmware/dmi/tables/DMI", R_OK) != 0) return std::string();
        FILE* pipe = ::popen("dmidecode -t memory 2>/dev/null", "r");
        if (!pipe) return std::string();
        std::string out;
        char buffer[4096];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
        if (::pclose(pipe) != 0) return std::string();
        return out;
    }();
    return text;
}

power_models::Machine detect_machine(const std::filesystem::path& procfs_root, const std::filesystem::path& sysfs_root,
                                     const std::string& dmidecode_text) {
    power_models::Machine m;
    std::ifstream cpuinfo(procfs_root / "cpuinfo");
    std::set<std::string> physical_ids;
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.starts_with("processor")) ++m.logical_cpus;
        else if (line.starts_with("model name") && m.cpu_model.empty()) m.cpu_model = value_after_colon(line);
        else if (line.starts_with("physical id")) physical_ids.insert(value_after_colon(line));
        else if (line.starts_with("flags") && line.find(" hypervisor") != std::string::npos) m.virtual_machine = true;
    }
    m.sockets = std::max<int>(1, static_cast<int>(physical_ids.size()));
    std::ifstream meminfo(procfs_root / "meminfo");
    for (std::string line; std::getline(meminfo, line);) {
        if (line.starts_with("MemTotal:")) {
            m.memory_bytes = leading_number(value_after_colon(line)) * 1024.0;
            break;
        }
    }
    // NVIDIA's driver lists each GPU under /proc/driver/nvidia/gpus/<bus id>/information.
    std::error_code ec;
    std::vector<std::filesystem::path> gpu_dirs;
    for (const auto& entry : std::filesystem::directory_iterator(procfs_root / "driver" / "nvidia" / "gpus", ec))
        gpu_dirs.push_back(entry.path());
    std::sort(gpu_dirs.begin(), gpu_dirs.end());
    for (const auto& dir : gpu_dirs) {
        std::ifstream info(dir / "information");
        for (std::string line; std::getline(info, line);)
            if (line.starts_with("Model:")) m.gpus.push_back(value_after_colon(line));
    }
    const auto dmi = sysfs_root / "class" / "dmi" / "id";
    const std::string vendor = read_trimmed(dmi / "sys_vendor");
    const std::string product = read_trimmed(dmi / "product_name");
    const std::string board = read_trimmed(dmi / "board_name");
    const std::string tree = read_trimmed(sysfs_root / "firmware" / "devicetree" / "base" / "model");
    for (const auto& part : {vendor, product, board, tree})
        if (!part.empty() && m.board.find(part) == std::string::npos) m.board += (m.board.empty() ? "" : " ") + part;
    // On EC2 Nitro instances DMI's product name is the instance type ("m5.large").
    if (vendor.find("Amazon EC2") != std::string::npos && product.find('.') != std::string::npos) m.instance_type = product;
    m.dimms = parse_dmidecode_memory(dmidecode_text);
    return m;
}

}  // namespace powerml::sensors
