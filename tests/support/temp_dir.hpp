#pragma once
// A temporary directory for fake sysfs/procfs trees and outputs, removed when it goes out of scope.
#include <filesystem>
#include <string>

namespace powerml::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    // Writes `content` to path()/relative, creating parent folders.
    std::filesystem::path write(const std::string& relative, const std::string& content) const;
    std::string read(const std::string& relative) const;

private:
    std::filesystem::path m_path;
};

std::string read_file(const std::filesystem::path& path);

}  // namespace powerml::test
