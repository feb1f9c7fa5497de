#pragma once
// What the matcher needs to know about a machine. Plain data: power_models never reads
// hardware; the sensors module fills this in (sensors/machine_detect.hpp), tests write it.
#include <string>
#include <vector>

namespace powerml::power_models {

struct Dimm {
    double size_bytes = 0;
    double voltage_v = 0;   // dmidecode "Configured Voltage"; 0 = unknown
    double speed_mts = 0;   // dmidecode "Configured Memory Speed" in MT/s; 0 = unknown
    bool operator==(const Dimm&) const = default;
};

struct Machine {
    std::string cpu_model;  // "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz"
    int sockets = 1;
    int logical_cpus = 0;
    bool virtual_machine = false;
    double memory_bytes = 0;
    std::vector<std::string> gpus;  // one entry per device: "Tesla T4"
    std::string instance_type;      // cloud instance type when the platform says it ("m5.large")
    std::string board;              // DMI product and board names ("PowerEdge R610")
    std::vector<Dimm> dimms;        // empty when dmidecode could not be read
    bool operator==(const Machine&) const = default;  // CatalogCache keys on the machine
};

// "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz" -> "intel core i7-8700k": the form both sides of a
// CPU or GPU match are compared in.
std::string normalise_hardware_name(const std::string& name);
std::vector<std::string> name_tokens(const std::string& normalised);

}  // namespace powerml::power_models
