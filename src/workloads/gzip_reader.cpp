// Reads data files that Debian ships gzipped (Fashion-MNIST, digits) and plain ones alike.
#include <zlib.h>

#include <fstream>
#include <sstream>

#include "powerml/core/error.hpp"
#include "powerml/workloads/image_dataset.hpp"

namespace powerml::workloads {

std::string read_maybe_gzip(const std::filesystem::path& path) {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw Error("cannot open " + path.string());
    unsigned char magic[2] = {0, 0};
    probe.read(reinterpret_cast<char*>(magic), 2);
    const bool gzipped = probe.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!gzipped) {
        probe.clear();
        probe.seekg(0);
        std::ostringstream out;
        out << probe.rdbuf();
        return out.str();
    }
    probe.close();
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file) throw Error("cannot open " + path.string() + " with zlib");
    std::string data;
    char buffer[1 << 16];
    for (;;) {
        const int n = gzread(file, buffer, sizeof buffer);
        if (n < 0) {
            int code = 0;
            const std::string why = gzerror(file, &code);
            gzclose(file);
            throw Error(path.string() + ": corrupt gzip data (" + why + ")");
        }
        if (n == 0) break;
        data.append(buffer, static_cast<std::size_t>(n));
    }
    gzclose(file);
    return data;
}

}  // namespace powerml::workloads
