#pragma once
// The filtered catalog a model sensor needs, loaded once per process and shared. Loading it
// reads and parses about 1 MB of TOML: most of what a Python Tracker's start cost before, and
// each Tracker (each ModelSensor) loaded it again although the files had not changed.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "powerml/power_models/catalog.hpp"
#include "powerml/power_models/machine.hpp"

namespace powerml::power_models {

class CatalogCache {
public:
    // Everything a load's result depends on besides the files' contents.
    struct Request {
        std::filesystem::path shipped_dir;     // data_dir/power-models
        std::filesystem::path user_dir;        // the user's models, loaded last (empty: none)
        std::vector<ComponentKind> kinds;      // Catalog::set_wanted_kinds (empty: all)
        std::optional<Machine> machine;        // Catalog::set_machine_filter (none: no filter)
        std::set<std::string> keep_ids;        // ... and the pinned ids it keeps
        bool operator==(const Request&) const = default;
    };

    // The catalog for `request`: the one loaded before for an equal request while every *.toml
    // file Catalog::load_dir reads from both folders still has the path, size and modification
    // time it had when that load began (one stat per file, no read), and none had been modified
    // in the k_racy_window before it, else a fresh load. So a model the user fits or edits
    // between two Trackers is seen by the second. Thread-safe;
    // concurrent callers with one request wait for a single load. Throws Error as
    // Catalog::load_dir does, and a load that threw is not kept.
    std::shared_ptr<const Catalog> get(const Request& request);
    // How many loads from files get has made (tests count re-reads with it).
    std::size_t loads() const;

    // The cache every ModelSensor of this process shares.
    static CatalogCache& process();

private:
    struct FileStamp {
        std::filesystem::path path;
        std::uintmax_t size = 0;
        std::filesystem::file_time_type modified;
        bool operator==(const FileStamp&) const = default;
    };
    struct Entry {
        Request request;
        std::vector<FileStamp> stamps;
        bool racy = false;  // a file was modified within k_racy_window of the load: do not reuse
        std::shared_ptr<const Catalog> catalog;
    };
    static std::vector<FileStamp> stamp(const std::vector<std::filesystem::path>& files);

    // Longer than any file system's timestamp granularity.
    static constexpr std::chrono::seconds k_racy_window{2};
    // A process meets few machines and folders (tests meet more): the least recently used
    // entries beyond this are dropped.
    static constexpr std::size_t k_max_entries = 8;
    mutable std::mutex m_mutex;
    std::vector<Entry> m_entries;  // least recently used first
    std::size_t m_loads = 0;
};

}  // namespace powerml::power_models
