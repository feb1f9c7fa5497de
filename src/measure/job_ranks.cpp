#include "powerml/measure/job_ranks.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "powerml/core/error.hpp"

namespace powerml::measure {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::optional<int> env_int(const char* name) {
    const std::string text = env(name);
    int value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

// The first environment variable of `names` that holds a whole number.
std::optional<int> first_int(std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (auto v = env_int(name)) return v;
    return std::nullopt;
}

void check_key(const std::string& key) {
    if (key.empty() || key.size() > 200) throw Error("a job key must be 1 to 200 bytes (got " + std::to_string(key.size()) + ")");
    for (const unsigned char c : key)
        if (c < 0x20 || c == 0x7f) throw Error("a job key must not contain control characters");
}

// Slurm's per-node task counts, "2(x3),1": the count for node number `node_index`.
std::optional<int> tasks_on_node(const std::string& counts, int node_index) {
    std::stringstream items(counts);
    std::string item;
    int node = 0;
    while (std::getline(items, item, ',')) {
        int tasks = 0, repeat = 1;
        if (std::sscanf(item.c_str(), "%d(x%d)", &tasks, &repeat) < 1 || repeat < 1) return std::nullopt;
        if (node_index < node + repeat) return tasks;
        node += repeat;
    }
    return std::nullopt;
}

// FNV-1a: a stable short name for a job key and node in the runtime folder (the key itself
// may hold any bytes a file name cannot).
std::string file_stem(const std::string& job_key, const std::string& node) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const unsigned char c : job_key + '\n' + node) h = (h ^ c) * 1099511628211ULL;
    return fmt::format("job-{:016x}", h);
}

}  // namespace

std::vector<std::string> expand_hostlist(std::string_view list) {
    constexpr std::size_t k_most = 100'000;
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < list.size()) {
        // One item: a prefix, then optionally [ranges], then a suffix, up to a comma outside brackets.
        std::string prefix;
        while (i < list.size() && list[i] != ',' && list[i] != '[') prefix += list[i++];
        if (i < list.size() && list[i] == '[') {
            const std::size_t close = list.find(']', i);
            if (close == std::string_view::npos) throw Error("host list '" + std::string(list) + "' has an unclosed '['");
            const std::string_view ranges = list.substr(i + 1, close - i - 1);
            i = close + 1;
            std::string suffix;
            while (i < list.size() && list[i] != ',') suffix += list[i++];
            std::size_t r = 0;
            while (r <= ranges.size()) {
                std::size_t comma = ranges.find(',', r);
                if (comma == std::string_view::npos) comma = ranges.size();
                const std::string_view range = ranges.substr(r, comma - r);
                const std::size_t dash = range.find('-');
                const std::string_view a = range.substr(0, dash);
                const std::string_view b = dash == std::string_view::npos ? a : range.substr(dash + 1);
                unsigned long from = 0, to = 0;
                const auto pa = std::from_chars(a.data(), a.data() + a.size(), from);
                const auto pb = std::from_chars(b.data(), b.data() + b.size(), to);
                if (a.empty() || b.empty() || pa.ec != std::errc() || pa.ptr != a.data() + a.size() ||
                    pb.ec != std::errc() || pb.ptr != b.data() + b.size() || to < from)
                    throw Error("host list '" + std::string(list) + "' has a bad range '" + std::string(range) + "'");
                if (to - from >= k_most || out.size() + (to - from) >= k_most)
                    throw Error("host list '" + std::string(list).substr(0, 80) + "' names more than 100000 nodes");
                for (unsigned long n = from; n <= to; ++n)  // leading zeros of the range are kept
                    out.push_back(prefix + fmt::format("{:0{}}", n, a.size()) + suffix);
                r = comma + 1;
            }
        } else if (!prefix.empty()) {
            out.push_back(prefix);
        }
        if (i < list.size() && list[i] == ',') ++i;
        if (out.size() > k_most) throw Error("host list names more than 100000 nodes");
    }
    return out;
}

RankPlace rank_from_environment() {
    // torchrun first: under srun + torchrun every rank inherits SLURM_LOCALID=0 from the one
    // task that started torchrun, while LOCAL_RANK tells them apart.
    RankPlace place;
    place.rank = first_int({"RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK"}).value_or(-1);
    place.local_rank = first_int({"LOCAL_RANK", "SLURM_LOCALID", "OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID"}).value_or(0);
    if (env_int("LOCAL_RANK") && !env_int("RANK")) place.rank = -1;  // do not mix launchers' numbers
    return place;
}

std::optional<record::JobIdentity> job_from_environment(const std::optional<std::string>& job_key_flag,
                                                        const std::string& host) {
    record::JobIdentity job;
    job.node = !env("SLURMD_NODENAME").empty() ? env("SLURMD_NODENAME") : !env("POWERML_NODE").empty() ? env("POWERML_NODE") : host;
    // torchrun sets a run id; launchers that set torch.distributed's variables without one
    // (DeepSpeed's, Accelerate's, hand-written ones) still share the rendezvous endpoint.
    const bool torch_env = env_int("LOCAL_RANK").has_value() && !env("MASTER_PORT").empty();
    const bool torchrun = !env("TORCHELASTIC_RUN_ID").empty() || torch_env;
    const bool slurm = !env("SLURM_JOB_ID").empty();
    if (job_key_flag && !job_key_flag->empty()) {
        job.key = *job_key_flag;
        job.source = "flag";
    } else if (!env("POWERML_JOB_KEY").empty()) {
        job.key = env("POWERML_JOB_KEY");
        job.source = "flag";
    } else if (torchrun) {
        const std::string endpoint = env("MASTER_ADDR") + ":" + env("MASTER_PORT");
        job.key = env("TORCHELASTIC_RUN_ID").empty() ? "torch:" + endpoint : "torchrun:" + env("TORCHELASTIC_RUN_ID") + "@" + endpoint;
        job.source = env("TORCHELASTIC_RUN_ID").empty() ? "torch" : "torchrun";
    } else if (slurm) {
        job.key = "slurm:" + env("SLURM_JOB_ID") + (env("SLURM_STEP_ID").empty() ? "" : "." + env("SLURM_STEP_ID"));
        job.source = "slurm";
    } else if (!env("PMIX_NAMESPACE").empty()) {
        job.key = "mpi:" + env("PMIX_NAMESPACE");
        job.source = "mpi";
    } else {
        return std::nullopt;
    }
    check_key(job.key);
    if (torchrun) {
        job.local_world_size = first_int({"LOCAL_WORLD_SIZE", "LOCAL_SIZE"}).value_or(1);
        job.world_size = env_int("WORLD_SIZE").value_or(job.local_world_size);
    } else if (slurm) {
        const int node_index = env_int("SLURM_NODEID").value_or(0);
        job.local_world_size = env_int("SLURM_NTASKS_PER_NODE")
                                   .value_or(tasks_on_node(env("SLURM_STEP_TASKS_PER_NODE"), node_index)
                                                 .value_or(tasks_on_node(env("SLURM_TASKS_PER_NODE"), node_index).value_or(1)));
        job.world_size = first_int({"SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"}).value_or(job.local_world_size);
    } else {
        job.local_world_size = first_int({"OMPI_COMM_WORLD_LOCAL_SIZE", "LOCAL_WORLD_SIZE"}).value_or(1);
        job.world_size = first_int({"OMPI_COMM_WORLD_SIZE", "WORLD_SIZE"}).value_or(job.local_world_size);
    }
    if (job.local_world_size < 1) job.local_world_size = 1;
    if (job.world_size < job.local_world_size) job.world_size = job.local_world_size;
    // The nodes the scheduler gave the job: a node that never reports is named as missing.
    const std::string nodes = !env("POWERML_JOB_NODES").empty()   ? env("POWERML_JOB_NODES")
                              : !env("SLURM_STEP_NODELIST").empty() ? env("SLURM_STEP_NODELIST")
                                                                    : env("SLURM_JOB_NODELIST");
    if (!nodes.empty()) job.expected_nodes = expand_hostlist(nodes);
    return job;
}

std::filesystem::path NodeElection::runtime_folder() {
    std::filesystem::path folder;
    if (!env("POWERML_RUNTIME_DIR").empty()) folder = env("POWERML_RUNTIME_DIR");
    else if (!env("XDG_RUNTIME_DIR").empty()) folder = std::filesystem::path(env("XDG_RUNTIME_DIR")) / "powerml";
    else folder = "/tmp/powerml-" + std::to_string(::getuid());
    if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST)
        throw Error("cannot create the runtime folder " + folder.string() + ": " + std::strerror(errno));
    struct stat st {};
    if (::lstat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0)
        throw Error("the runtime folder " + folder.string() +
                    " is not a private folder of this user (mode 0700); remove it or set POWERML_RUNTIME_DIR");
    return folder;
}

NodeElection::NodeElection(const std::string& job_key, const std::string& node) {
    const auto folder = runtime_folder();
    const std::string stem = file_stem(job_key, node);
    m_lock_file = folder / (stem + ".lock");
    m_published_file = folder / (stem + ".meter");
    m_fd = ::open(m_lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_fd < 0) throw Error("cannot open the job's lock " + m_lock_file.string() + ": " + std::strerror(errno));
}

NodeElection::~NodeElection() {
    resign();
    if (m_fd >= 0) ::close(m_fd);
}

bool NodeElection::try_become_meter() {
    if (m_meter) return true;
    if (::flock(m_fd, LOCK_EX | LOCK_NB) == 0) m_meter = true;
    return m_meter;
}

void NodeElection::publish(const Published& where) {
    const auto temporary = m_published_file.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << where.pid << '\n' << where.control.string() << '\n' << where.run_id << '\n';
        if (!out.flush()) throw Error("cannot write " + temporary);
    }
    std::filesystem::rename(temporary, m_published_file);
}

std::optional<NodeElection::Published> NodeElection::published() const {
    std::ifstream in(m_published_file);
    Published p;
    std::string pid, control;
    if (!std::getline(in, pid) || !std::getline(in, control) || !std::getline(in, p.run_id)) return std::nullopt;
    const auto [ptr, ec] = std::from_chars(pid.data(), pid.data() + pid.size(), p.pid);
    if (ec != std::errc() || p.pid <= 0) return std::nullopt;
    // A meter killed by a signal leaves its file behind: it is current only while that process lives.
    if (::kill(p.pid, 0) != 0 && errno == ESRCH) return std::nullopt;
    p.control = control;
    return p;
}

void NodeElection::resign() {
    if (!m_meter) return;
    std::error_code ignored;
    if (const auto p = published(); p && p->pid == ::getpid()) std::filesystem::remove(m_published_file, ignored);
    ::flock(m_fd, LOCK_UN);
    m_meter = false;
}

}  // namespace powerml::measure
