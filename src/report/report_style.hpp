#pragma once
// The style both HTML reports (runs and experiments, profiles) share: page, headings, data
// tables, chart frame. Each report adds the rules of its own charts after it.
#include <string>

namespace powerml::report {

inline constexpr const char* k_report_base_style = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:960px;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:2em}h3{margin-top:1.5em}
table.data{border-collapse:collapse;font-size:12px;margin:8px 0;display:block;overflow-x:auto}
table.data th,table.data td{border:1px solid #ccc;padding:2px 6px;text-align:left;white-space:nowrap}
table.data td.num{text-align:right;min-width:3em;font-variant-numeric:tabular-nums}table.data th{background:#f0f4f8}
svg.chart{display:block;margin:12px 0;background:#fff;border:1px solid #e4e4e4}
)";

// The page up to its heading: the document head with the shared style and the report's own
// chart rules, then <h1>TITLE</h1>. `title` is the report's fixed name (no markup to escape).
inline std::string report_page_start(const char* title, const char* own_style) {
    return std::string("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>") +
           title + "</title><style>" + k_report_base_style + own_style + "</style></head><body><h1>" + title + "</h1>";
}

}  // namespace powerml::report
