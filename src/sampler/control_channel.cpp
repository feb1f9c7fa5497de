#include "powerml/sampler/control_channel.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "powerml/core/error.hpp"

namespace powerml::sampler {

namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n'))
        text.remove_suffix(1);
    return text;
}

std::string_view split_word(std::string_view& text) {
    text = trim(text);
    const auto space = text.find_first_of(" \t");
    std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : trim(text.substr(space));
    return word;
}

}  // namespace

std::optional<ControlMessage> parse_control_line(std::string_view line) {
    std::string_view rest = line;
    std::string_view verb = split_word(rest);
    if (verb == "mark") {
        if (rest.starts_with("--end")) {
            rest.remove_prefix(5);
            verb = "end";
        } else {
            verb = "begin";
        }
        rest = trim(rest);
    }
    if (verb == "begin" || verb == "end") {
        if (rest.empty()) return std::nullopt;
        return ControlMessage{verb == "begin" ? ControlMessage::Type::begin : ControlMessage::Type::end, std::string(rest), 0};
    }
    if (verb == "metric") {
        const std::string_view name = split_word(rest);
        double value = 0;
        const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
        if (name.empty() || rest.empty() || ec != std::errc() || ptr != rest.data() + rest.size() || !std::isfinite(value))
            return std::nullopt;
        return ControlMessage{ControlMessage::Type::metric, std::string(name), value};
    }
    if (verb == "join" || verb == "leave") {
        // Whole numbers only: a pid above 0, a rank of -1 (unknown) or more.
        const auto integer = [](std::string_view word, long low, long& out) {
            const auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
            return !word.empty() && ec == std::errc() && ptr == word.data() + word.size() && out >= low && out <= 1L << 30;
        };
        long pid = 0, rank = -1, local_rank = 0;
        if (!integer(split_word(rest), 1, pid)) return std::nullopt;
        if (verb == "join" && (!integer(split_word(rest), -1, rank) || !integer(split_word(rest), 0, local_rank)))
            return std::nullopt;
        if (!rest.empty()) return std::nullopt;
        ControlMessage m{verb == "join" ? ControlMessage::Type::join : ControlMessage::Type::leave, {}, 0};
        m.pid = static_cast<int>(pid);
        m.rank = static_cast<int>(rank);
        m.local_rank = static_cast<int>(local_rank);
        return m;
    }
    return std::nullopt;
}

ControlChannel::ControlChannel() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/powerml-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
        throw Error("cannot create a directory for the control channel in " + pattern + ": " + std::strerror(errno));
    m_dir = pattern;
    m_fifo = m_dir / "control";
    if (::mkfifo(m_fifo.c_str(), 0600) != 0) {
        const std::string why = std::strerror(errno);
        std::filesystem::remove_all(m_dir);
        throw Error("cannot create the control channel " + m_fifo.string() + ": " + why);
    }
    // Opened read-write so the pipe never reports end-of-file between two writers.
    m_fd = ::open(m_fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    m_wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_fd < 0 || m_wake_fd < 0) throw Error("cannot open the control channel " + m_fifo.string());
}

ControlChannel::~ControlChannel() {
    stop();
    if (m_fd >= 0) ::close(m_fd);
    if (m_wake_fd >= 0) ::close(m_wake_fd);
    std::error_code ignored;
    std::filesystem::remove_all(m_dir, ignored);
}

void ControlChannel::start(Handler handler) {
    m_handler = std::move(handler);
    m_thread = std::thread([this] { run(); });
}

void ControlChannel::drain(std::string& pending) {
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(m_fd, buffer, sizeof buffer);
        if (n <= 0) break;
        pending.append(buffer, static_cast<std::size_t>(n));
        std::size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
            const std::string line = pending.substr(0, newline);
            pending.erase(0, newline + 1);
            if (m_discarding) {
                m_discarding = false;  // the end of an overlong line: already counted
                continue;
            }
            if (!trim(line).empty()) m_handler(parse_control_line(line));
        }
        if (pending.size() > k_max_line_bytes) {
            // No newline within the limit: count the line once and skip to its end.
            if (!m_discarding) m_handler(std::nullopt);
            m_discarding = true;
            pending.clear();
        }
    }
}

void ControlChannel::run() {
    std::string pending;
    pollfd fds[2] = {{m_fd, POLLIN, 0}, {m_wake_fd, POLLIN, 0}};
    for (;;) {
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) drain(pending);
        if (fds[1].revents & POLLIN) {
            drain(pending);
            if (!m_discarding && !trim(pending).empty()) m_handler(parse_control_line(pending));  // a last line without newline
            break;
        }
    }
}

void ControlChannel::stop() {
    if (!m_thread.joinable()) return;
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(m_wake_fd, &one, sizeof one);
    m_thread.join();
}

void ControlChannel::send(const std::filesystem::path& path, const std::string& line) {
    // O_NONBLOCK: with no reader the open fails with ENXIO instead of hanging the job.
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENXIO || errno == ENOENT)
            throw Error("no measurement is listening on " + path.string() + " (is this running under 'powerml measure'?)");
        throw Error("cannot open the control channel " + path.string() + ": " + std::strerror(errno));
    }
    const std::string message = line + "\n";
    const ssize_t n = ::write(fd, message.data(), message.size());
    const int saved = errno;
    ::close(fd);
    if (n != static_cast<ssize_t>(message.size()))
        throw Error("cannot write to the control channel " + path.string() + ": " + std::strerror(saved));
}

}  // namespace powerml::sampler
