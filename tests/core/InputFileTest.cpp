// paths::read_input_file and read_input_file_lines: the same checks, and the pieces of the
// second are whole lines that add up to the file.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <string>
#include <vector>

#include "powerml/core/error.hpp"
#include "powerml/core/paths.hpp"
#include "support/temp_dir.hpp"

using namespace powerml;

namespace {

std::vector<std::string> pieces_of(const std::filesystem::path& file, std::size_t max_bytes = 1 << 24) {
    std::vector<std::string> pieces;
    paths::read_input_file_lines(file, max_bytes, "test file", [&](std::string_view lines) {
        pieces.emplace_back(lines);
        return true;
    });
    return pieces;
}

std::string joined(const std::vector<std::string>& pieces) {
    std::string out;
    for (const auto& p : pieces) out += p;
    return out;
}

}  // namespace

TEST(InputFileTest, PiecesAreWholeLinesThatAddUpToTheFile) {
    test::TempDir dir;
    std::string text;
    for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + " of a file read in pieces\n";
    text += "a last line without a newline";
    const auto file = dir.write("many.txt", text);
    const auto pieces = pieces_of(file);
    ASSERT_GT(pieces.size(), 2u) << "a file of " << text.size() << " bytes came in one piece";
    for (std::size_t i = 0; i + 1 < pieces.size(); ++i) EXPECT_EQ(pieces[i].back(), '\n') << "piece " << i;
    EXPECT_EQ(joined(pieces), text);
    EXPECT_EQ(paths::read_input_file(file, 1 << 24, "test file"), text);
}

TEST(InputFileTest, ALineLongerThanAPieceComesWhole) {
    test::TempDir dir;
    const std::string long_line(300 * 1024, 'x');
    const std::string text = "short\n" + long_line + "\nend\n";
    const auto pieces = pieces_of(dir.write("long.txt", text));
    EXPECT_EQ(joined(pieces), text);
    bool found = false;
    for (const auto& p : pieces) found = found || p.find(long_line + "\n") != std::string::npos;
    EXPECT_TRUE(found) << "the long line was split between pieces";
}

TEST(InputFileTest, ReadingStopsWhenAsked) {
    test::TempDir dir;
    std::string text;
    for (int i = 0; i < 50000; ++i) text += "0123456789\n";
    int calls = 0;
    paths::read_input_file_lines(dir.write("stop.txt", text), 1 << 24, "test file", [&](std::string_view) {
        ++calls;
        return false;
    });
    EXPECT_EQ(calls, 1);
}

TEST(InputFileTest, BothRefuseWhatIsTooLargeOrNotARegularFile) {
    test::TempDir dir;
    const auto big = dir.write("big.txt", std::string(4096, 'a') + "\n");
    EXPECT_THROW(paths::read_input_file(big, 100, "test file"), Error);
    EXPECT_THROW(pieces_of(big, 100), Error);
    EXPECT_THROW(pieces_of(dir.path()), Error);
    EXPECT_THROW(pieces_of(dir.path() / "missing.txt"), Error);
    const auto fifo = dir.path() / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    try {
        pieces_of(fifo);
        FAIL() << "a FIFO was read";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
}

TEST(InputFileTest, AnEmptyFileGivesNoPiece) {
    test::TempDir dir;
    EXPECT_TRUE(pieces_of(dir.write("empty.txt", "")).empty());
}
