#pragma once
// The style both HTML reports (runs and experiments, profiles) share: page, headings, data
// tables, chart frame. Each report adds the rules of its own charts after it.

namespace powerml::report {

inline constexpr const char* k_report_base_style = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:960px;color:#222;line-height:1.4}
h1{font-size:1.6em}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:2em}h3{margin-top:1.5em}
table.data{border-collapse:collapse;font-size:12px;margin:8px 0;display:block;overflow-x:auto}
table.data th,table.data td{border:1px solid #ccc;padding:2px 6px;text-align:left;white-space:nowrap}
table.data td.num{text-align:right;min-width:3em;font-variant-numeric:tabular-nums}table.data th{background:#f0f4f8}
svg.chart{display:block;margin:12px 0;background:#fff;border:1px solid #e4e4e4}
)";

}  // namespace powerml::report
