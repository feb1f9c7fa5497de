#!/usr/bin/env bash
# Load benchmark of `powerml serve` with wrk on 127.0.0.1 (docs/performance.md, "serve").
# Drives /healthz (baseline: routing and HTTP only), /emissions/forecasts/current and /metrics
# for a bounded time each, then keeps /emissions/forecasts/current busy until at least
# MILLION requests have been answered, printing the server's resident memory as it goes.
# Usage: bench/serve_load.sh [BUILD_DIR] [SECONDS_PER_ROUTE] [MILLION_REQUESTS]
set -euo pipefail
build="${1:-build}"
seconds="${2:-15}"
total="${3:-1000000}"
connections="${CONNECTIONS:-8}"
threads="${WRK_THREADS:-2}"
bin="$build/powerml"
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tmp=$(mktemp -d)
XDG_DATA_HOME="$tmp" "$bin" serve --port "$port" --zone CY --threads "$((connections + 4))" 2>"$tmp/serve.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
# The shipped data do not cover "now": ask for the labelled typical-profile fill, as the SDK
# routes refuse a forecast outside the data otherwise (400).
forecast="/emissions/forecasts/current?location=CY&windowSize=120&fill=estimated"
# best over a week at ten locations: 1,690 points scanned, the lowest answered (SE: 169 hours tie at 21.0)
best="/emissions/bylocations/best?locations=CY,DE,FR,GB,PL,ES,IT,NL,SE,NO&time=2024-03-01T00:00:00Z&toTime=2024-03-08T00:00:00Z"
echo "# powerml serve on 127.0.0.1:$port, $(nproc) cores, wrk -t$threads -c$connections, ${seconds}s per route"
echo "# RSS at start: $(rss)"
for path in /healthz "$forecast" /metrics "$best"; do
  echo "## $path"
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port$path" |
    grep -E "Requests/sec|Latency  |50%|90%|99%|requests in|Non-2xx|Socket errors"
  echo "# RSS: $(rss)"
done
echo "## $forecast until $total requests"
done_requests=0
while ((done_requests < total)); do
  n=$(wrk -t"$threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port$forecast" |
      awk '/requests in/ {print $1}')
  done_requests=$((done_requests + n))
  echo "# after $done_requests requests: RSS $(rss)"
done
