// The per-process catalog cache: it serves what a fresh load gives, does not read again for an
// equal request over unchanged files, and loads again when a user model file changes.
#include <gtest/gtest.h>

#include <chrono>

#include "powerml/core/error.hpp"
#include "powerml/power_models/catalog_cache.hpp"
#include "powerml/power_models/matcher.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;
using namespace powerml::power_models;

namespace {
const std::filesystem::path k_data = POWERML_TEST_SOURCE_DIR "/../data";

Machine i7_8700k() {
    Machine m;
    m.cpu_model = "Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz";
    m.logical_cpus = 12;
    return m;
}

// The request a ModelSensor makes for `machine` with the user's models in `user_dir`.
CatalogCache::Request sensor_request(const Machine& machine, const std::filesystem::path& user_dir) {
    CatalogCache::Request r;
    r.shipped_dir = k_data / "power-models";
    r.user_dir = user_dir;
    r.kinds = {ComponentKind::cpu, ComponentKind::dram};
    r.machine = machine;
    return r;
}

// A user's fitted CPU model for the i7-8700K with `idle_w` watts at idle.
std::string user_model(int idle_w) {
    return "schema = \"powerml.power-models/1\"\n[[model]]\nid = \"fit/lab/cpu\"\nkind = \"cpu\"\nform = \"linear\"\n"
           "idle_w = " + std::to_string(idle_w) + "\nmax_w = 140\nsource = \"fitted\"\nlicence = \"CC0-1.0\"\n"
           "match = { cpu = \"Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz\" }\n";
}

// Files the tests write are new; CatalogCache does not trust the stamp of a file modified
// within its racy window, so those it should reuse are made an hour old.
void age(const std::filesystem::path& file) {
    std::filesystem::last_write_time(file, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
}

std::string best_cpu(const Catalog& catalog, const Machine& machine) {
    const auto r = Matcher(catalog).best(machine, ComponentKind::cpu);
    return r.model ? r.model->id : "";
}
}  // namespace

TEST(CatalogCacheTest, ServesTheModelsOfAFreshLoad) {
    test::TempDir user;
    user.write("mine.toml", user_model(30));
    const Machine machine = i7_8700k();
    CatalogCache cache;
    const auto cached = cache.get(sensor_request(machine, user.path()));

    Catalog fresh;
    fresh.set_wanted_kinds({ComponentKind::cpu, ComponentKind::dram});
    fresh.set_machine_filter(machine, {});
    fresh.load_dir(k_data / "power-models", Origin::shipped);
    fresh.load_dir(user.path(), Origin::user);

    ASSERT_EQ(cached->size(), fresh.size());
    ASSERT_GT(fresh.size(), 2u);
    for (std::size_t i = 0; i < fresh.size(); ++i) {
        const auto& a = cached->models()[i];
        const auto& b = fresh.models()[i];
        EXPECT_EQ(a.id, b.id);
        EXPECT_EQ(a.location.origin, b.location.origin) << a.id;
        EXPECT_DOUBLE_EQ(a.watts_at(0.5), b.watts_at(0.5)) << a.id;
    }
    EXPECT_EQ(best_cpu(*cached, machine), "fit/lab/cpu");
    EXPECT_EQ(cached->find("fit/lab/cpu")->location.origin, Origin::user);
}

TEST(CatalogCacheTest, AnEqualRequestOverUnchangedFilesIsNotReadAgain) {
    test::TempDir user;
    age(user.write("mine.toml", user_model(30)));
    CatalogCache cache;
    const auto first = cache.get(sensor_request(i7_8700k(), user.path()));
    const auto second = cache.get(sensor_request(i7_8700k(), user.path()));
    EXPECT_EQ(first.get(), second.get());
    EXPECT_EQ(cache.loads(), 1u);

    // Everything the result depends on is in the key: another machine, pin, kind list or folder
    // is another load, and the first entry is still there after them.
    Machine other = i7_8700k();
    other.cpu_model = "AMD Ryzen 7 1700 Eight-Core Processor";
    EXPECT_NE(cache.get(sensor_request(other, user.path())).get(), first.get());
    auto pinned = sensor_request(i7_8700k(), user.path());
    pinned.keep_ids = {"ccf/aws/cascade-lake"};
    EXPECT_EQ(first->find("ccf/aws/cascade-lake"), nullptr);  // filtered out unless pinned
    EXPECT_NE(cache.get(pinned)->find("ccf/aws/cascade-lake"), nullptr);
    auto all_kinds = sensor_request(i7_8700k(), user.path());
    all_kinds.kinds.clear();
    cache.get(all_kinds);
    cache.get(sensor_request(i7_8700k(), {}));
    EXPECT_EQ(cache.loads(), 5u);
    EXPECT_EQ(cache.get(sensor_request(i7_8700k(), user.path())).get(), first.get());
    EXPECT_EQ(cache.loads(), 5u);
}

TEST(CatalogCacheTest, AChangedAddedOrRemovedUserFileIsSeen) {
    test::TempDir user;
    const auto file = user.write("mine.toml", user_model(30));
    age(file);
    const Machine machine = i7_8700k();
    CatalogCache cache;
    EXPECT_DOUBLE_EQ(cache.get(sensor_request(machine, user.path()))->find("fit/lab/cpu")->watts_at(0), 30);

    // Same size, new contents: seen by the modification time.
    const auto before = std::filesystem::last_write_time(file);
    user.write("mine.toml", user_model(40));
    std::filesystem::last_write_time(file, before + std::chrono::seconds(1));
    EXPECT_DOUBLE_EQ(cache.get(sensor_request(machine, user.path()))->find("fit/lab/cpu")->watts_at(0), 40);
    EXPECT_EQ(cache.loads(), 2u);

    // New contents of another size with the old modification time: seen by the size.
    user.write("mine.toml", user_model(100));
    std::filesystem::last_write_time(file, before + std::chrono::seconds(1));
    EXPECT_DOUBLE_EQ(cache.get(sensor_request(machine, user.path()))->find("fit/lab/cpu")->watts_at(0), 100);

    age(user.write("sub/second.toml", "schema = \"powerml.power-models/1\"\n[[model]]\nid = \"fit/lab/cpu2\"\nkind = \"cpu\"\n"
                                  "form = \"constant\"\nwatts = 5\nsource = \"fitted\"\nlicence = \"CC0-1.0\"\n"
                                  "match = { cpu = \"Intel Core i7-8700K\" }\n"));
    EXPECT_NE(cache.get(sensor_request(machine, user.path()))->find("fit/lab/cpu2"), nullptr);
    std::filesystem::remove(file);
    const auto without = cache.get(sensor_request(machine, user.path()));
    EXPECT_EQ(without->find("fit/lab/cpu"), nullptr);
    EXPECT_NE(best_cpu(*without, machine), "fit/lab/cpu");
    EXPECT_EQ(cache.loads(), 5u);
}

TEST(CatalogCacheTest, ALoadThatFailsIsNotKept) {
    test::TempDir user;
    user.write("mine.toml", "schema = \"powerml.power-models/1\"\n[[model]]\nid = \"broken\"\n");
    CatalogCache cache;
    EXPECT_THROW(cache.get(sensor_request(i7_8700k(), user.path())), Error);
    EXPECT_THROW(cache.get(sensor_request(i7_8700k(), user.path())), Error);  // the file is read again, and still bad
    user.write("mine.toml", user_model(30) + "\n");
    EXPECT_NE(cache.get(sensor_request(i7_8700k(), user.path()))->find("fit/lab/cpu"), nullptr);
    EXPECT_EQ(cache.loads(), 1u);
}

TEST(CatalogCacheTest, AFileModifiedJustBeforeALoadIsReadAgainUntilItIsOlder) {
    // A same-size rewrite within one timestamp tick would keep the stamp: until the file is
    // older than the racy window, each call reads it again.
    test::TempDir user;
    const auto file = user.write("mine.toml", user_model(30));
    CatalogCache cache;
    cache.get(sensor_request(i7_8700k(), user.path()));
    cache.get(sensor_request(i7_8700k(), user.path()));
    EXPECT_EQ(cache.loads(), 2u);
    age(file);
    const auto aged = cache.get(sensor_request(i7_8700k(), user.path()));
    EXPECT_EQ(cache.get(sensor_request(i7_8700k(), user.path())).get(), aged.get());
    EXPECT_EQ(cache.loads(), 3u);
}
