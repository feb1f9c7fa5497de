#pragma once
// A table of the report: shown as HTML, and exported as CSV and JSON with the same columns,
// so that every number in the report can be read by a program too.
#include <string>
#include <variant>
#include <vector>

namespace powerml::report {

using Cell = std::variant<std::monostate, double, std::string>;  // empty, number (SI units), text

struct Table {
    std::string id;     // file name stem: "run-20261123T1315Z-3f2a-phases"
    std::string title;  // "Energy per phase"
    std::vector<std::string> columns;
    std::vector<std::vector<Cell>> rows;

    // RFC 4180 CSV with a header row; numbers with 9 significant digits, empty cells empty.
    std::string to_csv() const;
    // {"id", "title", "columns", "rows": [{column: value}]}; numbers as JSON numbers, empty as null.
    std::string to_json() const;
    // <table> with escaped text; numbers formatted for reading (4 significant digits).
    std::string to_html() const;
};

std::string html_escape(const std::string& text);

}  // namespace powerml::report
