// powerml models list | show ID | match | fit --run RUN --component C | validate FILE... |
//                import PATH... | export ID... --to DIR
#include <fstream>
#include <memory>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/cli/commands.hpp"
#include "powerml/core/config.hpp"
#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "powerml/power_models/catalog.hpp"
#include "powerml/power_models/fitter.hpp"
#include "powerml/power_models/matcher.hpp"
#include "powerml/power_models/model_file.hpp"
#include "powerml/power_models/run_samples.hpp"
#include "powerml/sensors/machine_detect.hpp"
#include "powerml/measure/run_source.hpp"
#include "powerml/store/run_store.hpp"

namespace powerml::cli {

namespace {

namespace pm = power_models;
using nlohmann::json;

struct Flags {
    std::string kind, match, format = "text", id, db, run, component, form, knots, out, to, licence = "CC0-1.0";
    std::string match_cpu, match_gpu, match_board;
    std::vector<std::string> files, ids;
    bool all = false;
};

pm::Catalog load_catalog() { return pm::Catalog::load_default(paths::data_dir(), pm::Catalog::default_user_dir()); }

pm::Pins load_pins() { return pm::pins_from_config(Config::load_user()); }

pm::Machine this_machine() {
    return sensors::detect_machine(paths::procfs_root(), paths::sysfs_root(), sensors::read_dmidecode_memory());
}

std::string origin_name(pm::Origin o) { return o == pm::Origin::shipped ? "shipped" : o == pm::Origin::user ? "user" : "file"; }

json match_json(const pm::MatchRules& r) {
    json j = json::object();
    if (!r.cpu.empty()) j["cpu"] = r.cpu;
    if (!r.gpu.empty()) j["gpu"] = r.gpu;
    if (!r.instance.empty()) j["instance"] = r.instance;
    if (!r.board.empty()) j["board"] = r.board;
    if (r.vm) j["vm"] = *r.vm;
    if (r.fallback) j["fallback"] = true;
    if (r.manual) j["manual"] = true;
    return j;
}

json model_json(const pm::PowerModel& m) {
    json j{{"id", m.id},
           {"kind", pm::to_string(m.kind)},
           {"form", pm::to_string(m.form)},
           {"scale", pm::to_string(m.scale)},
           {"formula", m.formula()},
           {"match", match_json(m.match)},
           {"source", m.source},
           {"licence", m.licence},
           {"description", m.description},
           {"relative_uncertainty", m.relative_uncertainty},
           {"origin", origin_name(m.location.origin)},
           {"file", m.location.file},
           {"line", m.location.line}};
    if (m.fit) j["fit"] = {{"run", m.fit->run}, {"samples", m.fit->samples}, {"r2", m.fit->r2}, {"mape", m.fit->mape},
                           {"rmse_w", m.fit->rmse_w}, {"input", m.fit->input}};
    return j;
}

std::string file_name_for(const std::string& id) {
    std::string name;
    for (const char c : id) name += (c == '/' || c == ':') ? '_' : c;
    return name + ".toml";
}

void write_text(const std::filesystem::path& file, const std::string& text) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!(out << text)) throw Error("cannot write " + file.string() + ": check the folder exists and is writable");
}

void run_list(const Flags& f) {
    const auto catalog = load_catalog();
    const auto models = catalog.filter(f.kind, f.match);
    if (f.format == "json") {
        json out = json::array();
        for (const auto* m : models) out.push_back(model_json(*m));
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("{:<44} {:<11} {:<9} {:<8} {}\n", "id", "kind", "form", "origin", "formula");
    for (const auto* m : models)
        fmt::print("{:<44} {:<11} {:<9} {:<8} {}\n", m->id, pm::to_string(m->kind), pm::to_string(m->form),
                   origin_name(m->location.origin), m->formula());
    fmt::print(stderr, "{} of {} models\n", models.size(), catalog.size());
}

void run_show(const Flags& f) {
    const auto catalog = load_catalog();
    const auto* m = catalog.find(f.id);
    if (!m) throw Error("no model '" + f.id + "' in the catalog; 'powerml models list --match TEXT' finds ids");
    if (f.format == "json") {
        fmt::print("{}\n", model_json(*m).dump(2));
        return;
    }
    fmt::print("# {}:{} ({})\n{}", m->location.file, m->location.line, origin_name(m->location.origin), pm::write_model_file(*m));
}

void run_match(const Flags& f) {
    const auto machine = this_machine();
    const auto pins = load_pins();
    // Only what can match this machine (or is pinned) is parsed: the same answer, ~20x faster.
    pm::Catalog catalog;
    std::set<std::string> keep;
    for (const auto& [kind, id] : pins) keep.insert(id);
    catalog.set_machine_filter(machine, keep);
    catalog.load_dir(paths::data_dir() / "power-models", pm::Origin::shipped);
    catalog.load_dir(pm::Catalog::default_user_dir(), pm::Origin::user);
    const pm::Matcher matcher(catalog);
    std::vector<pm::ComponentKind> kinds;
    if (!f.kind.empty()) {
        const auto k = pm::component_kind_from(f.kind);
        if (!k) throw Error("--kind '" + f.kind + "' is not one of cpu, gpu, dram, accelerator, nic, node");
        kinds.push_back(*k);
    } else {
        kinds = {pm::ComponentKind::cpu, pm::ComponentKind::dram, pm::ComponentKind::gpu, pm::ComponentKind::accelerator,
                 pm::ComponentKind::node, pm::ComponentKind::nic};
    }
    json out{{"machine",
              {{"cpu", machine.cpu_model}, {"sockets", machine.sockets}, {"logical_cpus", machine.logical_cpus},
               {"virtual_machine", machine.virtual_machine}, {"memory_bytes", machine.memory_bytes}, {"gpus", machine.gpus},
               {"instance_type", machine.instance_type}, {"board", machine.board}, {"dimms", machine.dimms.size()}}},
             {"components", json::array()}};
    for (const auto kind : kinds) {
        const auto all = matcher.candidates(machine, kind, pins);
        json c{{"kind", pm::to_string(kind)}, {"models", json::array()}};
        for (std::size_t i = 0; i < all.size() && (f.all || i < 1); ++i)
            c["models"].push_back({{"id", all[i].model->id}, {"score", all[i].score}, {"reason", all[i].reason},
                                   {"formula", all[i].model->formula()}, {"source", all[i].model->source}});
        out["components"].push_back(c);
    }
    if (f.format == "json") {
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("machine: {} ({} socket(s), {} logical CPUs{}), {:.1f} GB memory, {} DIMM(s) read by dmidecode\n",
               machine.cpu_model.empty() ? "unknown CPU" : machine.cpu_model, machine.sockets, machine.logical_cpus,
               machine.virtual_machine ? ", virtual machine" : "", machine.memory_bytes / 1e9, machine.dimms.size());
    fmt::print("GPUs: {}; board: {}; instance type: {}\n", machine.gpus.empty() ? "none found" : fmt::format("{}", fmt::join(machine.gpus, ", ")),
               machine.board.empty() ? "unknown" : machine.board, machine.instance_type.empty() ? "none" : machine.instance_type);
    for (const auto& c : out["components"]) {
        if (c["models"].empty()) {
            fmt::print("{:<11} no model matches\n", c["kind"].get<std::string>());
            continue;
        }
        for (const auto& m : c["models"])
            fmt::print("{:<11} {:<40} score {:>5}  {}\n{:<11} {}\n", c["kind"].get<std::string>(), m["id"].get<std::string>(),
                       m["score"].get<double>(), m["reason"].get<std::string>(), "", m["formula"].get<std::string>());
    }
}

std::vector<double> parse_knots(const std::string& text) {
    std::vector<double> knots;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto end = std::min(text.find(',', pos), text.size());
        try {
            knots.push_back(std::stod(text.substr(pos, end - pos)));
        } catch (const std::exception&) {
            throw Error("--knots '" + text + "': give numbers separated by commas, like 0,0.1,0.5,1");
        }
        pos = end + 1;
    }
    return knots;
}

std::string id_safe(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) c = '-';
    }
    return text;
}

void run_fit(const Flags& f) {
    const auto component = pm::component_kind_from(f.component);
    if (!component || *component == pm::ComponentKind::nic || *component == pm::ComponentKind::accelerator)
        throw Error("--component '" + f.component + "' must be cpu, gpu, dram or node");
    const auto loaded = measure::load_run(f.run, f.db.empty() ? paths::default_run_db() : std::filesystem::path(f.db));
    const auto& run = loaded.record;
    const auto data = pm::samples_from_run(loaded.timeline, *component);
    pm::FitOptions options;
    if (!f.knots.empty()) options.knots = parse_knots(f.knots);
    if (!f.form.empty()) {
        const auto form = pm::form_from(f.form);
        if (!form) throw Error("--form '" + f.form + "' must be constant, linear, power or piecewise");
        options.forms = {*form};
    }
    const auto result = pm::fit_power_model(data.samples, options);
    fmt::print(stderr, "fitted {} samples of {} against {}\n", data.samples.size(), data.input, fmt::join(data.power, " + "));
    fmt::print(stderr, "{:<10} {:>8} {:>8} {:>14} {:>12}\n", "form", "R^2", "MAPE", "held-out RMSE", "held-out MAPE");
    for (std::size_t i = 0; i < result.tried.size(); ++i) {
        const auto& t = result.tried[i];
        fmt::print(stderr, "{:<10} {:>8.4f} {:>7.2f}% {:>12.3f} W {:>11.2f}%{}\n", pm::to_string(t.form), t.r2, 100 * t.mape,
                   t.heldout_rmse_w, 100 * t.heldout_mape, i == result.chosen ? "  <- chosen" : "");
    }
    const auto& best = result.best();
    pm::PowerModel model = best.model;
    model.kind = *component;
    model.scale = *component == pm::ComponentKind::gpu ? pm::Scale::device : pm::Scale::machine;  // gpu: samples of each GPU pooled
    const auto machine = this_machine();
    if (!f.match_cpu.empty()) model.match.cpu = {f.match_cpu};
    if (!f.match_gpu.empty()) model.match.gpu = {f.match_gpu};
    if (!f.match_board.empty()) model.match.board = {f.match_board};
    if (model.match.empty()) {
        // Default: the hardware of the machine fitting it, which is usually the one that ran.
        if (*component == pm::ComponentKind::gpu && !machine.gpus.empty()) model.match.gpu = {machine.gpus.front()};
        else if (*component != pm::ComponentKind::gpu && !machine.cpu_model.empty()) model.match.cpu = {machine.cpu_model};
        else throw Error("cannot tell which hardware the model is for: give --match-cpu, --match-gpu or --match-board");
        fmt::print(stderr, "match rule from this machine: {}\n",
                   model.match.gpu.empty() ? "cpu = " + model.match.cpu.front() : "gpu = " + model.match.gpu.front());
    }
    model.id = f.id.empty() ? "fit/" + id_safe(run.host.empty() ? "host" : run.host) + "/" + f.component + "-" + run.id.substr(0, 8) : f.id;
    model.source = fmt::format("fitted by 'powerml models fit' from run {} on host {}: {} samples of {} against measured {}", run.id,
                               run.host, data.samples.size(), data.input, fmt::join(data.power, " + "));
    model.licence = f.licence;
    model.relative_uncertainty = std::max(0.01, best.heldout_mape);
    model.fit = pm::FitInfo{run.id, static_cast<int>(data.samples.size()), best.r2, best.heldout_mape, best.heldout_rmse_w, data.input};
    const std::filesystem::path out = f.out.empty() ? pm::Catalog::default_user_dir() / "fitted" / file_name_for(model.id) : std::filesystem::path(f.out);
    model.location = {out.string(), 1, pm::Origin::file};
    pm::check_model(model);
    const std::string text = pm::write_model_file(model);
    pm::parse_model_file(text, out.string());  // what is written must read back
    write_text(out, text);
    fmt::print(stderr, "wrote {} ({}; R^2 {:.4f}, held-out MAPE {:.2f} %)\n", out.string(), model.formula(), best.r2, 100 * best.heldout_mape);
    if (f.format == "json")
        fmt::print("{}\n", json{{"file", out.string()}, {"model", model_json(model)}, {"form", pm::to_string(best.form)},
                                {"r2", best.r2}, {"mape", best.heldout_mape}, {"rmse_w", best.heldout_rmse_w},
                                {"samples", data.samples.size()}}
                               .dump(2));
    else
        fmt::print("{}\n", model.id);
}

void run_validate(const Flags& f) {
    for (const auto& file : f.files) {
        const auto models = pm::read_model_file(file);
        fmt::print("{}: {} model{} valid\n", file, models.size(), models.size() == 1 ? "" : "s");
    }
}

void run_import(const Flags& f) {
    const std::filesystem::path dest = f.to.empty() ? pm::Catalog::default_user_dir() : std::filesystem::path(f.to);
    std::vector<std::pair<std::filesystem::path, std::filesystem::path>> copies;  // from, relative name
    for (const auto& item : f.files) {
        const std::filesystem::path path(item);
        if (std::filesystem::is_directory(path)) {
            for (auto it = std::filesystem::recursive_directory_iterator(path); it != std::filesystem::recursive_directory_iterator(); ++it) {
                if (it->is_directory() && it->path().filename().string().starts_with(".")) {
                    it.disable_recursion_pending();
                    continue;
                }
                if (it->is_regular_file() && it->path().extension() == ".toml")
                    copies.emplace_back(it->path(), "imported" / std::filesystem::relative(it->path(), path));
            }
        } else if (std::filesystem::is_regular_file(path)) {
            copies.emplace_back(path, std::filesystem::path("imported") / path.filename());
        } else {
            throw Error(item + ": no such file or folder");
        }
    }
    // Check everything first, so that a bad file leaves the user's folder as it was.
    std::size_t models = 0;
    for (const auto& [from, name] : copies) models += pm::read_model_file(from).size();
    for (const auto& [from, name] : copies) {
        std::error_code ec;
        std::filesystem::create_directories((dest / name).parent_path(), ec);
        std::filesystem::copy_file(from, dest / name, std::filesystem::copy_options::overwrite_existing, ec);
        if (ec) throw Error("cannot copy " + from.string() + " to " + (dest / name).string() + ": " + ec.message());
    }
    fmt::print("imported {} model{} from {} file{} into {}\n", models, models == 1 ? "" : "s", copies.size(),
               copies.size() == 1 ? "" : "s", dest.string());
}

void run_export(const Flags& f) {
    const auto catalog = load_catalog();
    std::vector<const pm::PowerModel*> chosen;
    for (const auto& id : f.ids) {
        const auto* m = catalog.find(id);
        if (!m) throw Error("no model '" + id + "' in the catalog");
        chosen.push_back(m);
    }
    if (f.all)
        for (const auto& m : catalog.models())
            if (m.location.origin == pm::Origin::user) chosen.push_back(&m);
    if (chosen.empty()) throw Error("name the model ids to export, or --user for all of the user's models");
    for (const auto* m : chosen) {
        const auto file = std::filesystem::path(f.to) / file_name_for(m->id);
        write_text(file, pm::write_model_file(*m));
        fmt::print("{}\n", file.string());
    }
}

}  // namespace

void add_models_command(CLI::App& app, int& exit_code) {
    auto flags = std::make_shared<Flags>();
    auto* models = app.add_subcommand("models", "Power models: list, show, match this machine, fit from a run, share");
    models->require_subcommand(1);
    auto done = [&exit_code](auto fn) {
        return [fn, &exit_code] {
            fn();
            exit_code = 0;
        };
    };

    auto* list = models->add_subcommand("list", "Models in the catalog (shipped and the user's own)");
    list->add_option("--kind", flags->kind, "cpu, gpu, dram, accelerator, nic or node");
    list->add_option("--match", flags->match, "Only models whose id, rules, source or description contain TEXT");
    list->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    list->callback(done([flags] { run_list(*flags); }));

    auto* show = models->add_subcommand("show", "One model, as a model file (or JSON)");
    show->add_option("id", flags->id, "Model id")->required();
    show->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    show->callback(done([flags] { run_show(*flags); }));

    auto* match = models->add_subcommand("match", "Detect this machine and show the models the model sensor would use");
    match->add_option("--kind", flags->kind, "Only this component kind");
    match->add_flag("--all", flags->all, "Every matching model, best first, not only the chosen one");
    match->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    match->callback(done([flags] { run_match(*flags); }));

    auto* fit = models->add_subcommand("fit", "Fit a model to a recorded run's utilisation and measured power");
    fit->add_option("--run", flags->run, "Run id (or a unique prefix)")->required();
    fit->add_option("--component", flags->component, "cpu, gpu, dram or node")->required();
    fit->add_option("--form", flags->form, "constant, linear, power or piecewise (default: best by held-out error)");
    fit->add_option("--knots", flags->knots, "Piecewise breakpoints (default 0,0.1,0.5,1)");
    fit->add_option("--id", flags->id, "Model id (default fit/HOST/COMPONENT-RUN)");
    fit->add_option("--match-cpu", flags->match_cpu, "CPU name the model is for (default: this machine's)");
    fit->add_option("--match-gpu", flags->match_gpu, "GPU name the model is for");
    fit->add_option("--match-board", flags->match_board, "Board or system name the model is for");
    fit->add_option("--licence", flags->licence, "Licence of the fitted numbers")->capture_default_str();
    fit->add_option("--out", flags->out, "Model file to write (default: the user's models folder)");
    fit->add_option("--db", flags->db, "Run store: a SQLite file or postgresql://... (default $XDG_DATA_HOME/powerml/runs.sqlite)");
    fit->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}));
    fit->callback(done([flags] { run_fit(*flags); }));

    auto* validate = models->add_subcommand("validate", "Check model files; the first problem is named by file, line and field");
    validate->add_option("files", flags->files, "Model files")->required();
    validate->callback(done([flags] { run_validate(*flags); }));

    auto* import = models->add_subcommand("import", "Check and copy model files (or a shared catalog folder) into the user's models");
    import->add_option("paths", flags->files, "Files or folders (a git checkout works)")->required();
    import->add_option("--to", flags->to, "Destination (default $XDG_DATA_HOME/powerml/power-models)");
    import->callback(done([flags] { run_import(*flags); }));

    auto* export_cmd = models->add_subcommand("export", "Write models as single-model files into a shared catalog folder");
    export_cmd->add_option("ids", flags->ids, "Model ids");
    export_cmd->add_flag("--user", flags->all, "Every model in the user's folder");
    export_cmd->add_option("--to", flags->to, "Folder")->required();
    export_cmd->callback(done([flags] { run_export(*flags); }));
}

}  // namespace powerml::cli
