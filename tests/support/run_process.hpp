#pragma once
// Runs a program (usually the built `powerml`) with extra environment, capturing its output.
#include <map>
#include <string>
#include <vector>

namespace powerml::test {

struct ProcessResult {
    int exit_code = -1;  // 128 + signal when killed, like a shell
    std::string out;
    std::string err;
};

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::string& stdin_text = {});

// run_process({POWERML_BINARY, args...}, env)
ProcessResult run_powerml(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {});

}  // namespace powerml::test
