#include "powerml/report/table.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace powerml::report {

namespace {

std::string csv_cell(const Cell& cell) {
    if (const auto* d = std::get_if<double>(&cell)) return std::isfinite(*d) ? fmt::format("{:.9g}", *d) : std::string();
    if (const auto* s = std::get_if<std::string>(&cell)) {
        if (s->find_first_of(",\"\n\r") == std::string::npos) return *s;
        std::string quoted = "\"";
        for (const char c : *s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        return quoted + "\"";
    }
    return {};
}

std::string csv_header(const std::string& column) { return csv_cell(Cell(column)); }

}  // namespace

std::string html_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string Table::to_csv() const {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) out += (i ? "," : "") + csv_header(columns[i]);
    out += "\n";
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_cell(row[i]);
        out += "\n";
    }
    return out;
}

std::string Table::to_json() const {
    nlohmann::json out = {{"id", id}, {"title", title}, {"columns", columns}, {"rows", nlohmann::json::array()}};
    for (const auto& row : rows) {
        nlohmann::json item = nlohmann::json::object();
        for (std::size_t i = 0; i < row.size() && i < columns.size(); ++i) {
            if (const auto* d = std::get_if<double>(&row[i])) item[columns[i]] = std::isfinite(*d) ? nlohmann::json(*d) : nullptr;
            else if (const auto* s = std::get_if<std::string>(&row[i])) item[columns[i]] = *s;
            else item[columns[i]] = nullptr;
        }
        out["rows"].push_back(std::move(item));
    }
    return out.dump(2) + "\n";
}

std::string Table::to_html() const {
    std::string out = fmt::format("<table class=\"data\" id=\"table-{}\"><thead><tr>", html_escape(id));
    for (const auto& c : columns) out += "<th>" + html_escape(c) + "</th>";
    out += "</tr></thead><tbody>";
    for (const auto& row : rows) {
        out += "<tr>";
        for (const auto& cell : row) {
            if (const auto* d = std::get_if<double>(&cell))
                out += std::isfinite(*d) ? fmt::format("<td class=\"num\">{:.4g}</td>", *d) : "<td></td>";
            else if (const auto* s = std::get_if<std::string>(&cell)) out += "<td>" + html_escape(*s) + "</td>";
            else out += "<td></td>";
        }
        out += "</tr>";
    }
    return out + "</tbody></table>\n";
}

}  // namespace powerml::report
