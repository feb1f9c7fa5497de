#include "powerml/experiment/experiment_spec.hpp"

#include <random>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::experiment {

namespace {

constexpr std::size_t k_max_experiment_bytes = 1 << 20;
constexpr std::size_t k_max_scenarios = 1000;
constexpr long k_max_runs = 100000;

[[noreturn]] void fail(const std::string& origin, const std::string& field, const std::string& what) {
    throw Error(fmt::format("{}: {}: {}", origin, field, what));
}

double number(const toml::table& t, const char* key, double fallback, const std::string& origin, const std::string& where) {
    const auto* node = t.get(key);
    if (!node) return fallback;
    if (const auto v = node->value<double>()) return *v;  // integers convert too
    fail(origin, where + key, "must be a number");
}

std::optional<std::string> text(const toml::table& t, const char* key, const std::string& origin, const std::string& where) {
    const auto* node = t.get(key);
    if (!node) return std::nullopt;
    if (const auto v = node->value<std::string>()) return *v;
    fail(origin, where + key, "must be a string");
}

}  // namespace

const Scenario* ExperimentSpec::baseline_scenario() const {
    for (const auto& s : scenarios)
        if (s.kind == "baseline") return &s;
    return nullptr;
}

ExperimentSpec parse_experiment(const std::string& toml_text, const std::string& origin) {
    toml::table root;
    try {
        root = toml::parse(toml_text, origin);
    } catch (const toml::parse_error& e) {
        throw Error(fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description()));
    }
    ExperimentSpec spec;
    spec.source_text = toml_text;
    const auto* head = root["experiment"].as_table();
    if (!head) fail(origin, "[experiment]", "missing table (it needs at least name = \"...\")");
    const std::string w = "experiment.";
    spec.name = text(*head, "name", origin, w).value_or("");
    if (spec.name.empty() || spec.name.size() > 100 || spec.name.find_first_of("\n\r/") != std::string::npos)
        fail(origin, "experiment.name", "must be 1 to 100 characters, no slash or line break");
    const double reps = number(*head, "repetitions", 5, origin, w);
    if (!(reps >= 1 && reps <= 10000 && reps == static_cast<int>(reps)))
        fail(origin, "experiment.repetitions", "must be a whole number from 1 to 10000");
    spec.repetitions = static_cast<int>(reps);
    spec.cooldown_s = number(*head, "cooldown_s", 0, origin, w);
    if (!(spec.cooldown_s >= 0 && spec.cooldown_s <= 3600)) fail(origin, "experiment.cooldown_s", "must be 0 to 3600 seconds");
    if (const auto* node = head->get("randomize")) {
        const auto v = node->value<bool>();
        if (!v) fail(origin, "experiment.randomize", "must be true or false");
        spec.randomize = *v;
    }
    const double seed = number(*head, "seed", 1, origin, w);
    if (!(seed >= 0 && seed < 9.0e15 && seed == static_cast<double>(static_cast<std::uint64_t>(seed))))
        fail(origin, "experiment.seed", "must be a non-negative integer");
    spec.seed = static_cast<std::uint64_t>(seed);
    spec.interval_ms = number(*head, "interval_ms", 100, origin, w);
    if (!(spec.interval_ms >= 1 && spec.interval_ms <= 60000)) fail(origin, "experiment.interval_ms", "must be 1 to 60000");
    spec.baseline_s = number(*head, "baseline_s", 0, origin, w);
    if (!(spec.baseline_s >= 0 && spec.baseline_s <= 3600)) fail(origin, "experiment.baseline_s", "must be 0 to 3600 seconds");
    spec.zone = text(*head, "zone", origin, w);
    spec.carbon_source = text(*head, "source", origin, w).value_or("embedded");
    spec.pue = number(*head, "pue", 1.0, origin, w);
    if (!(spec.pue >= 1.0 && spec.pue <= 5.0)) fail(origin, "experiment.pue", "must be 1.0 to 5.0");

    const auto* list = root["scenario"].as_array();
    if (!list || list->empty()) fail(origin, "[[scenario]]", "at least one scenario is needed");
    if (list->size() > k_max_scenarios)
        fail(origin, "[[scenario]]", fmt::format("at most {} scenarios (got {})", k_max_scenarios, list->size()));
    long total_runs = 0;
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto* t = (*list)[i].as_table();
        const std::string where = fmt::format("scenario[{}].", i + 1);
        if (!t) fail(origin, where, "must be a table");
        Scenario s;
        s.name = text(*t, "name", origin, where).value_or("");
        if (s.name.empty() || s.name.size() > 100 || s.name.find_first_of("\n\r,\"") != std::string::npos)
            fail(origin, where + "name", "must be 1 to 100 characters, no comma, quote or line break");
        if (!names.insert(s.name).second) fail(origin, where + "name", "'" + s.name + "' is used twice");
        s.kind = text(*t, "kind", origin, where).value_or("workload");
        if (s.kind != "baseline" && s.kind != "idle" && s.kind != "workload")
            fail(origin, where + "kind", "must be baseline, idle or workload, not '" + s.kind + "'");
        if (const auto* node = t->get("command")) {
            // An empty command would "run" and "finish" with nothing measured.
            const auto blank = [](const std::string& c) { return c.find_first_not_of(" \t\r\n") == std::string::npos; };
            if (const auto v = node->value<std::string>()) {
                if (blank(*v)) fail(origin, where + "command", "is empty: give the command to run");
                if (v->find('\0') != std::string::npos) fail(origin, where + "command", "contains a NUL character");
                s.command = {"sh", "-c", *v};
            } else if (const auto* a = node->as_array()) {
                if (a->empty()) fail(origin, where + "command", "is an empty array: give the program and its arguments");
                for (const auto& part : *a) {
                    const auto p = part.value<std::string>();
                    if (!p) fail(origin, where + "command", "must be a string or an array of strings");
                    if (p->find('\0') != std::string::npos) fail(origin, where + "command", "contains a NUL character");
                    s.command.push_back(*p);
                }
                if (blank(s.command.front())) fail(origin, where + "command", "the program (its first element) is empty");
            } else {
                fail(origin, where + "command", "must be a string or an array of strings");
            }
        }
        s.duration_s = number(*t, "duration_s", 0, origin, where);
        if (s.kind == "baseline") {
            if (!s.command.empty()) fail(origin, where + "command", "a baseline scenario runs nothing: give duration_s instead");
            if (!(s.duration_s > 0 && s.duration_s <= 86400)) fail(origin, where + "duration_s", "must be 0 to 86400 seconds (> 0)");
            // The bare system: the measured process does nothing but wait.
            s.command = {"sleep", fmt::format("{}", s.duration_s)};
        } else if (s.command.empty()) {
            fail(origin, where + "command", "missing: the command to run (a string or an array)");
        }
        const double r = number(*t, "repetitions", spec.repetitions, origin, where);
        if (!(r >= 1 && r <= 10000 && r == static_cast<int>(r))) fail(origin, where + "repetitions", "must be 1 to 10000");
        s.repetitions = static_cast<int>(r);
        total_runs += s.repetitions;
        if (total_runs > k_max_runs)
            fail(origin, where + "repetitions", fmt::format("the experiment would make more than {} runs", k_max_runs));
        spec.scenarios.push_back(std::move(s));
    }
    return spec;
}

ExperimentSpec load_experiment_file(const std::filesystem::path& file) {
    return parse_experiment(paths::read_input_file(file, k_max_experiment_bytes, "experiment file"), file.string());
}

std::vector<PlannedRun> plan_runs(const ExperimentSpec& spec) {
    std::vector<PlannedRun> plan;
    for (const auto& s : spec.scenarios)
        for (int r = 1; r <= s.repetitions; ++r) plan.push_back({s.name, r});
    if (spec.randomize) {
        // Fisher-Yates with the standard's fully specified mt19937_64, so a seed gives the same
        // order everywhere (std::shuffle's algorithm is left to the library).
        std::mt19937_64 rng(spec.seed);
        for (std::size_t i = plan.size(); i > 1; --i) std::swap(plan[i - 1], plan[rng() % i]);
    }
    return plan;
}

}  // namespace powerml::experiment
