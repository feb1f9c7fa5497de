#pragma once
// The one exception type the library throws. Messages name the file, field or device at
// fault and say what to do; they are written for the person at the terminal.
#include <stdexcept>
#include <string>

namespace powerml {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace powerml
