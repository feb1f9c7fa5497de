#include "powerml/planner/handoff.hpp"

#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "powerml/core/error.hpp"
#include "powerml/core/units.hpp"

namespace powerml::planner {
namespace {

const Site& site_named(const JobSpec& job, const std::string& name) {
    for (const Site& s : job.sites)
        if (s.name == name) return s;
    throw Error("plan names site '" + name + "' that the job file does not have");
}

// Slurm reads --begin without a zone in the submitting shell's TZ; TZ=UTC in front makes the
// UTC time we print mean what it says.
std::string slurm_time(UtcMillis t) {
    const UtcFields f = utc_fields(t);
    return fmt::format("{}-{:02}-{:02}T{:02}:{:02}:{:02}", f.year, f.month, f.day, f.hour, f.minute, f.second);
}

// Kubernetes object names: lower-case letters, digits and '-', at most 63 characters.
std::string dns_name(const std::string& text) {
    std::string out;
    for (char c : text) {
        const unsigned char u = static_cast<unsigned char>(c);
        out += std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '-';
    }
    while (!out.empty() && out.front() == '-') out.erase(out.begin());
    if (out.size() > 55) out.resize(55);
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "powerml-job" : out;
}

std::string yaml_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

std::string slurm_commands(const Plan& plan, const JobSpec& job) {
    const PlanOption& b = plan.best;
    const Site& site = site_named(job, b.site);
    std::string cluster = site.slurm_cluster;
    if (cluster.empty() && b.moved) cluster = site.name;
    const std::string script = job.script.empty() ? "JOB_SCRIPT" : job.script;
    std::string out = fmt::format("# powerml plan '{}': {} ({}, {:.1f} % less than the baseline)\n", job.name,
                                  b.site, units::format_mass_co2e(b.g_co2e), b.savings_pct);
    if (job.script.empty()) out += "# Replace JOB_SCRIPT with your batch script (or set script in [job]).\n";
    if (b.segments.size() > 1)
        out += "# The job pauses: one submission per segment; the script must resume from its checkpoint.\n";
    for (std::size_t i = 0; i < b.segments.size(); ++i) {
        const Segment& s = b.segments[i];
        const long minutes = static_cast<long>(std::ceil(static_cast<double>(s.end - s.start) / 60000.0));
        out += fmt::format("TZ=UTC sbatch --begin={}", slurm_time(s.start));
        if (!cluster.empty()) out += " --clusters=" + cluster;
        out += fmt::format(" --job-name={}", b.segments.size() > 1 ? fmt::format("{}-{}", job.name, i + 1) : job.name);
        out += fmt::format(" --time={} --deadline={} {}\n", minutes, slurm_time(job.deadline), script);
    }
    return out;
}

std::string kubernetes_manifest(const Plan& plan, const JobSpec& job) {
    const PlanOption& b = plan.best;
    const Site& site = site_named(job, b.site);
    std::string label_key = "powerml.io/site", label_value = site.name;
    if (!site.node_label.empty()) {
        const auto eq = site.node_label.find('=');
        if (eq == std::string::npos) throw Error("[[site]] '" + site.name + "' node_label: write it as key=value");
        label_key = site.node_label.substr(0, eq);
        label_value = site.node_label.substr(eq + 1);
    }
    const std::string image = job.image.empty() ? "IMAGE" : job.image;
    std::string command = "[]";
    if (!job.command.empty()) {
        command = "[";
        for (std::size_t i = 0; i < job.command.size(); ++i) command += (i ? ", " : "") + yaml_string(job.command[i]);
        command += "]";
    }
    std::string out;
    for (std::size_t i = 0; i < b.segments.size(); ++i) {
        const Segment& s = b.segments[i];
        const std::string name = dns_name(b.segments.size() > 1 ? fmt::format("{}-{}", job.name, i + 1) : job.name);
        if (i) out += "---\n";
        out += fmt::format("# powerml plan '{}': {} from {} to {} ({} for the whole job)\n", job.name, b.site,
                           format_rfc3339(s.start), format_rfc3339(s.end), units::format_mass_co2e(b.g_co2e));
        if (job.image.empty()) out += "# Replace IMAGE (or set image and command in [job]).\n";
        out += "# The init container holds the pod until the start time; its node's resources stay reserved meanwhile.\n";
        out += fmt::format(R"(apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
  labels:
    app.kubernetes.io/managed-by: powerml
  annotations:
    powerml.io/start-at: {start}
    powerml.io/end-by: {end}
    powerml.io/site: {site}
    powerml.io/g-co2e: "{g:.1f}"
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        app.kubernetes.io/managed-by: powerml
    spec:
      restartPolicy: Never
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: {key}
                operator: In
                values: [{value}]
      initContainers:
      - name: wait-for-start
        image: busybox:1.36
        command: ["sh", "-c", "t={epoch}; now=$(date +%s); if [ $t -gt $now ]; then sleep $((t - now)); fi"]
      containers:
      - name: {name}
        image: {image}
        command: {command}
)",
                           fmt::arg("name", name), fmt::arg("start", yaml_string(format_rfc3339(s.start))),
                           fmt::arg("end", yaml_string(format_rfc3339(s.end))), fmt::arg("site", yaml_string(site.name)),
                           fmt::arg("g", b.g_co2e), fmt::arg("key", yaml_string(label_key)),
                           fmt::arg("value", yaml_string(label_value)), fmt::arg("epoch", s.start / 1000),
                           fmt::arg("image", yaml_string(image)), fmt::arg("command", command));
    }
    return out;
}

}  // namespace powerml::planner
