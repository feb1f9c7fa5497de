#include "measure_options.hpp"

#include <cstdlib>
#include <filesystem>

#include "powerml/core/paths.hpp"
#include "powerml/measure/grid_carbon.hpp"

namespace powerml::cli {

void add_measure_flags(CLI::App& cmd, MeasureFlags& flags) {
    cmd.add_option("--interval", flags.interval_ms, "Sampling interval in milliseconds (1 to 60000)")
        ->capture_default_str();
    cmd.add_option("--baseline", flags.baseline_s, "Seconds of idle machine to sample before the command, subtracted as baseline")
        ->capture_default_str();
    cmd.add_option("--zone", flags.zone, "Grid zone for emissions (Electricity Maps id, country code or cloud region)");
    cmd.add_option("--source", flags.source, "Grid-data source for --zone (embedded, csv:PATH, a provider name)")
        ->capture_default_str();
    cmd.add_option("--pue", flags.pue, "Power usage effectiveness of the site (1.0 to 5.0)")->capture_default_str();
    cmd.add_option("--out", flags.out, "Write summary.json, samples.csv and phases.csv to this directory");
    cmd.add_option("--db", flags.db, "Run store: a SQLite file or a PostgreSQL database (postgresql://..., docs/reference/team-store.md); default $XDG_DATA_HOME/powerml/runs.sqlite");
    cmd.add_option("--gpus", flags.gpus,
                   "GPUs the job was given (indices or UUIDs, comma-separated); default: $CUDA_VISIBLE_DEVICES, else all");
    cmd.add_option("--cgroup", flags.cgroup,
                   "The job's cgroup v2 (under /sys/fs/cgroup), whose CPU time is the job's; default: powerml's own "
                   "when it is a Slurm job/step, Kubernetes pod or systemd scope, else the process tree");
    cmd.add_option("--idle-share", flags.idle_share,
                   "How the job's attributed share of idle power is taken: busy (its share of busy CPU time), "
                   "allocated (its share of the CPUs it may use), none")
        ->check(CLI::IsMember({"busy", "allocated", "none"}))
        ->capture_default_str();
    cmd.add_option("--dram-share", flags.dram_share,
                   "How the job's attributed share of memory energy is taken: cpu (its CPU-time share), memory (its resident-memory share)")
        ->check(CLI::IsMember({"cpu", "memory"}))
        ->capture_default_str();
    cmd.add_option("--job-key", flags.job_key,
                   "This run is one rank or node of the distributed job KEY: one process per node meters it, the "
                   "others send it their phases; 'powerml runs job KEY' sums the nodes. Default: torchrun's or "
                   "Slurm's job from the environment, else $POWERML_JOB_KEY");
    cmd.add_flag("--no-db", flags.no_db, "Do not record the run in the run store");
    cmd.add_flag("--quiet,-q", flags.quiet, "Do not print the summary on stderr");
}

measure::MeasureOptions to_measure_options(const MeasureFlags& flags) {
    measure::MeasureOptions options;
    options.interval_s = flags.interval_ms / 1000.0;
    options.baseline_s = flags.baseline_s;
    if (!flags.zone.empty()) {
        measure::check_zone(flags.zone);  // an unknown zone fails here, before anything runs
        options.zone = flags.zone;
    }
    options.carbon_source = flags.source;
    options.pue = flags.pue;
    if (!flags.out.empty()) options.out_dir = flags.out;
    if (!flags.no_db) options.db_path = flags.db.empty() ? paths::default_run_db() : std::filesystem::path(flags.db);
    options.command = flags.command;
    options.cgroup = flags.cgroup;
    if (!flags.job_key.empty()) options.job_key = flags.job_key;
    options.attribution.idle = record::idle_share_from_string(flags.idle_share).value_or(record::IdleShare::busy);
    options.attribution.dram = record::dram_share_from_string(flags.dram_share).value_or(record::DramShare::cpu);
    // The NVML source reads its GPU selection from POWERML_GPUS (flag > env, as everywhere).
    if (!flags.gpus.empty()) ::setenv("POWERML_GPUS", flags.gpus.c_str(), 1);
    return options;
}

measure::CarbonFunction carbon_function() { return measure::grid_carbon_function(); }

}  // namespace powerml::cli
