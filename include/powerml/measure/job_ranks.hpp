#pragma once
// One job, many processes: which job a process belongs to (from its launcher's environment),
// and the node-local election that makes exactly one of the job's processes on a node meter
// that node. Several ranks metering one node each count the whole node (CodeCarbon PR #1390):
// the job's energy would come out once per rank.
//
// The election is an exclusive flock(2) on a file named after the job key and the node, in a
// private runtime folder. The kernel drops the lock when its holder dies, however it dies, so
// a waiting rank takes the meter over. The meter publishes where the others send their lines
// (its control channel) beside the lock; the others send `join`, their phases and metrics
// (prefixed `rank<R>/`, so each rank's phases nest on their own) and `leave`.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "powerml/record/run_record.hpp"

namespace powerml::measure {

// Where this process sits in its job, from the environment its launcher gave it.
struct RankPlace {
    int rank = -1;  // global rank, -1 when the launcher gives none
    int local_rank = 0;
};

// The job this process is part of: `job_key_flag` (--job-key, Tracker(job_key=...)) or
// $POWERML_JOB_KEY first, then torchrun's (TORCHELASTIC_RUN_ID with MASTER_ADDR:MASTER_PORT,
// since torchrun's default run id is "none" for every job; without a run id, LOCAL_RANK and
// MASTER_PORT as DeepSpeed's launcher sets them), then Slurm's job and step, then
// Open MPI's PMIx namespace. Nothing when none applies: the process is a job of its own.
// The node is $SLURMD_NODENAME, else $POWERML_NODE, else `host`. Throws Error for a key
// longer than 200 bytes or with control characters.
std::optional<record::JobIdentity> job_from_environment(const std::optional<std::string>& job_key_flag,
                                                        const std::string& host);
RankPlace rank_from_environment();

// Slurm's compressed host list ("node[01-03,07],gpu5") as names; Error for a malformed one
// or one that expands past 100,000 names.
std::vector<std::string> expand_hostlist(std::string_view list);

// The node-local election of a job's meter.
class NodeElection {
public:
    struct Published {
        int pid = 0;                       // the meter's process
        std::filesystem::path control;     // its control channel
        std::string run_id;                // the run it is writing
    };

    // Opens (creating) the job's lock file under runtime_folder(). Throws Error.
    NodeElection(const std::string& job_key, const std::string& node);
    ~NodeElection();
    NodeElection(const NodeElection&) = delete;
    NodeElection& operator=(const NodeElection&) = delete;

    // Takes the lock if nobody holds it (never blocks). True once this process is the meter.
    bool try_become_meter();
    bool is_meter() const { return m_meter; }
    // The meter: says where the others find it (written to a temporary file, then renamed).
    void publish(const Published& where);
    // What the current meter published; nothing before it has (or when it has gone).
    std::optional<Published> published() const;
    // The meter, finishing: removes what it published and lets the lock go.
    void resign();

    // $POWERML_RUNTIME_DIR, else $XDG_RUNTIME_DIR/powerml, else /tmp/powerml-<uid>; created
    // 0700 and refused when it is not a folder owned by this user (another user's folder in
    // /tmp would let them read or fake the job's lines).
    static std::filesystem::path runtime_folder();

private:
    std::filesystem::path m_lock_file, m_published_file;
    int m_fd = -1;
    bool m_meter = false;
};

}  // namespace powerml::measure
