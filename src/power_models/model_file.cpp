#include "powerml/power_models/model_file.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"

namespace powerml::power_models {

namespace {

struct Problem {
    std::string field;
    std::string message;
};

const std::set<std::string, std::less<>> k_model_keys = {
    "id",     "kind",          "form",      "scale",        "match",      "source", "licence", "description",
    "relative_uncertainty",    "watts",     "idle_w",       "max_w",      "exponent", "points", "capacitance_f",
    "voltage_v", "frequency_hz", "dimms",   "joules_per_byte", "fit"};
const std::set<std::string, std::less<>> k_match_keys = {"cpu", "gpu", "instance", "board", "vm", "fallback", "manual"};
const std::set<std::string, std::less<>> k_fit_keys = {"run", "samples", "r2", "mape", "rmse_w", "input"};
const std::set<std::string, std::less<>> k_catalog_keys = {"name", "source", "licence", "description", "kinds"};

// Parameters each form uses; any other parameter present is a contradiction.
const std::set<std::string, std::less<>>& form_parameters(Form form) {
    static const std::set<std::string, std::less<>> constant = {"watts"}, linear = {"idle_w", "max_w"},
                                                    power = {"idle_w", "max_w", "exponent"}, piecewise = {"points"},
                                                    dram = {"capacitance_f", "voltage_v", "frequency_hz", "dimms"},
                                                    network = {"idle_w", "joules_per_byte"};
    switch (form) {
        case Form::constant: return constant;
        case Form::linear: return linear;
        case Form::power: return power;
        case Form::piecewise: return piecewise;
        case Form::dram: return dram;
        case Form::network: return network;
    }
    return constant;
}
const std::set<std::string, std::less<>> k_all_parameters = {"watts",  "idle_w",        "max_w",     "exponent",
                                                             "points", "capacitance_f", "voltage_v", "frequency_hz",
                                                             "dimms",  "joules_per_byte"};

bool valid_id(const std::string& id) {
    if (id.empty() || id.size() > 200) return false;
    return std::all_of(id.begin(), id.end(), [](unsigned char c) {
        return std::islower(c) || std::isdigit(c) || c == '.' || c == '_' || c == ':' || c == '/' || c == '+' || c == '-';
    });
}

bool finite_non_negative(double x) { return std::isfinite(x) && x >= 0; }

std::optional<Problem> find_problem(const PowerModel& m) {
    if (!valid_id(m.id)) return Problem{"id", "'" + m.id + "' is not a valid id: use lower-case letters, digits and . _ : / + -"};
    if (m.source.empty()) return Problem{"source", "missing: say where the numbers come from (datasheet, data set, measured run)"};
    if (m.licence.empty()) return Problem{"licence", "missing: say under which licence the numbers may be shared"};
    if (!(m.relative_uncertainty > 0 && m.relative_uncertainty <= 5))
        return Problem{"relative_uncertainty", fmt::format("{} is outside (0, 5]", m.relative_uncertainty)};
    if (m.match.empty()) return Problem{"match", "no match rules: name a cpu, gpu, instance or board, or set fallback = true"};
    const bool cpu_like = m.kind == ComponentKind::cpu;
    const bool gpu_like = m.kind == ComponentKind::gpu || m.kind == ComponentKind::accelerator;
    if (!m.match.gpu.empty() && cpu_like) return Problem{"match.gpu", "a cpu model cannot match by GPU name"};
    if (!m.match.cpu.empty() && gpu_like)
        return Problem{"match.cpu", fmt::format("a {} model cannot match by CPU name", to_string(m.kind))};
    if ((m.scale == Scale::socket || m.scale == Scale::vcpu) && !cpu_like)
        return Problem{"scale", fmt::format("scale '{}' is for cpu models, not {}", to_string(m.scale), to_string(m.kind))};
    if (m.scale == Scale::device && !gpu_like)
        return Problem{"scale", fmt::format("scale 'device' is for gpu and accelerator models, not {}", to_string(m.kind))};
    if (m.form == Form::dram && m.kind != ComponentKind::dram) return Problem{"form", "form 'dram' is for kind 'dram' only"};
    if (m.form == Form::network && m.kind != ComponentKind::nic) return Problem{"form", "form 'network' is for kind 'nic' only"};
    switch (m.form) {
        case Form::constant:
            if (!finite_non_negative(m.watts)) return Problem{"watts", "must be a number >= 0"};
            break;
        case Form::linear:
        case Form::power:
            if (!finite_non_negative(m.idle_w)) return Problem{"idle_w", "must be a number >= 0"};
            if (!(std::isfinite(m.max_w) && m.max_w > 0)) return Problem{"max_w", "must be a number > 0"};
            if (m.max_w < m.idle_w)
                return Problem{"max_w", fmt::format("{} W is below idle_w = {} W: power cannot fall with load", m.max_w, m.idle_w)};
            if (m.form == Form::power && !(std::isfinite(m.exponent) && m.exponent > 0 && m.exponent <= 20))
                return Problem{"exponent", fmt::format("{} is outside (0, 20]", m.exponent)};
            break;
        case Form::piecewise: {
            if (m.points.size() < 2) return Problem{"points", "needs at least two [utilisation, watts] points"};
            for (std::size_t i = 0; i < m.points.size(); ++i) {
                const auto& [u, w] = m.points[i];
                if (!(u >= 0 && u <= 1)) return Problem{"points", fmt::format("point {}: utilisation {} is outside [0, 1]", i + 1, u)};
                if (!finite_non_negative(w)) return Problem{"points", fmt::format("point {}: {} W is not a number >= 0", i + 1, w)};
                if (i > 0 && u <= m.points[i - 1].first)
                    return Problem{"points", fmt::format("point {}: utilisation {} does not increase (previous {})", i + 1, u,
                                                         m.points[i - 1].first)};
            }
            if (m.points.front().first != 0.0 || m.points.back().first != 1.0)
                return Problem{"points", "must start at utilisation 0 and end at 1 so that every load has a value"};
            break;
        }
        case Form::dram:
            if (!(m.capacitance_f > 0 && std::isfinite(m.capacitance_f))) return Problem{"capacitance_f", "must be a number > 0 (farads)"};
            if (!(m.voltage_v > 0 && m.voltage_v < 5)) return Problem{"voltage_v", "must be the default DIMM voltage, in (0, 5) V"};
            if (!(m.frequency_hz > 0 && std::isfinite(m.frequency_hz)))
                return Problem{"frequency_hz", "must be the default transfer rate, > 0 per second"};
            if (m.dimms < 0) return Problem{"dimms", "must be >= 0 (0: count the machine's DIMMs)"};
            break;
        case Form::network:
            if (!finite_non_negative(m.idle_w)) return Problem{"idle_w", "must be a number >= 0"};
            if (!finite_non_negative(m.joules_per_byte)) return Problem{"joules_per_byte", "must be a number >= 0"};
            break;
    }
    if (m.fit) {
        if (!(m.fit->mape >= 0 && std::isfinite(m.fit->mape))) return Problem{"fit.mape", "must be a ratio >= 0"};
        if (!(m.fit->r2 <= 1 && std::isfinite(m.fit->r2))) return Problem{"fit.r2", "must be a number <= 1"};
        if (m.fit->samples < 0) return Problem{"fit.samples", "must be >= 0"};
    }
    return std::nullopt;
}

// Reads one model: fields from its own table, else from [defaults], else (source, licence) from [catalog].
class ModelReader {
public:
    ModelReader(const toml::table& model, const toml::table* defaults, const toml::table* catalog, const std::string& file)
        : m_model(model), m_defaults(defaults), m_catalog(catalog), m_file(file) {}

    const toml::node* find(std::string_view key) const {
        if (const auto* n = m_model.get(key)) return n;
        if (m_defaults)
            if (const auto* n = m_defaults->get(key)) return n;
        if (m_catalog && (key == "source" || key == "licence"))
            if (const auto* n = m_catalog->get(key)) return n;
        return nullptr;
    }
    int line_of(std::string_view key) const {
        if (const auto* n = find(key)) return static_cast<int>(n->source().begin.line);
        return static_cast<int>(m_model.source().begin.line);
    }
    [[noreturn]] void fail(std::string_view key, int line, const std::string& message) const {
        const std::string id = m_model.get("id") && m_model.get("id")->is_string() ? *m_model.get("id")->value<std::string>() : "";
        throw Error(fmt::format("{}:{}: {}field '{}': {}", m_file, line, id.empty() ? "" : "model '" + id + "': ", key, message));
    }
    [[noreturn]] void fail(std::string_view key, const std::string& message) const { fail(key, line_of(key), message); }

    std::string text(std::string_view key) const {
        const auto* n = find(key);
        if (!n) return {};
        if (!n->is_string()) fail(key, "must be a string");
        return *n->value<std::string>();
    }
    double number(std::string_view key, double fallback) const {
        const auto* n = find(key);
        if (!n) return fallback;
        if (auto d = n->value<double>(); d && (n->is_floating_point() || n->is_integer())) return *d;
        fail(key, "must be a number");
    }
    std::vector<std::string> names(const toml::node& node, std::string_view key) const {
        std::vector<std::string> out;
        if (node.is_string()) {
            out.push_back(*node.value<std::string>());
        } else if (const auto* arr = node.as_array()) {
            for (const auto& item : *arr) {
                if (!item.is_string()) fail(key, static_cast<int>(item.source().begin.line), "must be a string or a list of strings");
                out.push_back(*item.value<std::string>());
            }
        } else {
            fail(key, static_cast<int>(node.source().begin.line), "must be a string or a list of strings");
        }
        for (const auto& s : out)
            if (s.find_first_not_of(" \t") == std::string::npos) fail(key, static_cast<int>(node.source().begin.line), "has an empty name");
        return out;
    }

    PowerModel read(Origin origin) const {
        for (const auto& [key, node] : m_model)
            if (!k_model_keys.count(key.str())) fail(key.str(), static_cast<int>(node.source().begin.line), "unknown field (misspelt?)");
        PowerModel m;
        m.location = {m_file, static_cast<int>(m_model.source().begin.line), origin};
        m.id = text("id");
        if (m.id.empty()) fail("id", "missing");
        const std::string kind = text("kind");
        const auto k = component_kind_from(kind);
        if (!k) fail("kind", "'" + kind + "' is not one of cpu, gpu, dram, accelerator, nic, node");
        m.kind = *k;
        const std::string form = text("form");
        const auto f = form_from(form);
        if (!f) fail("form", "'" + form + "' is not one of constant, linear, piecewise, power, dram, network");
        m.form = *f;
        if (const std::string scale = text("scale"); !scale.empty()) {
            const auto s = scale_from(scale);
            if (!s) fail("scale", "'" + scale + "' is not one of machine, socket, vcpu, device");
            m.scale = *s;
        }
        m.source = text("source");
        m.licence = text("licence");
        m.description = text("description");
        m.relative_uncertainty = number("relative_uncertainty", 0.3);
        // A parameter of another form is a contradiction: say so rather than ignore it.
        const auto& used = form_parameters(m.form);
        for (const auto& p : k_all_parameters)
            if (m_model.get(p) && !used.count(p)) fail(p, fmt::format("is not used by form '{}' (it uses: {})", form, fmt::join(used, ", ")));
        m.watts = number("watts", NAN);
        m.idle_w = number("idle_w", m.form == Form::network ? 0.0 : NAN);
        m.max_w = number("max_w", NAN);
        m.exponent = number("exponent", NAN);
        m.capacitance_f = number("capacitance_f", NAN);
        m.voltage_v = number("voltage_v", NAN);
        m.frequency_hz = number("frequency_hz", NAN);
        m.joules_per_byte = number("joules_per_byte", NAN);
        const double dimms = number("dimms", 0);
        if (dimms != std::floor(dimms)) fail("dimms", "must be a whole number");
        m.dimms = static_cast<int>(dimms);
        if (const auto* pts = find("points")) {
            const auto* arr = pts->as_array();
            if (!arr) fail("points", "must be a list of [utilisation, watts] pairs");
            for (const auto& item : *arr) {
                const auto* pair = item.as_array();
                if (!pair || pair->size() != 2 || !(*pair)[0].value<double>() || !(*pair)[1].value<double>())
                    fail("points", static_cast<int>(item.source().begin.line), "each point must be [utilisation, watts]");
                m.points.emplace_back(*(*pair)[0].value<double>(), *(*pair)[1].value<double>());
            }
        }
        read_match(m);
        read_fit(m);
        if (auto problem = find_problem(m)) fail(problem->field, line_of(problem->field.substr(0, problem->field.find('.'))), problem->message);
        // Parameters the form does not use read as 0, not NaN, so models compare and print cleanly.
        for (auto [name, value] : {std::pair{"watts", &m.watts}, {"idle_w", &m.idle_w}, {"max_w", &m.max_w},
                                   {"capacitance_f", &m.capacitance_f}, {"voltage_v", &m.voltage_v},
                                   {"frequency_hz", &m.frequency_hz}, {"joules_per_byte", &m.joules_per_byte}})
            if (!used.count(name)) *value = 0;
        if (!used.count("exponent")) m.exponent = 1;
        return m;
    }

private:
    // [defaults] match rules first, then the model's own: a model adds to or overrides them.
    void read_match(PowerModel& m) const {
        const toml::node* from_defaults = m_defaults ? m_defaults->get("match") : nullptr;
        for (const toml::node* node : {from_defaults, m_model.get("match")}) {
            if (node) read_match_table(*node, m);
        }
    }
    void read_match_table(const toml::node& node, PowerModel& m) const {
        const auto* table = node.as_table();
        if (!table) fail("match", static_cast<int>(node.source().begin.line), "must be a table (match = { cpu = \"...\" })");
        for (const auto& [key, value] : *table) {
            const std::string field = "match." + std::string(key.str());
            if (!k_match_keys.count(key.str())) fail(field, static_cast<int>(value.source().begin.line), "unknown match rule");
            if (key.str() == "vm" || key.str() == "fallback" || key.str() == "manual") {
                if (!value.is_boolean()) fail(field, static_cast<int>(value.source().begin.line), "must be true or false");
                if (key.str() == "vm") m.match.vm = *value.value<bool>();
                else if (key.str() == "fallback") m.match.fallback = *value.value<bool>();
                else m.match.manual = *value.value<bool>();
                continue;
            }
            auto list = names(value, field);
            if (key.str() == "cpu") m.match.cpu = std::move(list);
            else if (key.str() == "gpu") m.match.gpu = std::move(list);
            else if (key.str() == "instance") m.match.instance = std::move(list);
            else m.match.board = std::move(list);
        }
    }
    void read_fit(PowerModel& m) const {
        const auto* node = find("fit");
        if (!node) return;
        const auto* table = node->as_table();
        if (!table) fail("fit", "must be a table");
        FitInfo fit;
        for (const auto& [key, value] : *table) {
            const std::string field = "fit." + std::string(key.str());
            const int line = static_cast<int>(value.source().begin.line);
            if (!k_fit_keys.count(key.str())) fail(field, line, "unknown field");
            if (key.str() == "run" || key.str() == "input") {
                if (!value.is_string()) fail(field, line, "must be a string");
                (key.str() == "run" ? fit.run : fit.input) = *value.value<std::string>();
            } else {
                const auto d = value.value<double>();
                if (!d) fail(field, line, "must be a number");
                if (key.str() == "samples") fit.samples = static_cast<int>(*d);
                else if (key.str() == "r2") fit.r2 = *d;
                else if (key.str() == "mape") fit.mape = *d;
                else fit.rmse_w = *d;
            }
        }
        m.fit = fit;
    }

    const toml::table& m_model;
    const toml::table* m_defaults;
    const toml::table* m_catalog;
    const std::string& m_file;
};

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<int>(c));
                else out += c;
        }
    }
    return out + "\"";
}

std::string quoted_list(const std::vector<std::string>& names) {
    std::string out = "[";
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + quoted(names[i]);
    return out + "]";
}

}  // namespace

void check_model(const PowerModel& model) {
    if (auto problem = find_problem(model))
        throw Error(fmt::format("{}:{}: model '{}': field '{}': {}", model.location.file.empty() ? "<model>" : model.location.file,
                                model.location.line, model.id, problem->field, problem->message));
}

std::vector<PowerModel> parse_model_file(const std::string& text, const std::string& file, Origin origin) {
    toml::table root;
    try {
        root = toml::parse(text, file);
    } catch (const toml::parse_error& e) {
        throw Error(fmt::format("{}:{}: not valid TOML: {}", file, e.source().begin.line, e.description()));
    }
    const toml::table* catalog = nullptr;
    const toml::table* defaults = nullptr;
    const toml::node* models = nullptr;
    for (const auto& [key, node] : root) {
        const int line = static_cast<int>(node.source().begin.line);
        if (key.str() == "schema") {
            if (node.value<std::string>() != std::optional<std::string>(k_schema))
                throw Error(fmt::format("{}:{}: field 'schema': expected \"{}\"", file, line, k_schema));
        } else if (key.str() == "catalog") {
            catalog = node.as_table();
            if (!catalog) throw Error(fmt::format("{}:{}: field 'catalog': must be a table", file, line));
            for (const auto& [k, v] : *catalog)
                if (!k_catalog_keys.count(k.str()))
                    throw Error(fmt::format("{}:{}: field 'catalog.{}': unknown field", file, v.source().begin.line, k.str()));
        } else if (key.str() == "defaults") {
            defaults = node.as_table();
            if (!defaults) throw Error(fmt::format("{}:{}: field 'defaults': must be a table", file, line));
            for (const auto& [k, v] : *defaults)
                if (!k_model_keys.count(k.str()) || k.str() == "id")
                    throw Error(fmt::format("{}:{}: field 'defaults.{}': not a field a model can inherit", file,
                                            v.source().begin.line, k.str()));
        } else if (key.str() == "model") {
            models = &node;
        } else {
            throw Error(fmt::format("{}:{}: field '{}': unknown top-level field (expected schema, catalog, defaults, model)", file,
                                    line, key.str()));
        }
    }
    if (!models) throw Error(fmt::format("{}:1: field 'model': no [[model]] table in the file", file));
    std::vector<const toml::table*> tables;
    if (const auto* single = models->as_table()) {
        tables.push_back(single);
    } else if (const auto* arr = models->as_array()) {
        for (const auto& item : *arr) {
            const auto* t = item.as_table();
            if (!t) throw Error(fmt::format("{}:{}: field 'model': each entry must be a table", file, item.source().begin.line));
            tables.push_back(t);
        }
    } else {
        throw Error(fmt::format("{}:{}: field 'model': must be [[model]] tables", file, models->source().begin.line));
    }
    std::vector<PowerModel> out;
    out.reserve(tables.size());
    // catalog.kinds lets a reader skip the file unparsed; it must then be true.
    std::set<std::string, std::less<>> kinds;
    const toml::array* declared = catalog ? (*catalog)["kinds"].as_array() : nullptr;
    if (declared)
        for (const auto& k : *declared) {
            const auto name = k.value<std::string>();
            if (!name || !component_kind_from(*name))
                throw Error(fmt::format("{}:{}: field 'catalog.kinds': each entry must be a component kind", file, k.source().begin.line));
            kinds.insert(*name);
        }
    std::set<std::string, std::less<>> ids;
    for (const auto* table : tables) {
        ModelReader reader(*table, defaults, catalog, file);
        out.push_back(reader.read(origin));
        if (declared && !kinds.count(to_string(out.back().kind)))
            reader.fail("kind", fmt::format("'{}' is not in this file's catalog.kinds", to_string(out.back().kind)));
        if (!ids.insert(out.back().id).second)
            reader.fail("id", fmt::format("'{}' appears twice in this file", out.back().id));
    }
    return out;
}

std::vector<PowerModel> read_model_file(const std::filesystem::path& file, Origin origin) {
    return parse_model_file(paths::read_input_file(file, k_max_model_file_bytes, "power model file"), file.string(), origin);
}

std::string write_model_file(const PowerModel& m) {
    std::string out = fmt::format("# PowerML power model (docs/reference/power-model-format.md)\nschema = \"{}\"\n\n[[model]]\n", k_schema);
    out += fmt::format("id = {}\nkind = \"{}\"\nform = \"{}\"\n", quoted(m.id), to_string(m.kind), to_string(m.form));
    if (m.scale != Scale::machine) out += fmt::format("scale = \"{}\"\n", to_string(m.scale));
    if (!m.description.empty()) out += "description = " + quoted(m.description) + "\n";
    out += "source = " + quoted(m.source) + "\nlicence = " + quoted(m.licence) + "\n";
    out += fmt::format("relative_uncertainty = {}\n", m.relative_uncertainty);
    switch (m.form) {
        case Form::constant: out += fmt::format("watts = {}\n", m.watts); break;
        case Form::linear: out += fmt::format("idle_w = {}\nmax_w = {}\n", m.idle_w, m.max_w); break;
        case Form::power: out += fmt::format("idle_w = {}\nmax_w = {}\nexponent = {}\n", m.idle_w, m.max_w, m.exponent); break;
        case Form::piecewise: {
            out += "points = [";
            for (std::size_t i = 0; i < m.points.size(); ++i)
                out += fmt::format("{}[{}, {}]", i ? ", " : "", m.points[i].first, m.points[i].second);
            out += "]\n";
            break;
        }
        case Form::dram:
            out += fmt::format("capacitance_f = {}\nvoltage_v = {}\nfrequency_hz = {}\n", m.capacitance_f, m.voltage_v, m.frequency_hz);
            if (m.dimms > 0) out += fmt::format("dimms = {}\n", m.dimms);
            break;
        case Form::network: out += fmt::format("idle_w = {}\njoules_per_byte = {}\n", m.idle_w, m.joules_per_byte); break;
    }
    out += "\n[model.match]\n";
    if (!m.match.cpu.empty()) out += "cpu = " + quoted_list(m.match.cpu) + "\n";
    if (!m.match.gpu.empty()) out += "gpu = " + quoted_list(m.match.gpu) + "\n";
    if (!m.match.instance.empty()) out += "instance = " + quoted_list(m.match.instance) + "\n";
    if (!m.match.board.empty()) out += "board = " + quoted_list(m.match.board) + "\n";
    if (m.match.vm) out += fmt::format("vm = {}\n", *m.match.vm);
    if (m.match.fallback) out += "fallback = true\n";
    if (m.match.manual) out += "manual = true\n";
    if (m.fit) {
        out += "\n[model.fit]\n";
        out += "run = " + quoted(m.fit->run) + "\ninput = " + quoted(m.fit->input) + "\n";
        out += fmt::format("samples = {}\nr2 = {}\nmape = {}\nrmse_w = {}\n", m.fit->samples, m.fit->r2, m.fit->mape, m.fit->rmse_w);
    }
    return out;
}

}  // namespace powerml::power_models
