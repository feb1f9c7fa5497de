#pragma once
// All the power models PowerML knows: the shipped catalog (data/power-models/) and the user's
// own ($XDG_DATA_HOME/powerml/power-models/), which take precedence: a user model with the same
// id replaces the shipped one, and user models score higher when matching.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "powerml/power_models/machine.hpp"
#include "powerml/power_models/power_model.hpp"

namespace powerml::power_models {

class Catalog {
public:
    // Reads every *.toml under `dir` (recursively, sorted by path so the result is
    // deterministic); a missing folder adds nothing. Throws Error for a bad file.
    void load_dir(const std::filesystem::path& dir, Origin origin);
    // The files load_dir(dir) reads, in the order it reads them (CatalogCache stamps them).
    static std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir);
    void load_file(const std::filesystem::path& file, Origin origin);
    // Only models of these kinds are wanted (empty: all). A file whose one-line
    // `catalog = { ..., kinds = [...] }` header lists none of them is skipped unparsed: the
    // model sensor needs cpu and dram only, and parsing the whole catalog is most of its start-up.
    void set_wanted_kinds(std::vector<ComponentKind> kinds) { m_wanted = std::move(kinds); }
    // Only models that can match `machine` are wanted, plus those in `keep_ids` (pins): the
    // one-line models of generated catalog files are tested as text and skipped unparsed.
    // Matching on the result gives the same answer as on the whole catalog.
    void set_machine_filter(const Machine& machine, std::set<std::string> keep_ids) {
        m_machine = machine;
        m_keep = std::move(keep_ids);
    }
    // Adds or replaces (same id) one model.
    void add(PowerModel model);

    // The shipped catalog under data_dir/power-models plus the user's folder.
    static Catalog load_default(const std::filesystem::path& data_dir, const std::filesystem::path& user_dir);
    // $XDG_DATA_HOME/powerml/power-models
    static std::filesystem::path default_user_dir();

    const std::vector<PowerModel>& models() const { return m_models; }
    const PowerModel* find(const std::string& id) const;
    // Models of a kind (all kinds when empty) whose id, description, source or match rules
    // contain `text` (case-insensitive; everything when empty).
    std::vector<const PowerModel*> filter(const std::string& kind, const std::string& text) const;
    std::size_t size() const { return m_models.size(); }

private:
    bool wanted(std::string_view text) const;
    std::vector<ComponentKind> m_wanted;
    std::optional<Machine> m_machine;
    std::set<std::string> m_keep;
    std::vector<PowerModel> m_models;
    std::unordered_map<std::string, std::size_t> m_index;
};

}  // namespace powerml::power_models
