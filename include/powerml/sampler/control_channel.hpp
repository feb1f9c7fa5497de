#pragma once
// The channel through which a measured job reports phases and metrics: a named pipe whose
// path the job finds in $POWERML_CONTROL. Any language can write lines to it without
// spawning a process; lines under 4 KiB are atomic even with several writers.
//
//   begin NAME          open a phase (phases nest: epochs inside training)
//   end NAME            close the innermost open phase called NAME
//   metric NAME VALUE   attach a value (accuracy, loss, samples) to the current phase
//
// `mark NAME` and `mark --end NAME` are accepted as spellings of begin/end. The other ranks of
// a distributed job on this node say when they arrive and leave (measure/job_ranks.hpp):
//
//   join PID RANK LOCAL_RANK   a rank that this measurement meters the node for
//   leave PID                  that rank is done
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace powerml::sampler {

struct ControlMessage {
    enum class Type { begin, end, metric, join, leave } type;
    std::string name;
    double value = 0;
    int pid = 0;  // join and leave
    int rank = -1, local_rank = 0;  // join
};

// Parses one line; nothing for a line that is not a message (counted by the caller).
std::optional<ControlMessage> parse_control_line(std::string_view line);

class ControlChannel {
public:
    using Handler = std::function<void(const std::optional<ControlMessage>&)>;

    // Creates the FIFO in a fresh private directory under $TMPDIR. Throws Error.
    ControlChannel();
    ~ControlChannel();
    ControlChannel(const ControlChannel&) = delete;
    ControlChannel& operator=(const ControlChannel&) = delete;

    const std::filesystem::path& path() const { return m_fifo; }
    // Starts the reader thread; `handler` gets each line as it arrives.
    void start(Handler handler);
    // Reads what is still buffered, then stops the reader and removes the FIFO.
    void stop();

    // Writes one line to the channel named by `path` without blocking; throws Error when no
    // measurement is listening there.
    static void send(const std::filesystem::path& path, const std::string& line);

    // The longest line read; the rest of a longer one is dropped and the line counted as an
    // error, so a writer that never sends a newline cannot fill powerml's memory.
    static constexpr std::size_t k_max_line_bytes = 4096;

private:
    void run();
    void drain(std::string& pending);
    bool m_discarding = false;  // inside a line longer than k_max_line_bytes

    std::filesystem::path m_dir;
    std::filesystem::path m_fifo;
    int m_fd = -1;
    int m_wake_fd = -1;
    Handler m_handler;
    std::thread m_thread;
};

}  // namespace powerml::sampler
