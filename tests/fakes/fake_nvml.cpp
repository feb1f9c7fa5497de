// A stand-in for libnvidia-ml.so built by the tests: the NVML entry points PowerML calls, with
// scripted values, so that the nvml sensor is tested without a GPU.
//
// Script: the file named by $FAKE_NVML_SCRIPT, read by nvmlInit_v2. Lines:
//   init_rc N                      nvmlInit_v2 returns N (e.g. 9, driver not loaded)
//   gpu key=value ...              one GPU, in index order
// GPU keys: uuid name energy_mj energy_step_mj (added on every energy read) power_mw
// instant_mw util_gpu util_mem mem_used mem_total temp sm_mhz mem_mhz gfx_mhz pstate pcie_gen
// limit_mw mig (1 = MIG enabled) mig_uuid lost (1 = every call returns GPU_IS_LOST).
// A value of -1 makes that reading return NVML_ERROR_NOT_SUPPORTED.
// Tests change values mid-run with fake_nvml_set(gpu, key, value) found by dlsym.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int k_success = 0, k_invalid = 2, k_not_supported = 3, k_not_found = 6, k_lost = 15;

struct Gpu {
    std::string uuid, name = "Fake GPU", mig_uuid;
    std::map<std::string, long long> v;
    char mig_marker = 0;  // its address is the MIG device handle
};

std::vector<Gpu> g_gpus;
int g_init_rc = 0;
bool g_initialised = false;

long long get(const Gpu& g, const char* key, long long fallback) {
    auto it = g.v.find(key);
    return it == g.v.end() ? fallback : it->second;
}

void load_script() {
    g_gpus.clear();
    g_init_rc = 0;
    const char* path = std::getenv("FAKE_NVML_SCRIPT");
    if (!path) return;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string head;
        words >> head;
        if (head == "init_rc") {
            words >> g_init_rc;
        } else if (head == "gpu") {
            Gpu gpu;
            gpu.uuid = "GPU-fake-" + std::to_string(g_gpus.size());
            std::string kv;
            while (words >> kv) {
                const auto eq = kv.find('=');
                if (eq == std::string::npos) continue;
                const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
                if (key == "uuid") gpu.uuid = value;
                else if (key == "name") gpu.name = value;
                else if (key == "mig_uuid") gpu.mig_uuid = value;
                else gpu.v[key] = std::atoll(value.c_str());
            }
            g_gpus.push_back(gpu);
        }
    }
}

Gpu* gpu_of(void* device) {
    for (auto& g : g_gpus)
        if (device == &g) return &g;
    return nullptr;
}

// Common checks: a known, answering device; then the reading, or NOT_SUPPORTED for -1.
#define FAKE_DEVICE(device)                     \
    Gpu* g = gpu_of(device);                    \
    if (!g_initialised) return 1;               \
    if (!g) return k_invalid;                   \
    if (get(*g, "lost", 0)) return k_lost

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void fake_nvml_set(unsigned gpu, const char* key, long long value) {
    if (gpu < g_gpus.size()) g_gpus[gpu].v[key] = value;
}

__attribute__((visibility("default"))) int nvmlInit_v2() {
    load_script();
    g_initialised = g_init_rc == 0;
    return g_init_rc;
}
__attribute__((visibility("default"))) int nvmlShutdown() {
    g_initialised = false;
    return k_success;
}
__attribute__((visibility("default"))) const char* nvmlErrorString(int rc) {
    switch (rc) {
        case 0: return "Success";
        case 3: return "Not Supported";
        case 9: return "Driver Not Loaded";
        case 15: return "GPU is lost";
        default: return "Unknown Error";
    }
}
__attribute__((visibility("default"))) int nvmlDeviceGetCount_v2(unsigned* count) {
    *count = static_cast<unsigned>(g_gpus.size());
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByIndex_v2(unsigned index, void** device) {
    if (index >= g_gpus.size()) return k_invalid;
    *device = &g_gpus[index];
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetHandleByUUID(const char* uuid, void** device) {
    for (auto& g : g_gpus) {
        if (g.uuid == uuid) { *device = &g; return k_success; }
        if (!g.mig_uuid.empty() && g.mig_uuid == uuid) { *device = &g.mig_marker; return k_success; }
    }
    return k_not_found;
}
__attribute__((visibility("default"))) int nvmlDeviceGetDeviceHandleFromMigDeviceHandle(void* mig, void** parent) {
    for (auto& g : g_gpus)
        if (mig == &g.mig_marker) { *parent = &g; return k_success; }
    return k_invalid;
}
__attribute__((visibility("default"))) int nvmlDeviceGetIndex(void* device, unsigned* index) {
    FAKE_DEVICE(device);
    *index = static_cast<unsigned>(g - g_gpus.data());
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetName(void* device, char* out, unsigned size) {
    FAKE_DEVICE(device);
    std::snprintf(out, size, "%s", g->name.c_str());
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetUUID(void* device, char* out, unsigned size) {
    FAKE_DEVICE(device);
    std::snprintf(out, size, "%s", g->uuid.c_str());
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetTotalEnergyConsumption(void* device, unsigned long long* mj) {
    FAKE_DEVICE(device);
    const long long now = get(*g, "energy_mj", 0);
    if (now < 0) return k_not_supported;
    *mj = static_cast<unsigned long long>(now);
    g->v["energy_mj"] = now + get(*g, "energy_step_mj", 0);
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetPowerUsage(void* device, unsigned* mw) {
    FAKE_DEVICE(device);
    const long long p = get(*g, "power_mw", 100000);
    if (p < 0) return k_not_supported;
    *mw = static_cast<unsigned>(p);
    return k_success;
}
struct FieldValue {
    unsigned field_id, scope_id;
    long long timestamp, latency;
    int value_type, status;
    union { double d; unsigned ui; unsigned long long ull; } value;
};
__attribute__((visibility("default"))) int nvmlDeviceGetFieldValues(void* device, int count, FieldValue* values) {
    FAKE_DEVICE(device);
    for (int i = 0; i < count; ++i) {
        const long long p = get(*g, "instant_mw", -1);
        if (values[i].field_id != 186 || p < 0) {
            values[i].status = k_not_supported;
            continue;
        }
        values[i].status = k_success;
        values[i].value_type = 1;
        values[i].value.ui = static_cast<unsigned>(p);
    }
    return k_success;
}
struct Util { unsigned gpu, memory; };
__attribute__((visibility("default"))) int nvmlDeviceGetUtilizationRates(void* device, Util* u) {
    FAKE_DEVICE(device);
    if (get(*g, "util_gpu", 0) < 0) return k_not_supported;
    u->gpu = static_cast<unsigned>(get(*g, "util_gpu", 0));
    u->memory = static_cast<unsigned>(get(*g, "util_mem", 0));
    return k_success;
}
struct Mem { unsigned long long total, free, used; };
__attribute__((visibility("default"))) int nvmlDeviceGetMemoryInfo(void* device, Mem* m) {
    FAKE_DEVICE(device);
    m->total = static_cast<unsigned long long>(get(*g, "mem_total", 80LL << 30));
    m->used = static_cast<unsigned long long>(get(*g, "mem_used", 0));
    m->free = m->total - m->used;
    return k_success;
}
#define FAKE_UNSIGNED(fn, key, fallback)                                         \
    __attribute__((visibility("default"))) int fn(void* device, unsigned* out) { \
        FAKE_DEVICE(device);                                                     \
        const long long value = get(*g, key, fallback);                          \
        if (value < 0) return k_not_supported;                                   \
        *out = static_cast<unsigned>(value);                                     \
        return k_success;                                                        \
    }
FAKE_UNSIGNED(nvmlDeviceGetCurrPcieLinkGeneration, "pcie_gen", 4)
FAKE_UNSIGNED(nvmlDeviceGetEnforcedPowerLimit, "limit_mw", 300000)
__attribute__((visibility("default"))) int nvmlDeviceGetTemperature(void* device, int sensor, unsigned* out) {
    FAKE_DEVICE(device);
    if (sensor != 0) return k_invalid;
    const long long t = get(*g, "temp", 40);
    if (t < 0) return k_not_supported;
    *out = static_cast<unsigned>(t);
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetClockInfo(void* device, int type, unsigned* out) {
    FAKE_DEVICE(device);
    const char* key = type == 0 ? "gfx_mhz" : type == 1 ? "sm_mhz" : type == 2 ? "mem_mhz" : nullptr;
    if (!key) return k_invalid;
    const long long mhz = get(*g, key, 1000);
    if (mhz < 0) return k_not_supported;
    *out = static_cast<unsigned>(mhz);
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetPerformanceState(void* device, int* out) {
    FAKE_DEVICE(device);
    const long long p = get(*g, "pstate", 0);
    if (p < 0) return k_not_supported;
    *out = static_cast<int>(p);
    return k_success;
}
__attribute__((visibility("default"))) int nvmlDeviceGetMigMode(void* device, unsigned* current, unsigned* pending) {
    FAKE_DEVICE(device);
    *current = *pending = static_cast<unsigned>(get(*g, "mig", 0));
    return k_success;
}

}  // extern "C"
