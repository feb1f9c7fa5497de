#include "powerml/sensors/nvml_library.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstring>
#include <map>
#include <mutex>

namespace powerml::sensors {

using nvml::Device;
using nvml::Return;

struct NvmlLibrary::Symbols {
    Return (*init)() = nullptr;
    Return (*shutdown)() = nullptr;
    const char* (*error_string)(Return) = nullptr;
    Return (*count)(unsigned*) = nullptr;
    Return (*by_index)(unsigned, Device*) = nullptr;
    Return (*by_uuid)(const char*, Device*) = nullptr;
    Return (*mig_parent)(Device, Device*) = nullptr;
    Return (*name)(Device, char*, unsigned) = nullptr;
    Return (*uuid)(Device, char*, unsigned) = nullptr;
    Return (*index)(Device, unsigned*) = nullptr;
    Return (*energy)(Device, unsigned long long*) = nullptr;
    Return (*power)(Device, unsigned*) = nullptr;
    Return (*fields)(Device, int, nvml::FieldValue*) = nullptr;
    Return (*util)(Device, nvml::Utilization*) = nullptr;
    Return (*memory)(Device, nvml::Memory*) = nullptr;
    Return (*temperature)(Device, int, unsigned*) = nullptr;
    Return (*clock)(Device, int, unsigned*) = nullptr;
    Return (*pstate)(Device, int*) = nullptr;
    Return (*pcie_gen)(Device, unsigned*) = nullptr;
    Return (*limit)(Device, unsigned*) = nullptr;
    Return (*mig_mode)(Device, unsigned*, unsigned*) = nullptr;
};

namespace {
template <typename F>
void bind(void* handle, const char* symbol, F& target) {
    target = reinterpret_cast<F>(::dlsym(handle, symbol));
}
// Entry points every driver since Volta has; without them the library is not usable.
constexpr const char* k_required[] = {"nvmlInit_v2", "nvmlShutdown", "nvmlDeviceGetCount_v2",
                                      "nvmlDeviceGetHandleByIndex_v2"};

// A dlopen that fails searches every library folder again each time: on a machine without the
// NVIDIA driver each Python Tracker paid for it at its start. A failure is remembered per path
// while what the loader would find is unchanged: the file itself for a path, and for a bare name
// the loader's cache /etc/ld.so.cache, which ldconfig rewrites when a driver is installed.
std::string loader_stamp(const std::string& path) {
    const std::string file = path.find('/') == std::string::npos ? "/etc/ld.so.cache" : path;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return "absent";
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

struct LoadFailure {
    std::string stamp;
    std::string error;
};
std::mutex g_failures_mutex;
std::map<std::string, LoadFailure> g_failures;  // path -> the last dlopen failure
std::size_t g_dlopen_calls = 0;                  // under g_failures_mutex

}  // namespace

std::size_t NvmlLibrary::dlopen_calls() {
    std::lock_guard lock(g_failures_mutex);
    return g_dlopen_calls;
}

std::shared_ptr<NvmlLibrary> NvmlLibrary::load(const std::string& path, std::string& error) {
    const std::string stamp = loader_stamp(path);
    {
        std::lock_guard lock(g_failures_mutex);
        if (auto it = g_failures.find(path); it != g_failures.end() && it->second.stamp == stamp) {
            error = it->second.error;
            return nullptr;
        }
        ++g_dlopen_calls;
    }
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* text = ::dlerror();
        error = "cannot load " + path + ": " + (text ? text : "unknown dlopen error");
        std::lock_guard lock(g_failures_mutex);
        g_failures[path] = {stamp, error};
        return nullptr;
    }
    for (const char* symbol : k_required) {
        if (!::dlsym(handle, symbol)) {
            error = path + " has no " + symbol + ": not an NVML library, or a driver older than 2017";
            ::dlclose(handle);
            return nullptr;
        }
    }
    std::shared_ptr<NvmlLibrary> lib(new NvmlLibrary());
    lib->m_handle = handle;
    lib->m_path = path;
    lib->m_sym = std::make_unique<Symbols>();
    Symbols& s = *lib->m_sym;
    bind(handle, "nvmlInit_v2", s.init);
    bind(handle, "nvmlShutdown", s.shutdown);
    bind(handle, "nvmlErrorString", s.error_string);
    bind(handle, "nvmlDeviceGetCount_v2", s.count);
    bind(handle, "nvmlDeviceGetHandleByIndex_v2", s.by_index);
    bind(handle, "nvmlDeviceGetHandleByUUID", s.by_uuid);
    bind(handle, "nvmlDeviceGetDeviceHandleFromMigDeviceHandle", s.mig_parent);
    bind(handle, "nvmlDeviceGetName", s.name);
    bind(handle, "nvmlDeviceGetUUID", s.uuid);
    bind(handle, "nvmlDeviceGetIndex", s.index);
    bind(handle, "nvmlDeviceGetTotalEnergyConsumption", s.energy);
    bind(handle, "nvmlDeviceGetPowerUsage", s.power);
    bind(handle, "nvmlDeviceGetFieldValues", s.fields);
    bind(handle, "nvmlDeviceGetUtilizationRates", s.util);
    bind(handle, "nvmlDeviceGetMemoryInfo", s.memory);
    bind(handle, "nvmlDeviceGetTemperature", s.temperature);
    bind(handle, "nvmlDeviceGetClockInfo", s.clock);
    bind(handle, "nvmlDeviceGetPerformanceState", s.pstate);
    bind(handle, "nvmlDeviceGetCurrPcieLinkGeneration", s.pcie_gen);
    bind(handle, "nvmlDeviceGetEnforcedPowerLimit", s.limit);
    bind(handle, "nvmlDeviceGetMigMode", s.mig_mode);

    const Return rc = s.init();
    if (rc != nvml::k_success) {
        error = "nvmlInit failed: " + lib->error_string(rc) + " (NVML status " + std::to_string(rc) + ")";
        s.shutdown = nullptr;  // nothing to shut down
        return nullptr;
    }
    return lib;
}

NvmlLibrary::~NvmlLibrary() {
    if (m_sym && m_sym->shutdown) m_sym->shutdown();
    if (m_handle) ::dlclose(m_handle);
}

std::string NvmlLibrary::error_string(Return code) const {
    if (m_sym->error_string) {
        if (const char* text = m_sym->error_string(code)) return text;
    }
    return "NVML status " + std::to_string(code);
}

// Every wrapper: a missing optional entry point reads as "not supported", never as a crash.
#define POWERML_NVML_CALL(fn, ...) \
    return m_sym->fn ? m_sym->fn(__VA_ARGS__) : nvml::k_not_supported

Return NvmlLibrary::device_count(unsigned& count) const { POWERML_NVML_CALL(count, &count); }
Return NvmlLibrary::handle_by_index(unsigned i, Device& d) const { POWERML_NVML_CALL(by_index, i, &d); }
Return NvmlLibrary::handle_by_uuid(const std::string& uuid, Device& d) const {
    POWERML_NVML_CALL(by_uuid, uuid.c_str(), &d);
}
Return NvmlLibrary::parent_of_mig(Device mig, Device& parent) const { POWERML_NVML_CALL(mig_parent, mig, &parent); }
Return NvmlLibrary::index(Device d, unsigned& out) const { POWERML_NVML_CALL(index, d, &out); }
Return NvmlLibrary::total_energy_mj(Device d, unsigned long long& e) const { POWERML_NVML_CALL(energy, d, &e); }
Return NvmlLibrary::power_usage_mw(Device d, unsigned& p) const { POWERML_NVML_CALL(power, d, &p); }
Return NvmlLibrary::utilization(Device d, nvml::Utilization& u) const { POWERML_NVML_CALL(util, d, &u); }
Return NvmlLibrary::memory(Device d, nvml::Memory& m) const { POWERML_NVML_CALL(memory, d, &m); }
Return NvmlLibrary::temperature_c(Device d, unsigned& t) const { POWERML_NVML_CALL(temperature, d, 0, &t); }
Return NvmlLibrary::clock_mhz(Device d, int type, unsigned& c) const { POWERML_NVML_CALL(clock, d, type, &c); }
Return NvmlLibrary::performance_state(Device d, int& p) const { POWERML_NVML_CALL(pstate, d, &p); }
Return NvmlLibrary::pcie_generation(Device d, unsigned& g) const { POWERML_NVML_CALL(pcie_gen, d, &g); }
Return NvmlLibrary::power_limit_mw(Device d, unsigned& l) const { POWERML_NVML_CALL(limit, d, &l); }
Return NvmlLibrary::mig_mode(Device d, unsigned& c, unsigned& p) const { POWERML_NVML_CALL(mig_mode, d, &c, &p); }
#undef POWERML_NVML_CALL

namespace {
std::string text_call(Return (*fn)(Device, char*, unsigned), Device d, std::string& out, Return& rc) {
    char buffer[96] = {};  // NVML_DEVICE_UUID_V2_BUFFER_SIZE, the largest of name/UUID buffers
    rc = fn ? fn(d, buffer, sizeof buffer) : nvml::k_not_supported;
    if (rc == nvml::k_success) out.assign(buffer, ::strnlen(buffer, sizeof buffer));
    return out;
}
}  // namespace

Return NvmlLibrary::name(Device d, std::string& out) const {
    Return rc;
    text_call(m_sym->name, d, out, rc);
    return rc;
}
Return NvmlLibrary::uuid(Device d, std::string& out) const {
    Return rc;
    text_call(m_sym->uuid, d, out, rc);
    return rc;
}

Return NvmlLibrary::power_instant_mw(Device d, double& power_mw) const {
    if (!m_sym->fields) return nvml::k_not_supported;
    nvml::FieldValue value{};
    value.field_id = nvml::k_field_power_instant;
    const Return rc = m_sym->fields(d, 1, &value);
    if (rc != nvml::k_success) return rc;
    if (value.status != nvml::k_success) return value.status;
    switch (value.value_type) {
        case 0: power_mw = value.value.d; break;
        case 1: power_mw = value.value.ui; break;
        case 2: power_mw = static_cast<double>(value.value.ul); break;
        case 3: power_mw = static_cast<double>(value.value.ull); break;
        case 4: power_mw = static_cast<double>(value.value.sll); break;
        case 5: power_mw = value.value.si; break;
        case 6: power_mw = value.value.us; break;
        default: return nvml::k_not_supported;
    }
    return nvml::k_success;
}

}  // namespace powerml::sensors
