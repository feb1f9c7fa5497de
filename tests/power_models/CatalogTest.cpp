// The shipped catalog: every file validates, the seed hardware is there and is matched, the
// generator is deterministic and its output is what is checked in.
#include <gtest/gtest.h>

#include <cstdlib>

#include "powerml/core/error.hpp"
#include "powerml/power_models/catalog.hpp"
#include "powerml/power_models/matcher.hpp"
#include "powerml/power_models/model_file.hpp"
#include "support/run_process.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::power_models;

namespace {
const std::filesystem::path k_data = POWERML_TEST_SOURCE_DIR "/../data";
const std::filesystem::path k_repo = POWERML_TEST_SOURCE_DIR "/..";

const Catalog& shipped() {
    static const Catalog catalog = [] {
        Catalog c;
        c.load_dir(k_data / "power-models", Origin::shipped);
        return c;
    }();
    return catalog;
}

std::string best_id(const Machine& m, ComponentKind kind, const Pins& pins = {}) {
    const auto r = Matcher(shipped()).best(m, kind, pins);
    return r.model ? r.model->id : "";
}
}  // namespace

TEST(CatalogTest, EveryShippedFileValidatesAndNamesItsSource) {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(k_data / "power-models")) {
        if (entry.path().extension() != ".toml") continue;
        ++files;
        const auto models = read_model_file(entry.path());
        EXPECT_FALSE(models.empty()) << entry.path();
        for (const auto& m : models) {
            EXPECT_FALSE(m.source.empty()) << m.id;
            EXPECT_FALSE(m.licence.empty()) << m.id;
        }
    }
    EXPECT_GE(files, 7u);
    // Few files holding many models, not thousands of tiny ones.
    EXPECT_LT(files, 20u);
    EXPECT_GT(shipped().size(), 7000u);
}

TEST(CatalogTest, SeedHardwareIsPresent) {
    for (const char* id : {"seed/dell-poweredge-r610", "seed/nvidia-t4", "seed/nvidia-rtx-3080", "seed/nvidia-rtx-3090",
                           "seed/nvidia-rtx-a2000", "seed/nvidia-gtx-1060", "seed/intel-core-i7-8700k",
                           "seed/intel-core-i9-11900kf", "seed/intel-core-i5-12500", "seed/amd-ryzen-7-1700",
                           "seed/nvidia-jetson-agx-xavier", "default/dram-cv2f", "default/unknown-cpu"})
        EXPECT_NE(shipped().find(id), nullptr) << id;
    const auto* r610 = shipped().find("seed/dell-poweredge-r610");
    ASSERT_NE(r610, nullptr);
    EXPECT_DOUBLE_EQ(r610->watts_at(0), 63.2);
    EXPECT_DOUBLE_EQ(r610->watts_at(1), 236);
    EXPECT_DOUBLE_EQ(shipped().find("seed/nvidia-t4")->watts_at(1), 70);
}

TEST(CatalogTest, SeedMachinesMatchTheirModels) {
    Machine mec;  // seed 000's edge server
    mec.cpu_model = "Intel(R) Xeon(R) CPU X5570 @ 2.93GHz";
    mec.sockets = 2;
    mec.board = "Dell Inc. PowerEdge R610 0K399H";
    mec.gpus = {"Tesla T4"};
    EXPECT_EQ(best_id(mec, ComponentKind::node), "seed/dell-poweredge-r610");
    EXPECT_EQ(best_id(mec, ComponentKind::gpu), "seed/nvidia-t4");
    EXPECT_EQ(best_id(mec, ComponentKind::cpu), "tdp/intel-xeon-x5570");
    Machine hc1;  // seed 001, HC-1
    hc1.cpu_model = "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz";
    hc1.gpus = {"NVIDIA GeForce RTX 3080"};
    EXPECT_EQ(best_id(hc1, ComponentKind::cpu), "seed/intel-core-i7-8700k");
    EXPECT_EQ(best_id(hc1, ComponentKind::gpu), "seed/nvidia-rtx-3080");
    EXPECT_EQ(best_id(hc1, ComponentKind::dram), "default/dram-cv2f");
    Machine sut;  // seed 003
    sut.cpu_model = "AMD Ryzen 7 1700 Eight-Core Processor";
    sut.gpus = {"NVIDIA GeForce GTX 1060 3GB"};
    EXPECT_EQ(best_id(sut, ComponentKind::cpu), "seed/amd-ryzen-7-1700");
    EXPECT_EQ(best_id(sut, ComponentKind::gpu), "seed/nvidia-gtx-1060");
    Machine jetson;
    jetson.cpu_model = "";
    jetson.board = "NVIDIA Jetson AGX Xavier Developer Kit";
    EXPECT_EQ(best_id(jetson, ComponentKind::node), "seed/nvidia-jetson-agx-xavier");
    EXPECT_EQ(best_id(jetson, ComponentKind::cpu), "default/unknown-cpu");
}

TEST(CatalogTest, PinsUserModelsAndManualModels) {
    Machine vm;
    vm.cpu_model = "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz";
    vm.virtual_machine = true;
    EXPECT_EQ(best_id(vm, ComponentKind::cpu), "ccf/aws/average");
    // Per-architecture models are used only when pinned.
    EXPECT_EQ(best_id(vm, ComponentKind::cpu, {{"cpu", "ccf/aws/cascade-lake"}}), "ccf/aws/cascade-lake");
    EXPECT_THROW(best_id(vm, ComponentKind::cpu, {{"cpu", "seed/nvidia-t4"}}), Error);  // a gpu model
    // A user's fitted model for the same CPU beats the shipped one.
    test::TempDir user;
    user.write("mine.toml", R"(schema = "powerml.power-models/1"
[[model]]
id = "fit/lab/cpu"
kind = "cpu"
form = "linear"
idle_w = 30
max_w = 140
source = "fitted"
licence = "CC0-1.0"
match = { cpu = "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz" }
fit = { run = "r", samples = 100, r2 = 0.99, mape = 0.02, rmse_w = 1.0, input = "PROCFS::CPU_UTIL@cpu" }
)");
    Catalog catalog = shipped();
    catalog.load_dir(user.path(), Origin::user);
    Machine hc1;
    hc1.cpu_model = "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz";
    const auto all = Matcher(catalog).candidates(hc1, ComponentKind::cpu);
    ASSERT_GE(all.size(), 3u);
    EXPECT_EQ(all[0].model->id, "fit/lab/cpu");
    EXPECT_NE(all[0].reason.find("user model"), std::string::npos) << all[0].reason;
    EXPECT_GT(all[0].score, all[1].score);
}

TEST(CatalogTest, FilterByKindAndText) {
    const auto t4 = shipped().filter("gpu", "T4");
    ASSERT_FALSE(t4.empty());
    for (const auto* m : t4) EXPECT_EQ(m->kind, ComponentKind::gpu);
    EXPECT_THROW(shipped().filter("fpga", ""), Error);
    EXPECT_EQ(shipped().filter("node", "PowerEdge R610").size() >= 2, true);  // the seed model and SPECpower's
}

TEST(CatalogTest, GeneratorIsDeterministicAndItsOutputIsCheckedIn) {
    // The reference data beside the repository (../shared/data), as on the build and CI machines.
    const std::filesystem::path source = POWERML_TEST_SOURCE_DIR "/../../shared/data";
    if (!std::filesystem::exists(source / "hardware" / "cpu-tdp.csv")) GTEST_SKIP() << "shared/data not on this machine";
    test::TempDir a, b;
    for (const auto* dir : {&a, &b}) {
        const auto r = test::run_process({"/usr/bin/python3", (k_repo / "scripts" / "generate_power_models.py").string(), "--source",
                                          source.string(), "--out", dir->path().string()});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    for (const char* name : {"cpu-tdp.toml", "gpu-tdp.toml", "aws-instances.toml", "specpower.toml", "cloud-vcpu.toml", "network.toml"}) {
        EXPECT_EQ(a.read(name), b.read(name)) << name;
        EXPECT_EQ(a.read(name), test::read_file(k_data / "power-models" / name)) << name << " differs from the checked-in file";
    }
}

TEST(CatalogTest, FilesOfUnwantedKindsAreSkippedAndKindsAreChecked) {
    Catalog all, some;
    all.load_dir(k_data / "power-models", Origin::shipped);
    some.set_wanted_kinds({ComponentKind::nic});
    some.load_dir(k_data / "power-models", Origin::shipped);
    EXPECT_EQ(some.filter("nic", "").size(), all.filter("nic", "").size());
    EXPECT_TRUE(some.filter("cpu", "").size() < 20u);  // only seed-hardware.toml's, which has no kinds header
    // A file that declares kinds must keep to them.
    EXPECT_THROW(parse_model_file("schema = \"powerml.power-models/1\"\ncatalog = { kinds = [\"gpu\"] }\n"
                                  "model = [{ id = \"x\", kind = \"cpu\", form = \"constant\", watts = 1, source = \"s\", "
                                  "licence = \"l\", match = { fallback = true } }]\n",
                                  "k.toml"),
                 Error);
}

TEST(CatalogTest, MachineFilterGivesTheSameMatchesAsTheWholeCatalog) {
    std::vector<Machine> machines(5);
    machines[0].cpu_model = "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz";
    machines[0].gpus = {"NVIDIA GeForce RTX 3080"};
    machines[1].cpu_model = "Intel(R) Xeon(R) CPU X5570 @ 2.93GHz";
    machines[1].board = "Dell Inc. PowerEdge R610";
    machines[1].gpus = {"Tesla T4"};
    machines[2].cpu_model = "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz";
    machines[2].virtual_machine = true;
    machines[2].instance_type = "m5.large";
    machines[3].cpu_model = "AMD EPYC 7763 64-Core Processor";
    machines[3].virtual_machine = true;
    machines[4].board = "NVIDIA Jetson AGX Xavier Developer Kit";
    for (const auto& m : machines) {
        Catalog filtered;
        filtered.set_machine_filter(m, {"ccf/gcp/skylake"});
        filtered.load_dir(k_data / "power-models", Origin::shipped);
        EXPECT_LT(filtered.size(), shipped().size() / 10);
        EXPECT_NE(filtered.find("ccf/gcp/skylake"), nullptr);  // kept because pinned
        for (auto kind : {ComponentKind::cpu, ComponentKind::gpu, ComponentKind::dram, ComponentKind::node, ComponentKind::nic}) {
            const auto whole = Matcher(shipped()).candidates(m, kind);
            const auto part = Matcher(filtered).candidates(m, kind);
            ASSERT_EQ(whole.size(), part.size()) << m.cpu_model << " " << to_string(kind);
            for (std::size_t i = 0; i < whole.size(); ++i) EXPECT_EQ(whole[i].model->id, part[i].model->id);
        }
    }
}
