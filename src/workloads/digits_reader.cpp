// scikit-learn's copy of the UCI optical digits: 1,797 rows of 64 pixel values (0..16, an 8x8
// image row by row) and the digit. There is no official split; the first 80 % of rows are
// "train" and the rest "test", so that train and test never share an image.
#include <charconv>
#include <string_view>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

ImageDataset read_digits_csv(const std::filesystem::path& path, Split split) {
    const std::string text = read_maybe_gzip(path);
    std::vector<std::vector<int>> rows;
    std::size_t line_start = 0;
    int line_number = 0;
    while (line_start < text.size()) {
        std::size_t line_end = text.find('\n', line_start);
        if (line_end == std::string::npos) line_end = text.size();
        std::string_view line(text.data() + line_start, line_end - line_start);
        line_start = line_end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        std::vector<int> values;
        std::size_t pos = 0;
        while (pos <= line.size()) {
            std::size_t comma = line.find(',', pos);
            if (comma == std::string_view::npos) comma = line.size();
            std::string_view field = line.substr(pos, comma - pos);
            // The file writes whole numbers, some as "0.0": the integer part is the value.
            const std::size_t dot = field.find('.');
            if (dot != std::string_view::npos) field = field.substr(0, dot);
            int value = 0;
            const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
            if (ec != std::errc() || end != field.data() + field.size())
                throw Error(fmt::format("{}:{}: field {} is not a number", path.string(), line_number, values.size() + 1));
            values.push_back(value);
            pos = comma + 1;
        }
        if (values.size() != 65)
            throw Error(fmt::format("{}:{}: {} fields, expected 64 pixels and a label", path.string(), line_number, values.size()));
        if (values[64] < 0 || values[64] > 9)
            throw Error(fmt::format("{}:{}: label {} is not a digit", path.string(), line_number, values[64]));
        rows.push_back(std::move(values));
    }
    if (rows.empty()) throw Error(path.string() + ": no rows");
    const std::size_t cut = rows.size() * 8 / 10;
    const std::size_t first = split == Split::train ? 0 : cut;
    const std::size_t last = split == Split::train ? cut : rows.size();

    ImageDataset set;
    set.name = split == Split::train ? "digits/train" : "digits/test";
    set.source = path.string();
    set.shape = {1, 8, 8};
    set.classes = 10;
    for (std::size_t r = first; r < last; ++r) {
        for (int p = 0; p < 64; ++p) set.pixels.push_back(static_cast<float>(rows[r][p]) / 16.0f);
        set.labels.push_back(rows[r][64]);
    }
    return set;
}

}  // namespace powerml::workloads
