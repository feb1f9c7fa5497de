#include "powerml/record/summary_json.hpp"

#include <nlohmann/json.hpp>

#include "powerml/core/error.hpp"

namespace powerml::record {

using nlohmann::json;

namespace {

// Text that came from outside (a command line, a phase name, a label) can hold any bytes:
// invalid UTF-8 is replaced (U+FFFD) rather than losing the whole file.
std::string dump(const json& j, int indent) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

std::optional<double> number_or_null(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

template <typename T>
T value_or(const json& j, const char* key, T fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    return it->get<T>();
}

json usage_json(const Usage& usage) {
    json out = {
        {"cpu_util_mean", optional_number(usage.cpu_util_mean)},
        {"mem_used_mean_b", optional_number(usage.mem_used_mean_b)},
        {"mem_used_max_b", optional_number(usage.mem_used_max_b)},
        {"disk_read_b", optional_number(usage.disk_read_b)},
        {"disk_write_b", optional_number(usage.disk_write_b)},
        {"net_rx_b", optional_number(usage.net_rx_b)},
        {"net_tx_b", optional_number(usage.net_tx_b)},
        {"process_cpu_s", optional_number(usage.process_cpu_s)},
    };
    // Newer keys only when measured, so older readers and files keep their shape.
    if (usage.machine_busy_cpu_s) out["machine_busy_cpu_s"] = *usage.machine_busy_cpu_s;
    if (usage.process_rss_mean_b) out["process_rss_mean_b"] = *usage.process_rss_mean_b;
    if (usage.allowed_cpus_mean) out["allowed_cpus_mean"] = *usage.allowed_cpus_mean;
    if (usage.cpu_count) out["cpu_count"] = *usage.cpu_count;
    if (!usage.gauges_mean.empty()) out["gauges_mean"] = usage.gauges_mean;
    return out;
}

Usage usage_from(const json& j) {
    Usage u;
    if (!j.is_object()) return u;
    u.cpu_util_mean = number_or_null(j, "cpu_util_mean");
    u.mem_used_mean_b = number_or_null(j, "mem_used_mean_b");
    u.mem_used_max_b = number_or_null(j, "mem_used_max_b");
    u.disk_read_b = number_or_null(j, "disk_read_b");
    u.disk_write_b = number_or_null(j, "disk_write_b");
    u.net_rx_b = number_or_null(j, "net_rx_b");
    u.net_tx_b = number_or_null(j, "net_tx_b");
    u.process_cpu_s = number_or_null(j, "process_cpu_s");
    u.machine_busy_cpu_s = number_or_null(j, "machine_busy_cpu_s");
    u.process_rss_mean_b = number_or_null(j, "process_rss_mean_b");
    u.allowed_cpus_mean = number_or_null(j, "allowed_cpus_mean");
    u.cpu_count = number_or_null(j, "cpu_count");
    if (const auto it = j.find("gauges_mean"); it != j.end() && it->is_object())
        u.gauges_mean = it->get<std::map<std::string, double>>();
    return u;
}

json quality_json(const DataQuality& q) {
    return {{"counter_wraps", q.counter_wraps},
            {"read_errors", q.read_errors},
            {"gaps", q.gaps},
            {"counter_resets", q.counter_resets},
            {"control_errors", q.control_errors},
            {"events_dropped", q.events_dropped},
            {"baseline_not_idle", q.baseline_not_idle}};
}

DataQuality quality_from(const json& j) {
    DataQuality q;
    if (!j.is_object()) return q;
    q.counter_wraps = value_or<std::int64_t>(j, "counter_wraps", 0);
    q.read_errors = value_or<std::int64_t>(j, "read_errors", 0);
    q.gaps = value_or<std::int64_t>(j, "gaps", 0);
    q.counter_resets = value_or<std::int64_t>(j, "counter_resets", 0);
    q.control_errors = value_or<std::int64_t>(j, "control_errors", 0);
    q.events_dropped = value_or<std::int64_t>(j, "events_dropped", 0);
    q.baseline_not_idle = value_or<bool>(j, "baseline_not_idle", false);
    return q;
}

json attributed_json(const Attributed& a) {
    return {{"provenance", "attributed"}, {"energy_j", a.energy_j}, {"active_j", a.active_j}, {"idle_j", a.idle_j},
            {"share", a.share},           {"uncertainty_j", a.uncertainty_j}, {"method", a.method}};
}

Attributed attributed_from(const json& j) {
    Attributed a;
    a.energy_j = value_or<double>(j, "energy_j", 0.0);
    a.active_j = value_or<double>(j, "active_j", 0.0);
    a.idle_j = value_or<double>(j, "idle_j", 0.0);
    a.share = value_or<double>(j, "share", 0.0);
    a.uncertainty_j = value_or<double>(j, "uncertainty_j", 0.0);
    a.method = value_or<std::string>(j, "method", "");
    return a;
}

json attribution_json(const RunAttribution& a) {
    return {{"provenance", "attributed"},
            {"scope", a.scope},
            {"method", a.method},
            {"idle_share", std::string(to_string(a.policy.idle))},
            {"dram_share", std::string(to_string(a.policy.dram))},
            {"job_cpu_s", a.job_cpu_s},
            {"machine_busy_cpu_s", a.machine_busy_cpu_s},
            {"cpu_share", a.cpu_share},
            {"allocated_share", optional_number(a.allocated_share)},
            {"memory_share", optional_number(a.memory_share)},
            {"machine_j", a.machine_j},
            {"energy_j", a.attributed_j},
            {"uncertainty_j", a.uncertainty_j},
            {"others_and_idle_j", a.others_and_idle_j},
            {"headline", a.headline}};
}

RunAttribution attribution_from(const json& j) {
    RunAttribution a;
    a.scope = value_or<std::string>(j, "scope", "");
    a.method = value_or<std::string>(j, "method", "");
    a.policy.idle = idle_share_from_string(value_or<std::string>(j, "idle_share", "busy")).value_or(IdleShare::busy);
    a.policy.dram = dram_share_from_string(value_or<std::string>(j, "dram_share", "cpu")).value_or(DramShare::cpu);
    a.job_cpu_s = value_or<double>(j, "job_cpu_s", 0.0);
    a.machine_busy_cpu_s = value_or<double>(j, "machine_busy_cpu_s", 0.0);
    a.cpu_share = value_or<double>(j, "cpu_share", 0.0);
    a.allocated_share = number_or_null(j, "allocated_share");
    a.memory_share = number_or_null(j, "memory_share");
    a.machine_j = value_or<double>(j, "machine_j", 0.0);
    a.attributed_j = value_or<double>(j, "energy_j", 0.0);
    a.uncertainty_j = value_or<double>(j, "uncertainty_j", 0.0);
    a.others_and_idle_j = value_or<double>(j, "others_and_idle_j", 0.0);
    a.headline = value_or<bool>(j, "headline", false);
    return a;
}

json idleness_json(const BaselineIdleness& b) {
    return {{"cpu_util_mean", b.cpu_util_mean},
            {"cpu_util_sd", b.cpu_util_sd},
            {"busy_cpu_s", b.busy_cpu_s},
            {"threshold", b.threshold},
            {"busy", b.busy}};
}

BaselineIdleness idleness_from(const json& j) {
    BaselineIdleness b;
    b.cpu_util_mean = value_or<double>(j, "cpu_util_mean", 0.0);
    b.cpu_util_sd = value_or<double>(j, "cpu_util_sd", 0.0);
    b.busy_cpu_s = value_or<double>(j, "busy_cpu_s", 0.0);
    b.threshold = value_or<double>(j, "threshold", 0.0);
    b.busy = value_or<bool>(j, "busy", false);
    return b;
}

UtcMillis time_or_zero(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return 0;
    try {
        return parse_rfc3339(it->get<std::string>());
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace

std::string summary_json(const RunRecord& record, int indent) {
    const auto& s = record.summary;
    json components = json::array();
    for (const auto& c : s.components) {
        json item = {{"name", c.name},
                     {"component", std::string(to_string(c.component))},
                     {"source", c.source},
                     {"signal", c.signal},
                     {"kind", std::string(to_string(c.kind))},
                     {"summed", c.summed},
                     {"energy_j", c.gross_j},
                     {"mean_power_w", c.mean_power_w},
                     {"baseline_power_w", c.baseline_power_w},
                     {"baseline_energy_j", c.baseline_j},
                     {"net_energy_j", c.net_j},
                     {"uncertainty_j", c.uncertainty_j}};
        if (!c.model_id.empty()) item["model_id"] = c.model_id;
        if (!c.contained_in.empty()) item["contained_in"] = c.contained_in;
        if (c.attributed) item["attributed"] = attributed_json(*c.attributed);
        components.push_back(std::move(item));
    }
    json phases = json::array();
    for (const auto& p : s.phases) {
        json item = {{"name", p.name},
                     {"depth", p.depth},
                     {"parent", p.parent.empty() ? json(nullptr) : json(p.parent)},
                     {"start_s", p.start_s},
                     {"end_s", p.end_s},
                     {"duration_s", p.end_s - p.start_s},
                     {"closed_at_exit", p.closed_at_exit},
                     {"energy_j", {{"gross", p.gross_j}, {"baseline", p.baseline_j}, {"net", p.net_j}}},
                     {"usage", usage_json(p.usage)}};
        if (!p.metrics.empty()) item["metrics"] = p.metrics;
        if (p.attributed_j) item["energy_j"]["attributed"] = *p.attributed_j;
        phases.push_back(std::move(item));
    }
    const auto& carbon = record.carbon;
    json out = {
        {"schema", k_run_schema},
        {"run_id", record.id},
        {"status", record.status},
        {"command", record.command},
        {"host", record.host},
        {"labels", record.labels},
        {"started", format_rfc3339(record.started_utc_ms)},
        {"ended", format_rfc3339(record.ended_utc_ms)},
        {"exit_status", record.exit_status},
        {"duration_s", s.duration_s},
        {"interval_s", s.interval_s},
        {"samples", s.samples},
        {"baseline_s", s.baseline_s},
        {"energy_j",
         {{"gross", s.gross_j}, {"baseline", s.baseline_j}, {"net", s.net_j}, {"uncertainty", s.uncertainty_j}}},
        {"components", components},
        {"phases", phases},
        {"usage", usage_json(s.usage)},
        {"metrics", s.metrics},
        {"carbon",
         {{"zone", carbon.zone ? json(*carbon.zone) : json(nullptr)},
          {"g_co2e", optional_number(carbon.g_co2e)},
          {"g_co2e_uncertainty", carbon.g_co2e ? json(carbon.g_co2e_uncertainty) : json(nullptr)},
          {"intensity_g_per_kwh", optional_number(carbon.intensity_g_per_kwh)},
          {"intensity_source", carbon.intensity_source},
          {"energy_basis", std::string(to_string(carbon.basis))},
          {"energy_j", carbon.g_co2e ? json(carbon.energy_j) : json(nullptr)},
          {"pue", carbon.pue}}},
        {"data_quality", quality_json(s.quality)},
        {"notes", s.notes},
    };
    if (!carbon.note.empty()) out["carbon"]["note"] = carbon.note;
    if (s.attribution) out["attribution"] = attribution_json(*s.attribution);
    if (s.baseline_idleness) out["baseline_idleness"] = idleness_json(*s.baseline_idleness);
    if (record.job) {
        const auto& jb = *record.job;
        json ranks = json::array();
        for (const auto& r : jb.ranks)
            ranks.push_back({{"rank", r.rank}, {"local_rank", r.local_rank}, {"pid", r.pid}, {"metering", r.metering}});
        out["job"] = {{"key", jb.key},
                      {"source", jb.source},
                      {"node", jb.node},
                      {"local_world_size", jb.local_world_size},
                      {"world_size", jb.world_size},
                      {"expected_nodes", jb.expected_nodes},
                      {"ranks", ranks}};
        if (!jb.took_over_from.empty()) out["job"]["took_over_from"] = jb.took_over_from;
    }
    if (record.wall_corrected) {
        const auto& w = *record.wall_corrected;
        out["wall_corrected"] = {{"energy_j", {{"gross", w.gross_j}, {"baseline", w.baseline_j}, {"net", w.net_j}}},
                                 {"label", w.label}};
    }
    return dump(out, indent) + "\n";
}

std::string job_summary_json(const JobSummary& job, int indent) {
    const auto basis = [](const std::optional<EnergyBasis>& b) { return b ? json(std::string(to_string(*b))) : json("mixed"); };
    json nodes = json::array();
    for (const auto& n : job.nodes) {
        json components = json::array();
        for (const auto& c : n.components)
            components.push_back({{"name", c.name},
                                  {"component", std::string(to_string(c.component))},
                                  {"kind", std::string(to_string(c.kind))},
                                  {"energy_j", {{"gross", c.gross_j}, {"net", c.net_j}}}});
        nodes.push_back({{"node", n.node},
                         {"runs", n.run_ids},
                         {"statuses", n.statuses},
                         {"started", format_rfc3339(n.started_utc_ms)},
                         {"ended", format_rfc3339(n.ended_utc_ms)},
                         {"energy_j", {{"gross", n.gross_j}, {"baseline", n.baseline_j}, {"net", n.net_j}, {"uncertainty", n.uncertainty_j}}},
                         {"energy_basis", basis(n.basis)},
                         {"components", components},
                         {"zone", n.zone ? json(*n.zone) : json(nullptr)},
                         {"g_co2e", optional_number(n.g_co2e)},
                         {"g_co2e_uncertainty", n.g_co2e ? json(n.g_co2e_uncertainty) : json(nullptr)},
                         {"ranks", n.ranks},
                         {"local_world_size", n.local_world_size}});
    }
    json phases = json::array();
    for (const auto& p : job.phases)
        phases.push_back({{"node", p.node},
                          {"run_id", p.run_id},
                          {"name", p.name},
                          {"start", format_rfc3339(p.start_utc_ms)},
                          {"end", format_rfc3339(p.end_utc_ms)},
                          {"net_energy_j", p.net_j}});
    const json out = {{"schema", k_job_schema},
                      {"job_key", job.key},
                      {"complete", job.complete()},
                      {"started", format_rfc3339(job.started_utc_ms)},
                      {"ended", format_rfc3339(job.ended_utc_ms)},
                      {"nodes", nodes},
                      {"expected_nodes", job.expected_nodes},
                      {"missing_nodes", job.missing_nodes},
                      {"world_size", job.world_size},
                      {"ranks_reported", job.ranks_reported},
                      {"energy_j", {{"gross", job.gross_j}, {"baseline", job.baseline_j}, {"net", job.net_j}, {"uncertainty", job.uncertainty_j}}},
                      {"energy_basis", basis(job.basis)},
                      {"carbon", {{"g_co2e", optional_number(job.g_co2e)},
                                  {"g_co2e_uncertainty", job.g_co2e ? json(job.g_co2e_uncertainty) : json(nullptr)},
                                  {"source", "each node's own run, in its own zone"}}},
                      {"phases", phases},
                      {"notes", job.notes}};
    return dump(out, indent) + "\n";
}

RunRecord record_from_summary_json(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error("summary is not a JSON object");
    const std::string schema = value_or<std::string>(j, "schema", "");
    if (schema.rfind("powerml.run/", 0) != 0) throw Error("summary has schema '" + schema + "', not " + k_run_schema);
    if (schema != k_run_schema) throw Error("summary has schema '" + schema + "', written by a newer PowerML");
    try {
        RunRecord r;
        r.id = value_or<std::string>(j, "run_id", "");
        r.status = value_or<std::string>(j, "status", "finished");
        if (const auto it = j.find("command"); it != j.end() && it->is_array())
            r.command = it->get<std::vector<std::string>>();
        r.host = value_or<std::string>(j, "host", "");
        if (const auto it = j.find("labels"); it != j.end() && it->is_object())
            r.labels = it->get<std::map<std::string, std::string>>();
        if (const auto it = j.find("job"); it != j.end() && it->is_object()) {
            JobIdentity jb;
            jb.key = value_or<std::string>(*it, "key", "");
            jb.source = value_or<std::string>(*it, "source", "");
            jb.node = value_or<std::string>(*it, "node", r.host);
            jb.local_world_size = value_or<int>(*it, "local_world_size", 1);
            jb.world_size = value_or<int>(*it, "world_size", 1);
            if (const auto n = it->find("expected_nodes"); n != it->end() && n->is_array())
                jb.expected_nodes = n->get<std::vector<std::string>>();
            if (const auto rs = it->find("ranks"); rs != it->end() && rs->is_array())
                for (const auto& x : *rs)
                    jb.ranks.push_back({value_or<int>(x, "rank", -1), value_or<int>(x, "local_rank", 0),
                                        value_or<int>(x, "pid", 0), value_or<bool>(x, "metering", false)});
            jb.took_over_from = value_or<std::string>(*it, "took_over_from", "");
            r.job = std::move(jb);
        }
        r.started_utc_ms = time_or_zero(j, "started");
        r.ended_utc_ms = time_or_zero(j, "ended");
        r.exit_status = value_or<int>(j, "exit_status", 0);
        auto& s = r.summary;
        s.duration_s = value_or<double>(j, "duration_s", 0.0);
        s.interval_s = value_or<double>(j, "interval_s", 0.0);
        s.samples = value_or<std::size_t>(j, "samples", 0);
        s.baseline_s = value_or<double>(j, "baseline_s", 0.0);
        const json& e = j.at("energy_j");
        s.gross_j = e.at("gross");
        s.baseline_j = value_or<double>(e, "baseline", 0.0);
        s.net_j = e.at("net");
        s.uncertainty_j = value_or<double>(e, "uncertainty", 0.0);
        for (const auto& c : j.at("components")) {
            ComponentEnergy ce;
            ce.name = c.at("name");
            ce.component = component_from_string(value_or<std::string>(c, "component", "")).value_or(Component::other);
            ce.source = value_or<std::string>(c, "source", "");
            ce.signal = value_or<std::string>(c, "signal", "");
            ce.kind = energy_kind_from_string(value_or<std::string>(c, "kind", ""));
            ce.model_id = value_or<std::string>(c, "model_id", "");
            ce.contained_in = value_or<std::string>(c, "contained_in", "");
            ce.summed = value_or<bool>(c, "summed", ce.contained_in.empty());
            ce.gross_j = c.at("energy_j");
            ce.mean_power_w = value_or<double>(c, "mean_power_w", 0.0);
            ce.baseline_power_w = value_or<double>(c, "baseline_power_w", 0.0);
            ce.net_j = value_or<double>(c, "net_energy_j", ce.gross_j);
            ce.baseline_j = value_or<double>(c, "baseline_energy_j", ce.gross_j - ce.net_j);
            ce.uncertainty_j = value_or<double>(c, "uncertainty_j", 0.0);
            if (const auto it = c.find("attributed"); it != c.end() && it->is_object()) ce.attributed = attributed_from(*it);
            s.components.push_back(std::move(ce));
        }
        for (const auto& p : j.at("phases")) {
            PhaseSummary ps;
            ps.name = p.at("name");
            ps.depth = value_or<int>(p, "depth", 0);
            ps.parent = value_or<std::string>(p, "parent", "");
            ps.start_s = p.at("start_s");
            ps.end_s = p.at("end_s");
            ps.closed_at_exit = value_or<bool>(p, "closed_at_exit", false);
            const json& pe = p.at("energy_j");
            ps.gross_j = pe.at("gross");
            ps.baseline_j = value_or<double>(pe, "baseline", 0.0);
            ps.net_j = pe.at("net");
            ps.attributed_j = number_or_null(pe, "attributed");
            if (const auto it = p.find("usage"); it != p.end()) ps.usage = usage_from(*it);
            if (const auto it = p.find("metrics"); it != p.end() && it->is_object())
                ps.metrics = it->get<std::map<std::string, double>>();
            s.phases.push_back(std::move(ps));
        }
        if (const auto it = j.find("usage"); it != j.end()) s.usage = usage_from(*it);
        if (const auto it = j.find("metrics"); it != j.end() && it->is_object())
            s.metrics = it->get<std::map<std::string, double>>();
        if (const auto it = j.find("data_quality"); it != j.end()) s.quality = quality_from(*it);
        if (const auto it = j.find("attribution"); it != j.end() && it->is_object()) s.attribution = attribution_from(*it);
        if (const auto it = j.find("baseline_idleness"); it != j.end() && it->is_object())
            s.baseline_idleness = idleness_from(*it);
        if (const auto it = j.find("notes"); it != j.end() && it->is_array()) s.notes = it->get<std::vector<std::string>>();
        if (const auto it = j.find("carbon"); it != j.end() && it->is_object()) {
            const json& c = *it;
            auto& rc = r.carbon;
            if (const auto z = c.find("zone"); z != c.end() && z->is_string()) rc.zone = z->get<std::string>();
            rc.g_co2e = number_or_null(c, "g_co2e");
            rc.g_co2e_uncertainty = number_or_null(c, "g_co2e_uncertainty").value_or(0.0);
            rc.intensity_g_per_kwh = number_or_null(c, "intensity_g_per_kwh");
            rc.intensity_source = value_or<std::string>(c, "intensity_source", "");
            rc.pue = value_or<double>(c, "pue", 1.0);
            // Files from before the basis was recorded charged net energy when a baseline existed.
            const std::string basis = value_or<std::string>(c, "energy_basis", s.baseline_s > 0 ? "net" : "gross");
            rc.basis = basis == "net" ? EnergyBasis::net : EnergyBasis::gross;
            rc.energy_j = number_or_null(c, "energy_j").value_or(rc.basis == EnergyBasis::net ? s.net_j : s.gross_j);
            rc.note = value_or<std::string>(c, "note", "");
        }
        if (const auto it = j.find("wall_corrected"); it != j.end() && it->is_object()) {
            WallCorrected w;
            const json& we = it->at("energy_j");
            w.gross_j = we.at("gross");
            w.baseline_j = value_or<double>(we, "baseline", 0.0);
            w.net_j = we.at("net");
            w.label = value_or<std::string>(*it, "label", "");
            r.wall_corrected = w;
        }
        return r;
    } catch (const json::exception& e) {
        throw Error(std::string("summary is malformed: ") + e.what());
    }
}

std::string channel_json(const Channel& c) {
    const json j = {{"source", c.source},
                    {"name", c.info.name},
                    {"domain_idx", c.info.domain_idx},
                    {"domain", c.info.domain},
                    {"unit", std::string(to_string(c.info.unit))},
                    {"counter", c.info.kind == SignalKind::counter},
                    {"wrap_at", c.info.wrap_at},
                    {"resolution", c.info.resolution},
                    {"component", std::string(to_string(c.info.component))},
                    {"contained_in", c.info.contained_in},
                    {"model", c.info.provenance == Provenance::model},
                    {"model_id", c.info.model_id},
                    {"relative_uncertainty", c.info.relative_uncertainty},
                    {"description", c.info.description},
                    {"energy_kind", std::string(to_string(c.energy_kind))},
                    {"summed", c.summed}};
    return dump(j, -1);
}

Channel channel_from_json(const std::string& text) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error("channel description is not a JSON object");
    try {
        Channel c;
        c.source = j.at("source");
        c.info.name = j.at("name");
        c.info.domain_idx = j.at("domain_idx");
        c.info.domain = j.at("domain");
        const std::string unit = j.at("unit");
        const auto parsed_unit = unit_from_string(unit);
        if (!parsed_unit) throw Error("channel " + c.info.name + " has unknown unit '" + unit + "'");
        c.info.unit = *parsed_unit;
        c.info.kind = j.at("counter").get<bool>() ? SignalKind::counter : SignalKind::gauge;
        c.info.wrap_at = j.at("wrap_at");
        c.info.resolution = j.at("resolution");
        c.info.component = component_from_string(j.at("component").get<std::string>()).value_or(Component::other);
        c.info.contained_in = j.at("contained_in");
        c.info.provenance = j.at("model").get<bool>() ? Provenance::model : Provenance::hardware;
        c.info.model_id = j.at("model_id");
        c.info.relative_uncertainty = j.at("relative_uncertainty");
        c.info.description = j.at("description");
        c.energy_kind = energy_kind_from_string(j.at("energy_kind").get<std::string>());
        c.summed = j.at("summed");
        return c;
    } catch (const json::exception& e) {
        throw Error(std::string("channel description is malformed: ") + e.what());
    }
}

}  // namespace powerml::record
