#pragma once
// Charts as inline SVG written here in C++: the report is one file that works offline, needs
// no JavaScript library and no npm in CI (docs/explanation/report.md says why). Each chart is
// an <svg class="chart"> with data-points = the number of plotted values, so a test can check
// that no chart is empty.
#include <optional>
#include <string>
#include <vector>

namespace powerml::report {

struct Series {
    std::string name;
    std::vector<double> x, y;
};

struct Band {  // a shaded x range with a label (a phase)
    double from = 0, to = 0;
    std::string label;
};

struct LineChart {
    std::string title, x_label, y_label;
    std::vector<Series> series;
    std::vector<Band> bands;
    bool markers = false;  // draw a dot at every point (few points per series)
    int width = 860, height = 300;
};

struct BarGroup {  // one category, one value per series, with optional error bars
    std::string category;
    std::vector<double> values;
    std::vector<std::optional<std::pair<double, double>>> errors;  // (low, high) per value
};

struct BarChart {
    std::string title, y_label;
    std::vector<std::string> series_names;
    std::vector<BarGroup> groups;
    int width = 860, height = 300;
};

struct Box {  // five numbers and the points themselves, computed by analysis
    std::string label;
    double q1 = 0, median = 0, q3 = 0, low = 0, high = 0;  // whiskers: low/high
    std::vector<double> points;
    std::vector<bool> outlier;  // per point
};

struct BoxPlot {
    std::string title, y_label;
    std::vector<Box> boxes;
    int width = 860, height = 300;
};

std::string render(const LineChart& chart);
std::string render(const BarChart& chart);
std::string render(const BoxPlot& chart);

// Axis ticks: about `count` round values covering [lo, hi] (1, 2, 2.5, 5 x 10^k steps).
std::vector<double> nice_ticks(double lo, double hi, int count = 5);

}  // namespace powerml::report
