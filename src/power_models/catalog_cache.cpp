#include "powerml/power_models/catalog_cache.hpp"

#include <algorithm>

namespace powerml::power_models {

std::vector<CatalogCache::FileStamp> CatalogCache::stamp(const std::vector<std::filesystem::path>& files) {
    std::vector<FileStamp> stamps;
    stamps.reserve(files.size());
    for (const auto& file : files) {
        // A file that cannot be stat'ed gets an impossible stamp: the load reports it, or the
        // next call, finding it readable, loads again.
        std::error_code ec;
        FileStamp s{file, std::filesystem::file_size(file, ec), {}};
        if (ec) s.size = static_cast<std::uintmax_t>(-1);
        s.modified = std::filesystem::last_write_time(file, ec);
        if (ec) s.modified = std::filesystem::file_time_type::min();
        stamps.push_back(std::move(s));
    }
    return stamps;
}

std::shared_ptr<const Catalog> CatalogCache::get(const Request& request) {
    // Listed and stamped before they are read: a file that changes during the load has a newer
    // stamp than the one kept, so the next call loads again rather than keeping a stale catalog.
    const auto shipped = Catalog::files_in(request.shipped_dir);
    const auto user = request.user_dir.empty() ? std::vector<std::filesystem::path>{} : Catalog::files_in(request.user_dir);
    auto stamps = stamp(shipped);
    for (auto& s : stamp(user)) stamps.push_back(std::move(s));
    // A file rewritten with the same size within the file system's timestamp granularity
    // (a clock tick) of this load would keep its stamp: one modified that recently is not
    // trusted, and a catalog that read it is loaded again by the next call ("racy" as in git).
    const auto recent = std::filesystem::file_time_type::clock::now() - k_racy_window;
    const bool racy = std::any_of(stamps.begin(), stamps.end(), [&](const FileStamp& s) { return s.modified > recent; });

    // Held during the load: a second Tracker starting meanwhile waits and shares this load.
    std::lock_guard lock(m_mutex);
    const auto hit = std::find_if(m_entries.begin(), m_entries.end(), [&](const Entry& e) { return e.request == request; });
    if (hit != m_entries.end() && !hit->racy && hit->stamps == stamps) {
        std::rotate(hit, hit + 1, m_entries.end());  // now the most recently used
        return m_entries.back().catalog;
    }
    auto catalog = std::make_shared<Catalog>();
    catalog->set_wanted_kinds(request.kinds);
    if (request.machine) catalog->set_machine_filter(*request.machine, request.keep_ids);
    for (const auto& file : shipped) catalog->load_file(file, Origin::shipped);
    // Loaded last: a user model with a shipped model's id replaces it.
    for (const auto& file : user) catalog->load_file(file, Origin::user);
    ++m_loads;
    if (hit != m_entries.end()) m_entries.erase(hit);
    if (m_entries.size() >= k_max_entries) m_entries.erase(m_entries.begin());
    m_entries.push_back({request, std::move(stamps), racy, catalog});
    return catalog;
}

std::size_t CatalogCache::loads() const {
    std::lock_guard lock(m_mutex);
    return m_loads;
}

CatalogCache& CatalogCache::process() {
    static CatalogCache cache;
    return cache;
}

}  // namespace powerml::power_models
