#!/usr/bin/env bash
# Measurement without root through the counter daemon (powerml serve --socket), for real:
# a fake powercap tree whose energy_uj files are root-only (0400), the daemon run as root,
# and users created here (useradd) measuring with runuser.
#  1. a member of the daemon's group gets the same energy as root reading directly, across a
#     counter wrap, and the run names its source rapl-daemon;
#  2. a user outside the group is refused with a message that says why and what to do;
#  3. the daemon killed mid-run gives counted read errors and the energy read until then:
#     never 0 J, never the energy of the time it was gone.
# Usage: daemon_test.sh POWERML_BINARY. Needs root (CI runs as root); skips loudly otherwise.
set -euo pipefail
powerml="$(readlink -f "$1")"
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIPPED: daemon_test.sh needs root to create users and root-only counter files (run as root)" >&2
  exit 77
fi
for tool in useradd groupadd runuser; do
  command -v "$tool" >/dev/null || { echo "daemon_test: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
fail() { echo "daemon_test: $*" >&2; exit 1; }

tag="pm$$"
group="${tag}g" member="${tag}in" outsider="${tag}out"
work="$(mktemp -d /tmp/powerml-daemon-XXXXXX)"
chmod 0755 "$work"
daemon_pid="" measure_pid=""
cleanup() {
  touch "$work/sync/go" 2>/dev/null  # a measured job still waiting ends
  [[ -n "$measure_pid" ]] && kill "$measure_pid" 2>/dev/null && wait "$measure_pid" 2>/dev/null
  [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  userdel "$member" 2>/dev/null || true
  userdel "$outsider" 2>/dev/null || true
  groupdel "$group" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
groupadd "$group"
useradd --no-create-home --shell /usr/sbin/nologin --groups "$group" "$member"
useradd --no-create-home --shell /usr/sbin/nologin "$outsider"

# The fake machine: one package with a DRAM sub-zone; energy readable by root only.
sys="$work/sys"
range_uj=262143328850
zone() {  # zone DIR NAME
  mkdir -p "$sys/class/powercap/$1"
  echo "$2" >"$sys/class/powercap/$1/name"
  echo "$range_uj" >"$sys/class/powercap/$1/max_energy_range_uj"
  echo 0 >"$sys/class/powercap/$1/energy_uj"
  chmod 0400 "$sys/class/powercap/$1/energy_uj"
}
zone intel-rapl:0 package-0
zone intel-rapl:0:0 dram
set_counters() {  # set_counters PACKAGE_UJ DRAM_UJ
  echo "$1" >"$sys/class/powercap/intel-rapl:0/energy_uj"
  echo "$2" >"$sys/class/powercap/intel-rapl:0:0/energy_uj"
}
runuser -u "$member" -- cat "$sys/class/powercap/intel-rapl:0/energy_uj" >/dev/null 2>&1 &&
  fail "the test user can read the root-only energy_uj: the test would prove nothing"

socket="$work/run/powerml.sock"
mkdir -p "$work/run" "$work/sync"
chmod 0755 "$work/run"
chmod 1777 "$work/sync"
start_daemon() {
  POWERML_SYSFS_ROOT="$sys" "$powerml" serve --socket "$socket" --group "$group" 2>>"$work/daemon.log" &
  daemon_pid=$!
  for _ in $(seq 100); do [[ -S "$socket" ]] && return 0; sleep 0.05; done
  cat "$work/daemon.log" >&2
  fail "the daemon did not create $socket"
}

# The measured job: says it started, waits for the test to move the counters, ends.
job="touch $work/sync/started; while [ ! -e $work/sync/go ]; do sleep 0.02; done"
# measure AS_USER OUT [ACTION]: runs the job under powerml measure (as root when AS_USER is
# root); once it started, sets the counters (and runs ACTION), then lets it end.
measure() {
  local user="$1" out="$2" action="${3:-}"
  rm -f "$work/sync/started" "$work/sync/go"
  mkdir -p "$work/home-$user"
  chown "$user" "$work/home-$user"
  local -a run=(env HOME="$work/home-$user" XDG_DATA_HOME="$work/home-$user" XDG_CONFIG_HOME="$work/home-$user"
                POWERML_SYSFS_ROOT="$sys" POWERML_DAEMON_SOCKET="$socket"
                "$powerml" measure -q --no-db --interval 50 --out "$out" -- sh -c "$job")
  if [[ "$user" == root ]]; then "${run[@]}" & else runuser -u "$user" -- "${run[@]}" & fi
  local pid=$!
  measure_pid=$pid
  for _ in $(seq 200); do [[ -e "$work/sync/started" ]] && break; sleep 0.025; done
  [[ -e "$work/sync/started" ]] || fail "the measured job did not start"
  sleep 0.2
  if [[ -n "$action" ]]; then eval "$action"; else set_counters "$end_package" "$end_dram"; fi
  sleep 0.3
  touch "$work/sync/go"
  local status=0
  wait "$pid" || status=$?
  measure_pid=""
  ((status == 0)) || fail "powerml measure as $user failed: exit $status"
}
component() {  # component SUMMARY DOMAIN: "SOURCE ENERGY_J" of that domain's component
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
for c in s["components"]:
    if c["name"].endswith(sys.argv[2]) or c["signal"].endswith(sys.argv[2]):
        print(c["source"], repr(c["energy_j"])); break
else:
    sys.exit("no component " + sys.argv[2] + " in " + str([c["name"] for c in s["components"]]))' "$1" "$2"
}
quality() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data_quality"][sys.argv[2]])' "$1" "$2"; }

start_daemon

# 1. Root directly, then the member through the daemon, over the same counter movement: the
#    package counter wraps (near max_energy_range_uj -> small), DRAM moves 3.000001 J.
start_package=$((range_uj - 1500000)) start_dram=500000000
end_package=2345678 end_dram=503000001
set_counters "$start_package" "$start_dram"
measure root "$work/root-run"
set_counters "$start_package" "$start_dram"
mkdir -p "$work/member-run" && chown "$member" "$work/member-run"
measure "$member" "$work/member-run"
read -r root_source root_pkg < <(component "$work/root-run/summary.json" package-0)
read -r user_source user_pkg < <(component "$work/member-run/summary.json" package-0)
read -r _ root_dram < <(component "$work/root-run/summary.json" dram-0)
read -r _ user_dram < <(component "$work/member-run/summary.json" dram-0)
[[ "$root_source" == rapl ]] || fail "root read the package through '$root_source', not rapl (powercap) directly"
[[ "$user_source" == rapl-daemon ]] || fail "the member read the package through '$user_source', not rapl-daemon"
/usr/bin/python3 - "$root_pkg" "$user_pkg" "$root_dram" "$user_dram" <<'PY' || fail "energies differ (see above)"
import sys
root_pkg, user_pkg, root_dram, user_dram = map(float, sys.argv[1:])
expected_pkg = (262143328850 - (262143328850 - 1500000) + 2345678) * 1e-6  # across the wrap
resolution = 1e-6  # energy_uj's step
ok = True
for what, a, b, want in (("package", root_pkg, user_pkg, expected_pkg), ("dram", root_dram, user_dram, 3.000001)):
    print(f"daemon_test: {what}: root {a!r} J, member through the daemon {b!r} J, counters moved {want!r} J")
    if abs(a - b) > resolution or abs(a - want) > 2 * resolution:
        ok = False
sys.exit(0 if ok else 1)
PY
[[ "$(quality "$work/member-run/summary.json" counter_wraps)" -ge 1 ]] || fail "the member's run saw no counter wrap"
# Read errors through a healthy daemon happen only when a read takes over the client's 1 s
# timeout (a machine loaded far beyond its cores); the energy above is exact either way.
errors="$(quality "$work/member-run/summary.json" read_errors)"
samples="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["samples"])' "$work/member-run/summary.json")"
echo "daemon_test: member's run: $samples samples, $errors read errors"
((errors * 2 < samples)) || fail "$errors read errors in $samples samples through a healthy daemon"

# 1b. Python's Tracker, as the member, uses the daemon the same way (when the module is built).
pydir="$(dirname "$powerml")/python"
if [[ -n "$(ls "$pydir"/powerml/_core*.so 2>/dev/null)" ]]; then
  mkdir -p "$work/tracker-run" && chown "$member" "$work/tracker-run"
  got="$(cd "$work/tracker-run" && runuser -u "$member" -- env HOME="$work/tracker-run" XDG_DATA_HOME="$work/tracker-run" \
    PYTHONPATH="$pydir" POWERML_SYSFS_ROOT="$sys" POWERML_DAEMON_SOCKET="$socket" /usr/bin/python3 -c '
import powerml
with powerml.Tracker(interval_ms=50, db=False) as t:
    sum(i * i for i in range(300000))
s = t.summary()
print(" ".join(sorted({c["source"] for c in s["components"] if c["component"] in ("cpu", "dram")})))
')" || fail "the Tracker failed as the member: $got"
  [[ "$got" == "rapl-daemon" ]] || fail "the member's Tracker read CPU/DRAM through '$got', not rapl-daemon"
  echo "daemon_test: the member's Tracker read CPU and DRAM through rapl-daemon"
else
  echo "daemon_test: Python module not built next to $powerml: Tracker part not run"
fi

# 2. Outside the group: refused, and told why and what to do.
out="$(runuser -u "$outsider" -- env HOME=/nonexistent POWERML_SYSFS_ROOT="$sys" POWERML_DAEMON_SOCKET="$socket" \
  "$powerml" sensors 2>&1 || true)"
grep -q "rapl-daemon" <<<"$out" || fail "powerml sensors does not list rapl-daemon: $out"
grep -q "$outsider (uid [0-9]*) is not in group $group" <<<"$out" ||
  fail "the outsider was not told why it was refused: $out"
grep -q "usermod -aG $group $outsider" <<<"$out" || fail "the refusal does not say what to do: $out"
echo "daemon_test: refused as expected: $(grep -m1 -o 'refused: [^;]*' <<<"$out")"

# 3. The daemon killed mid-run: the package moves 1 J while it runs, 5 J more once it is gone.
set_counters 1000000 1000000
mkdir -p "$work/gone-run" && chown "$member" "$work/gone-run"
measure "$member" "$work/gone-run" \
  'set_counters 2000000 1000000; sleep 0.3; kill -9 $daemon_pid; wait $daemon_pid 2>/dev/null || true; daemon_pid=""; set_counters 7000000 1000000'
read -r gone_source gone_pkg < <(component "$work/gone-run/summary.json" package-0)
errors="$(quality "$work/gone-run/summary.json" read_errors)"
echo "daemon_test: daemon gone mid-run: package $gone_pkg J via $gone_source, $errors read errors"
[[ "$gone_source" == rapl-daemon ]] || fail "the run did not read through the daemon"
[[ "$errors" -gt 0 ]] || fail "the daemon's death was not counted as read errors"
/usr/bin/python3 -c 'import sys; e = float(sys.argv[1]); sys.exit(0 if abs(e - 1.0) <= 2e-6 else 1)' "$gone_pkg" ||
  fail "with the daemon gone, the package energy is $gone_pkg J; the daemon delivered 1 J before it died"
echo "daemon_test: ok"
