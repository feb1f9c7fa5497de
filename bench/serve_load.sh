#!/usr/bin/env bash
# Load benchmark of `powerml serve` with wrk on 127.0.0.1 (docs/performance.md, "serve"),
# measured against nginx serving the very same answer bytes as static files, in one session.
#
# For each route (/healthz, /metrics, /emissions/forecasts/current, /emissions/bylocations/best
# and POST /v1/plan) the script fetches powerml's answer once with curl, writes it into an
# unprivileged nginx's document root (same Content-Type), then runs wrk against powerml and
# nginx in turn, ROUNDS times (powerml, nginx, powerml, nginx, ...), so that whatever else loads
# the machine meanwhile hits both. It prints requests/s of each and the ratio powerml/nginx,
# the median over the rounds, with the load average at start and end. Absolute numbers depend
# on the machine; the ratio is what to compare between sessions.
#
# "plan" repeats one request (powerml answers it from the plan it kept, after checking the
# series did not change); "plan_fresh" renames the job at every request, so each is planned.
#
# POST /v1/plan: nginx's static module answers POST with 405, so its config has
# `error_page 405 =200 $uri;` on that location: the same POST (same body, same headers, sent by
# the same wrk Lua script) gets the stored plan's bytes back with 200 from both servers.
#
# Optionally (MILLION_REQUESTS > 0, or the third argument) it then keeps
# /emissions/forecasts/current busy until that many requests were answered, printing powerml's
# resident memory as it goes (the memory-stays-flat check; minutes, so off by default).
#
# Usage: bench/serve_load.sh [BUILD_DIR] [SECONDS_PER_ROUTE] [MILLION_REQUESTS]
#   env: ROUNDS (3), CONNECTIONS (8), WRK_THREADS (2),
#        CPUS (a taskset list such as 0 or 0-1: both servers pinned there; default all cores)
set -euo pipefail
build="${1:-build}"
seconds="${2:-5}"
total="${3:-${MILLION_REQUESTS:-0}}"
rounds="${ROUNDS:-3}"
connections="${CONNECTIONS:-8}"
threads="${WRK_THREADS:-2}"
bin="$build/powerml"
py=/usr/bin/python3

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v curl >/dev/null || missing+=(curl)
[[ -x "$py" ]] || missing+=(python3)
if ((${#missing[@]})); then
  echo "serve_load: ${missing[*]} not installed (scripts/install-deps.sh installs them)" >&2
  exit 1
fi
[[ -x "$bin" ]] || { echo "serve_load: no $bin (build first: scripts/build.sh)" >&2; exit 1; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# Both servers get the same cores: all of them, or CPUS when given (nproc under taskset
# counts what the list allows, which is what nginx's worker_processes must match).
pin=()
if [[ -n "${CPUS:-}" ]]; then
  pin=(taskset -c "$CPUS")
fi
cores=$("${pin[@]}" nproc)

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

tmp=$(mktemp -d)
pid=""
nginx_pid=""
cleanup() {
  for p in $nginx_pid $pid; do kill "$p" 2>/dev/null || true; done
  for p in $nginx_pid $pid; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() {  # URL PID NAME LOG: until it answers, or fail with the server's log
  for _ in $(seq 150); do
    curl -s -o /dev/null "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "serve_load: $3 did not start; its log:" >&2
  cat "$4" >&2
  exit 1
}

port=$(free_port)
XDG_DATA_HOME="$tmp" "${pin[@]}" "$bin" serve --port "$port" --zone CY --threads "$((connections + 4))" 2>"$tmp/serve.log" &
pid=$!
wait_http "http://127.0.0.1:$port/healthz" "$pid" "powerml serve" "$tmp/serve.log"
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }

# The shipped data do not cover "now": ask for the labelled typical-profile fill, as the SDK
# routes refuse a forecast outside the data otherwise (400).
forecast="/emissions/forecasts/current?location=CY&windowSize=120&fill=estimated"
# best over a week at ten locations: 1,690 points scanned, the lowest answered (SE: 169 hours tie at 21.0)
best="/emissions/bylocations/best?locations=CY,DE,FR,GB,PL,ES,IT,NL,SE,NO&time=2024-03-01T00:00:00Z&toTime=2024-03-08T00:00:00Z"
# The plan: the job of tests/server/ServerRoutesTest.cpp (two sites, a 27-hour window), as TOML.
cat >"$tmp/job.toml" <<'EOF'
[job]
name = "cnn-mec"
duration = "5h"
power_w = 306
earliest_start = "2023-06-15T06:00:00Z"
deadline = "2023-06-16T09:00:00Z"

[[site]]
name = "nicosia-mec"
zone = "CY"
current = true
jurisdiction = "EU"

[[site]]
name = "germany"
zone = "DE"
jurisdiction = "EU"
EOF
cat >"$tmp/plan.lua" <<EOF
-- POST the job file (the same request to powerml and to nginx)
local f = assert(io.open("$tmp/job.toml", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/toml"
EOF
# The same job under a new name at every request: powerml keeps the answer to a repeated plan
# (re-checked against the series on each request), so "plan" measures that kept answer and
# "plan_fresh" a plan computed for every request. nginx gets the plan's bytes for both.
cat >"$tmp/plan_fresh.lua" <<EOF
local f = assert(io.open("$tmp/job.toml", "rb"))
local job = f:read("*a")
f:close()
local counter = 0
request = function()
  counter = counter + 1
  local body = job:gsub('name = "cnn%-mec"', 'name = "cnn-mec-' .. counter .. '"', 1)
  return wrk.format("POST", nil, {["Content-Type"] = "application/toml"}, body)
end
EOF

names=(healthz metrics forecast best plan)
declare -A url=([healthz]=/healthz [metrics]=/metrics [forecast]="$forecast" [best]="$best" [plan]=/v1/plan
                [plan_fresh]=/v1/plan)
timed=("${names[@]}" plan_fresh)

# Each answer once, into nginx's root at the route's path (nginx ignores the query string).
www="$tmp/www"
mkdir -p "$www" "$tmp/nginx/temp"
locations=""
for n in "${names[@]}"; do
  u="${url[$n]}"
  path="${u%%\?*}"
  mkdir -p "$www$(dirname "$path")"
  curl_args=(-sS -o "$www$path" -w '%{http_code} %{content_type}')
  [[ "$n" == plan ]] && curl_args+=(-H 'Content-Type: application/toml' --data-binary "@$tmp/job.toml")
  # (curl's -w text ends without a newline: read reports that, which is not a failure here)
  read -r code type < <(curl "${curl_args[@]}" "http://127.0.0.1:$port$u") || true
  if [[ "$code" != 200 ]]; then
    echo "serve_load: $u answered $code, not 200:" >&2
    cat "$www$path" >&2
    exit 1
  fi
  extra=""
  [[ "$n" == plan ]] && extra="error_page 405 =200 \$uri;"
  locations+="    location = $path { default_type \"$type\"; $extra }"$'\n'
done
# The master runs as whoever runs this; as root its workers drop to nobody, who must read www.
chmod -R a+rX "$tmp"

nginx_port=$(free_port)
nginx_dir="$tmp/nginx"
cat >"$nginx_dir/nginx.conf" <<EOF
worker_processes $cores;
error_log $nginx_dir/error.log warn;
pid $nginx_dir/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    types {}
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    client_body_temp_path $nginx_dir/temp/body;
    proxy_temp_path $nginx_dir/temp/proxy;
    fastcgi_temp_path $nginx_dir/temp/fastcgi;
    uwsgi_temp_path $nginx_dir/temp/uwsgi;
    scgi_temp_path $nginx_dir/temp/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $www;
$locations    }
}
EOF
"${pin[@]}" "$nginx_bin" -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -g 'daemon off;' 2>"$nginx_dir/stderr.log" &
nginx_pid=$!
wait_http "http://127.0.0.1:$nginx_port/healthz" "$nginx_pid" nginx "$nginx_dir/stderr.log"

# Both must give the same bytes for every route before anything is timed.
for n in "${names[@]}"; do
  u="${url[$n]}"
  a=(-sS)
  [[ "$n" == plan ]] && a+=(-H 'Content-Type: application/toml' --data-binary "@$tmp/job.toml")
  got=$(curl "${a[@]}" -o "$tmp/check" -w '%{http_code}' "http://127.0.0.1:$nginx_port$u")
  if [[ "$got" != 200 ]] || ! cmp -s "$tmp/check" "$www${u%%\?*}"; then
    echo "serve_load: nginx does not answer $u with powerml's bytes (status $got)" >&2
    exit 1
  fi
done

echo "# powerml serve on 127.0.0.1:$port, nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///') on 127.0.0.1:$nginx_port" \
  "($cores worker processes), $(nproc) cores${CPUS:+, servers on CPUs $CPUS}"
echo "# wrk -t$threads -c$connections -d${seconds}s, $rounds rounds alternating powerml/nginx"
echo "# load at start: $(uptime | sed 's/.*load average: //')"
echo "# powerml RSS at start: $(rss)"

results="$tmp/results"
: >"$results"
bench() {  # NAME SERVER PORT
  local u="${url[$1]}" a=(-t"$threads" -c"$connections" -d"${seconds}s")
  [[ "$1" == plan || ("$1" == plan_fresh && "$2" == nginx) ]] && a+=(-s "$tmp/plan.lua")
  [[ "$1" == plan_fresh && "$2" == powerml ]] && a+=(-s "$tmp/plan_fresh.lua")
  local out rps non2xx
  out=$(wrk "${a[@]}" "http://127.0.0.1:$3$u")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  echo "$1 $2 ${rps:-0} ${non2xx:-0}" >>"$results"
}
for ((r = 1; r <= rounds; r++)); do
  for n in "${timed[@]}"; do
    bench "$n" powerml "$port"
    bench "$n" nginx "$nginx_port"
  done
done

"$py" - "$results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print(f"{'route':<10} {'powerml req/s':>14} {'nginx req/s':>12} {'ratio':>6}  per round (powerml/nginx)")
for name in dict.fromkeys(r[0] for r in rows):
    p = [float(r[2]) for r in rows if r[0] == name and r[1] == "powerml"]
    n = [float(r[2]) for r in rows if r[0] == name and r[1] == "nginx"]
    bad = sum(int(r[3]) for r in rows if r[0] == name)
    ratios = [a / b if b else 0 for a, b in zip(p, n)]
    note = f"  NON-2XX ANSWERS: {bad}" if bad else ""
    print(f"{name:<10} {statistics.median(p):>14.0f} {statistics.median(n):>12.0f} {statistics.median(ratios):>6.2f}  "
          + " ".join(f"{x:.2f}" for x in ratios) + note)
EOF
echo "# load at end: $(uptime | sed 's/.*load average: //')"
echo "# powerml RSS after: $(rss)"

if ((total > 0)); then
  echo "## $forecast until $total requests"
  done_requests=0
  while ((done_requests < total)); do
    n=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port$forecast" |
        awk '/requests in/ {print $1}')
    done_requests=$((done_requests + n))
    echo "# after $done_requests requests: RSS $(rss)"
  done
fi
