#include "powerml/power_models/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/power_models/model_file.hpp"
#include "prefilter.hpp"

namespace powerml::power_models {

namespace {
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}
bool contains(const std::string& haystack_lower, const std::string& needle_lower) {
    return haystack_lower.find(needle_lower) != std::string::npos;
}
}  // namespace

void Catalog::add(PowerModel model) {
    if (auto it = m_index.find(model.id); it != m_index.end()) {
        m_models[it->second] = std::move(model);
        return;
    }
    m_index.emplace(model.id, m_models.size());
    m_models.push_back(std::move(model));
}

bool Catalog::wanted(std::string_view text) const {
    if (m_wanted.empty()) return true;
    const auto at = text.rfind("\ncatalog = {", 4096);
    if (at == std::string::npos) return true;
    const auto end = text.find('\n', at + 1);
    try {
        const auto header = toml::parse(text.substr(at + 1, end == std::string_view::npos ? std::string_view::npos : end - at - 1));
        const auto* kinds = header["catalog"]["kinds"].as_array();
        if (!kinds) return true;
        for (const auto& k : *kinds)
            if (auto kind = component_kind_from(k.value_or(std::string_view{})))
                if (std::find(m_wanted.begin(), m_wanted.end(), *kind) != m_wanted.end()) return true;
        return false;
    } catch (const toml::parse_error&) {
        return true;  // the full parse reports it with file and line
    }
}

void Catalog::load_file(const std::filesystem::path& file, Origin origin) {
    if (!m_machine) {
        const std::string text = paths::read_input_file(file, k_max_model_file_bytes, "power model file");
        if (!wanted(text)) return;
        for (auto& model : parse_model_file(text, file.string(), origin)) add(std::move(model));
        return;
    }
    // For one machine, most lines of a generated catalog cannot match: the file is filtered as
    // it is read, so only what may match is ever held (a megabyte read whole and then copied
    // faulted in more fresh memory than the rest of a measurement's start-up used). A file of
    // unwanted kinds is left after its first piece, which holds the catalog header.
    std::string kept;
    bool first = true, unwanted = false;
    paths::read_input_file_lines(file, k_max_model_file_bytes, "power model file", [&](std::string_view lines) {
        if (std::exchange(first, false) && !wanted(lines)) return !(unwanted = true);
        detail::append_matchable_lines(lines, *m_machine, m_keep, kept);
        return true;
    });
    if (unwanted) return;
    for (auto& model : parse_model_file(kept, file.string(), origin)) add(std::move(model));
}

std::vector<std::filesystem::path> Catalog::files_in(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return {};
    std::vector<std::filesystem::path> files;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        // A shared catalog may be a git checkout: skip its .git folder.
        if (it->is_directory() && it->path().filename().string().starts_with(".")) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && it->path().extension() == ".toml") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

void Catalog::load_dir(const std::filesystem::path& dir, Origin origin) {
    for (const auto& file : files_in(dir)) load_file(file, origin);
}

Catalog Catalog::load_default(const std::filesystem::path& data_dir, const std::filesystem::path& user_dir) {
    Catalog catalog;
    catalog.load_dir(data_dir / "power-models", Origin::shipped);
    // Loaded last: a user model with a shipped model's id replaces it.
    catalog.load_dir(user_dir, Origin::user);
    return catalog;
}

std::filesystem::path Catalog::default_user_dir() { return paths::user_data_dir() / "power-models"; }

const PowerModel* Catalog::find(const std::string& id) const {
    auto it = m_index.find(id);
    return it == m_index.end() ? nullptr : &m_models[it->second];
}

std::vector<const PowerModel*> Catalog::filter(const std::string& kind, const std::string& text) const {
    std::optional<ComponentKind> wanted;
    if (!kind.empty()) {
        wanted = component_kind_from(kind);
        if (!wanted) throw Error("--kind '" + kind + "' is not one of cpu, gpu, dram, accelerator, nic, node");
    }
    const std::string needle = lower(text);
    std::vector<const PowerModel*> out;
    for (const auto& m : m_models) {
        if (wanted && m.kind != *wanted) continue;
        if (!needle.empty()) {
            bool hit = contains(lower(m.id), needle) || contains(lower(m.description), needle) || contains(lower(m.source), needle);
            for (const auto* rules : {&m.match.cpu, &m.match.gpu, &m.match.instance, &m.match.board})
                for (const auto& r : *rules) hit = hit || contains(lower(r), needle);
            if (!hit) continue;
        }
        out.push_back(&m);
    }
    return out;
}

}  // namespace powerml::power_models
