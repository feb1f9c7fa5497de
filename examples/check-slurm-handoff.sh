#!/usr/bin/env bash
# Checks the `powerml plan --emit slurm` hand-off against a real one-node Slurm cluster:
# plans a 1-minute job whose earliest start is in 20 s, submits the printed line, and checks
# that Slurm starts it at the planned time and runs it. Needs root, slurm-wlm and munge
# (Debian packages); starts munged, slurmctld and slurmd on 127.0.0.1 (ports 16817/16818)
# under a temporary folder and stops them (by PID) at the end.
#   examples/check-slurm-handoff.sh [path/to/powerml]
set -euo pipefail
powerml="${1:-$(cd "$(dirname "$0")/.." && pwd)/build/powerml}"
D="$(mktemp -d /tmp/powerml-slurm.XXXXXX)"
chmod 755 "$D"
mkdir -p "$D/state" "$D/spool" "$D/munge"
chmod 755 "$D/munge"
H="$(hostname -s)"
cleanup() {
  for f in "$D/d.pid" "$D/ctld.pid" "$D/munge/munged.pid"; do
    [[ -f "$f" ]] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 2
  rm -rf "$D"
}
trap cleanup EXIT
cat > "$D/slurm.conf" <<CONF
ClusterName=powerml
SlurmctldHost=$H(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$D/munge/munge.sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerParameters=sched_interval=2,bf_interval=1
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/ctld.pid
SlurmdPidFile=$D/d.pid
SlurmctldLogFile=$D/ctld.log
SlurmdLogFile=$D/d.log
SlurmUser=root
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$H NodeAddr=127.0.0.1 CPUs=1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$D/slurm.conf"
munged --socket="$D/munge/munge.sock" --pid-file="$D/munge/munged.pid" --log-file="$D/munge/munged.log" --seed-file="$D/munge/seed" --force  # the packaged key may be owned by the munge user
slurmctld -c
slurmd -c
sleep 3

printf '#!/bin/sh\necho hello from powerml\n' > "$D/train.sh"
chmod +x "$D/train.sh"
earliest=$(date -u -d '+20 sec' +%Y-%m-%dT%H:%M:%SZ)
deadline=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
cat > "$D/job.toml" <<JOB
[job]
name = "slurm-check"
duration = "1m"
power_w = 100
earliest_start = "$earliest"
deadline = "$deadline"
script = "$D/train.sh"
[[site]]
name = "here"
zone = "GB"
current = true
JOB
line=$("$powerml" plan --job "$D/job.toml" --emit slurm | grep '^TZ=UTC sbatch')
begin=$(echo "$line" | sed -n 's/.*--begin=\([^ ]*\).*/\1/p')
echo "planned: $line"
# The submitting shell's zone must not matter: the line carries TZ=UTC.
id=$(cd "$D" && TZ=Asia/Nicosia bash -c "$line" | grep -o '[0-9]*$')
for _ in $(seq 1 60); do
  state=$(TZ=UTC scontrol show job "$id" | sed -n 's/.*JobState=\([A-Z]*\).*/\1/p')
  [[ "$state" == COMPLETED || "$state" == FAILED ]] && break
  sleep 2
done
started=$(TZ=UTC scontrol show job "$id" | sed -n 's/.*StartTime=\([^ ]*\).*/\1/p')
echo "state $state, planned begin $begin, Slurm start $started, output: $(cat "$D/slurm-$id.out")"
[[ "$state" == COMPLETED ]] || { echo "FAIL: job did not complete"; exit 1; }
# Slurm starts at the begin time or within its scheduling interval (2 s) after it.
delta=$(( $(date -u -d "$started" +%s) - $(date -u -d "$begin" +%s) ))
(( delta >= 0 && delta <= 5 )) || { echo "FAIL: started $delta s from the planned time"; exit 1; }
echo "OK: Slurm started the job $delta s after the planned begin"
