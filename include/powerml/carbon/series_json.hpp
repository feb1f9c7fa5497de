#pragma once
// The JSON document `powerml intensity --format json` prints: a series' description and its
// points, written straight into one buffer. Byte for byte what nlohmann::json's dump(1) of
// the same document gives (keys in order, one-space indent, the same number and string
// forms), without building a JSON value per point.
#include <string>

#include "powerml/carbon/intensity_series.hpp"

namespace powerml::carbon {

// Appends the document and no trailing newline. Throws nlohmann's type_error for a string
// field that is not valid UTF-8, as dump() does.
void append_series_json(std::string& out, const IntensitySeries& series);

}  // namespace powerml::carbon
