#include "powerml/planner/job_file.hpp"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "powerml/core/error.hpp"
#include "powerml/core/limits.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/core/units.hpp"

namespace powerml::planner {
namespace {

constexpr std::size_t k_max_job_bytes = 1 << 20;        // a job file is a few hundred bytes
constexpr std::size_t k_max_summary_bytes = 64u << 20;  // a run's summary.json
constexpr std::size_t k_max_sites = 1000;

// Reads one table, remembering the keys it used so that misspelt keys are reported instead
// of silently ignored.
class TableReader {
public:
    TableReader(const toml::table& table, std::string origin, std::string where)
        : m_table(table), m_origin(std::move(origin)), m_where(std::move(where)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throw Error(fmt::format("{}: {} {}: {}", m_origin, m_where, key, what));
    }

    bool has(const std::string& key) {
        m_used.insert(key);
        return m_table.contains(key);
    }
    const toml::node* node(const std::string& key) {
        m_used.insert(key);
        return m_table.get(key);
    }

    std::string string(const std::string& key, bool required, const std::string& fallback = {}) {
        const toml::node* n = node(key);
        if (!n) {
            if (required) fail(key, "missing; it is required");
            return fallback;
        }
        if (auto s = n->value<std::string>()) return *s;
        fail(key, "must be a string");
    }

    std::optional<double> number(const std::string& key) {
        const toml::node* n = node(key);
        if (!n) return std::nullopt;
        if (n->is_integer() || n->is_floating_point()) {
            const double v = *n->value<double>();
            if (!std::isfinite(v)) fail(key, "must be a finite number");
            return v;
        }
        fail(key, "must be a number");
    }

    // Number that must be at least `min` (strictly more when `strict`).
    std::optional<double> bounded(const std::string& key, double min, bool strict) {
        auto v = number(key);
        if (v && (strict ? !(*v > min) : !(*v >= min)))
            fail(key, fmt::format("must be {} {} (got {})", strict ? ">" : ">=", min, *v));
        return v;
    }

    bool boolean(const std::string& key, bool fallback) {
        const toml::node* n = node(key);
        if (!n) return fallback;
        if (auto b = n->value<bool>()) return *b;
        fail(key, "must be true or false");
    }

    // "5h", "30m", or a number of seconds.
    std::optional<double> duration(const std::string& key) {
        const toml::node* n = node(key);
        if (!n) return std::nullopt;
        double v = 0;
        if (auto s = n->value<std::string>()) {
            try {
                v = parse_duration_s(*s);
            } catch (const Error& e) {
                fail(key, e.what());
            }
        } else if (n->is_integer() || n->is_floating_point()) {
            v = *n->value<double>();
        } else {
            fail(key, "must be a duration such as \"5h\" or a number of seconds");
        }
        if (!(v >= 0) || !std::isfinite(v)) fail(key, "must not be negative");
        if (v > k_longest_duration_s) fail(key, "must be at most 100 years");
        return v;
    }

    // RFC 3339 string or a TOML offset date-time.
    std::optional<UtcMillis> time(const std::string& key) {
        const toml::node* n = node(key);
        if (!n) return std::nullopt;
        std::string text;
        if (auto s = n->value<std::string>()) {
            text = *s;
        } else if (const auto* dt = n->as_date_time()) {
            const toml::date_time& v = dt->get();
            text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", v.date.year, v.date.month, v.date.day, v.time.hour,
                               v.time.minute, v.time.second);
            if (v.offset) {
                const int minutes = v.offset->minutes;
                text += fmt::format("{}{:02}:{:02}", minutes < 0 ? '-' : '+', std::abs(minutes) / 60, std::abs(minutes) % 60);
            } else {
                text += "Z";  // a local date-time is taken as UTC
            }
        } else if (const auto* d = n->as_date()) {
            const toml::date& v = d->get();
            text = fmt::format("{:04}-{:02}-{:02}", v.year, v.month, v.day);
        } else {
            fail(key, "must be a time such as \"2023-06-15T00:00:00Z\"");
        }
        try {
            return parse_rfc3339(text);
        } catch (const Error& e) {
            fail(key, e.what());
        }
    }

    std::vector<std::string> strings(const std::string& key) {
        const toml::node* n = node(key);
        std::vector<std::string> out;
        if (!n) return out;
        const toml::array* arr = n->as_array();
        if (!arr) fail(key, "must be an array of strings");
        for (const auto& item : *arr) {
            auto s = item.value<std::string>();
            if (!s) fail(key, "must be an array of strings");
            out.push_back(*s);
        }
        return out;
    }

    const toml::table* table(const std::string& key) {
        const toml::node* n = node(key);
        if (!n) return nullptr;
        if (const toml::table* t = n->as_table()) return t;
        fail(key, "must be a table such as { seconds = 120 }");
    }

    void reject_unknown() const {
        for (const auto& [key, value] : m_table) {
            const std::string name(key.str());
            if (!m_used.count(name)) fail(name, "unknown key (see docs/reference/job-file.md)");
        }
    }

    std::string sub(const std::string& key) const { return fmt::format("{} {}", m_where, key); }
    const std::string& origin() const { return m_origin; }

private:
    const toml::table& m_table;
    std::string m_origin;
    std::string m_where;
    std::set<std::string> m_used;
};

// A `powerml measure --out DIR` directory (or its summary.json), else whatever `lookup` knows
// by that name: duration and mean power of the measured run. Gross energy, because the job is
// what keeps the machine busy.
void read_run_profile(TableReader& job, const std::string& run, const std::filesystem::path& base_dir,
                      const RunLookup& lookup, JobSpec& spec) {
    std::filesystem::path path = run;
    if (path.is_relative() && !base_dir.empty()) path = base_dir / path;
    if (std::filesystem::is_directory(path)) path /= "summary.json";
    if (!std::filesystem::exists(path)) {
        std::optional<RunProfile> found;
        if (lookup) {
            try {
                found = lookup(run);
            } catch (const Error& e) {
                job.fail("run", e.what());
            }
        }
        if (!found)
            job.fail("run", fmt::format("'{}' is neither a `powerml measure --out` directory nor a run in the run store",
                                        run));
        if (!(found->duration_s > 0) || !(found->power_w > 0))
            job.fail("run", fmt::format("run '{}' has no positive duration and energy", run));
        spec.duration_s = found->duration_s;
        spec.power_w = found->power_w;
        spec.profile_origin = found->origin;
        return;
    }
    std::string text;
    try {
        text = paths::read_input_file(path, k_max_summary_bytes, "run summary");
    } catch (const Error& e) {
        job.fail("run", e.what());
    }
    nlohmann::json summary;
    try {
        summary = nlohmann::json::parse(text);
        const double duration = summary.at("duration_s").get<double>();
        const double energy = summary.at("energy_j").at("gross").get<double>();
        if (!(duration > 0) || !(energy > 0)) job.fail("run", fmt::format("'{}' has no positive duration_s and energy_j.gross", path.string()));
        spec.duration_s = duration;
        spec.power_w = energy / duration;
        spec.profile_origin = "measured run " + path.string();
    } catch (const nlohmann::json::exception& e) {
        job.fail("run", fmt::format("'{}' is not a run summary: {}", path.string(), e.what()));
    }
}

Site read_site(const toml::table& table, std::size_t index, const std::string& origin) {
    Site site;
    site.name = TableReader(table, origin, fmt::format("[[site]] #{}", index + 1)).string("name", true);
    TableReader r(table, origin, fmt::format("[[site]] '{}'", site.name));
    r.has("name");
    site.zone = r.string("zone", true);
    if (site.zone.empty()) r.fail("zone", "must not be empty");
    site.current = r.boolean("current", false);
    site.jurisdiction = r.string("jurisdiction", false);
    site.pue = r.bounded("pue", 1.0, false).value_or(1.0);
    site.speed = r.bounded("speed", 0.0, true).value_or(1.0);
    site.power_w = r.bounded("power_w", 0.0, true);
    if (r.has("power_model"))
        r.fail("power_model", "power models are not read by the planner yet; give the site's power_w instead");
    site.network_kwh_per_gb = r.bounded("network_kwh_per_gb", 0.0, false).value_or(0.0);
    site.bandwidth_gbps = r.bounded("bandwidth_gbps", 0.0, true).value_or(1.0);
    site.slurm_cluster = r.string("slurm_cluster", false);
    site.node_label = r.string("node_label", false);
    r.reject_unknown();
    return site;
}

}  // namespace

JobSpec parse_job_toml(std::string_view text, const std::string& origin, const std::filesystem::path& base_dir,
                       const RunLookup& lookup) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        throw Error(fmt::format("{}: line {}: {}", origin, e.source().begin.line, e.description()));
    }
    TableReader top(root, origin, "top level:");
    const toml::table* job_table = top.table("job");
    if (!job_table) top.fail("[job]", "missing; the file needs a [job] table");

    JobSpec spec;
    TableReader job(*job_table, origin, "[job]");
    spec.name = job.string("name", true);
    const std::string run = job.string("run", false);
    auto duration = job.duration("duration");
    auto power = job.bounded("power_w", 0.0, true);
    if (!run.empty()) {
        read_run_profile(job, run, base_dir, lookup, spec);
        if (duration) spec.duration_s = *duration;  // explicit values override the run's
        if (power) spec.power_w = *power;
    } else {
        if (!duration) job.fail("duration", "missing; give duration (e.g. \"5h\") or run");
        if (!power) job.fail("power_w", "missing; give power_w (watts) or run");
        spec.duration_s = *duration;
        spec.power_w = *power;
    }
    if (!(spec.duration_s > 0)) job.fail("duration", "must be > 0");
    spec.earliest_start = job.time("earliest_start");
    auto deadline = job.time("deadline");
    if (!deadline) job.fail("deadline", "missing; say when the job must have finished (RFC 3339)");
    spec.deadline = *deadline;
    if (spec.earliest_start) {
        const UtcMillis latest_start = spec.deadline - static_cast<UtcMillis>(std::llround(spec.duration_s * 1000.0));
        if (*spec.earliest_start > latest_start)
            job.fail("deadline", fmt::format("{} is before earliest_start + duration ({}); move it later or shorten the job",
                                             format_rfc3339(spec.deadline),
                                             format_rfc3339(*spec.earliest_start + (spec.deadline - latest_start))));
    }
    spec.interruptible = job.boolean("interruptible", false);
    if (const toml::table* cp = job.table("checkpoint")) {
        TableReader c(*cp, origin, "[job] checkpoint");
        spec.checkpoint.seconds = c.bounded("seconds", 0.0, false).value_or(0.0);
        spec.checkpoint.energy_j = c.bounded("energy_wh", 0.0, false).value_or(0.0) * units::k_joules_per_wh;
        c.reject_unknown();
    }
    spec.min_segment_s = job.duration("min_segment").value_or(0.0);
    spec.data_gb = job.bounded("data_gb", 0.0, false).value_or(0.0);
    spec.allowed_jurisdictions = job.strings("allowed_jurisdictions");
    if (const toml::table* d = job.table("drift")) {
        TableReader r(*d, origin, "[job] drift");
        Drift drift;
        auto rate = r.bounded("accuracy_loss_per_hour", 0.0, false);
        if (!rate) r.fail("accuracy_loss_per_hour", "missing; percentage points lost per hour of delay");
        drift.loss_pp_per_hour = *rate;
        drift.max_loss_pp = r.bounded("max_accuracy_loss", 0.0, false);
        r.reject_unknown();
        spec.drift = drift;
    }
    spec.script = job.string("script", false);
    spec.image = job.string("image", false);
    spec.command = job.strings("command");
    job.reject_unknown();

    if (const toml::table* obj = top.table("objective")) {
        TableReader r(*obj, origin, "[objective]");
        spec.objective.g_per_accuracy_pp = r.bounded("g_per_accuracy_pp", 0.0, false).value_or(0.0);
        spec.objective.g_per_hour_delay = r.bounded("g_per_hour_delay", 0.0, false).value_or(0.0);
        r.reject_unknown();
    }

    const toml::node* sites = top.node("site");
    if (!sites) top.fail("[[site]]", "missing; list at least the site the job runs at now");
    const toml::array* site_array = sites->as_array();
    if (!site_array) top.fail("[[site]]", "must be an array of tables ([[site]])");
    if (site_array->size() > k_max_sites)
        top.fail("[[site]]", fmt::format("at most {} sites (got {})", k_max_sites, site_array->size()));
    std::set<std::string> names;
    for (std::size_t i = 0; i < site_array->size(); ++i) {
        const toml::table* t = (*site_array)[i].as_table();
        if (!t) top.fail("[[site]]", "must be an array of tables ([[site]])");
        Site site = read_site(*t, i, origin);
        if (!names.insert(site.name).second)
            top.fail("[[site]]", fmt::format("name '{}' is used twice", site.name));
        spec.sites.push_back(std::move(site));
    }
    int current = 0;
    for (const Site& s : spec.sites) current += s.current ? 1 : 0;
    if (current != 1)
        top.fail("[[site]] current", fmt::format("exactly one site must have current = true (found {})", current));
    top.reject_unknown();
    return spec;
}

JobSpec load_job_file(const std::filesystem::path& file, const RunLookup& lookup) {
    return parse_job_toml(paths::read_input_file(file, k_max_job_bytes, "job file"), file.string(), file.parent_path(), lookup);
}

const Site& JobSpec::current_site() const {
    for (const Site& s : sites)
        if (s.current) return s;
    throw Error("job has no site with current = true");
}

bool JobSpec::jurisdiction_allowed(const std::string& jurisdiction) const {
    if (allowed_jurisdictions.empty()) return true;
    for (const std::string& j : allowed_jurisdictions)
        if (j == jurisdiction) return true;
    return false;
}

}  // namespace powerml::planner
