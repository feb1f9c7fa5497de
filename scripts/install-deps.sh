#!/usr/bin/env bash
# Installs every build and test dependency of PowerML from Debian 12's packages.
# Idempotent: asks apt only for what is missing, so a second run costs a second.
set -euo pipefail

# Required to build, test and benchmark the core.
packages=(
  build-essential cmake ninja-build pkg-config git
  libcli11-dev nlohmann-json3-dev libfmt-dev libtomlplusplus-dev libsqlite3-dev sqlite3
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev libssl-dev
  python3 procps
  # The report test renders the HTML report in headless Chromium (it skips, loudly, without it).
  chromium
  # Integration tests of powerml serve run the real thing: Prometheus scraping /metrics,
  # a one-node Slurm cluster (with munge) taking a planned job, and wrk for the load benchmark.
  prometheus slurm-wlm munge wrk
  # Built-in ML workloads (POWERML_WITH_TORCH, ~500 MB) and ONNX model characteristics
  # (POWERML_WITH_ONNX); the real small data sets they train on; python3-onnx writes test models.
  libtorch-dev libonnx-dev libprotobuf-dev zlib1g-dev dataset-fashion-mnist python3-sklearn python3-onnx
  # Python bindings (python/) and their tests: pybind11, NumPy, sklearn's digits data set and
  # PyTorch for the tracked training loops (python3-torch: ~50 MB over libtorch).
  pybind11-dev python3-dev python3-numpy python3-sklearn python3-torch
  # The fuzz harnesses (fuzz/, scripts/fuzz.sh): clang with libFuzzer, ASan and UBSan.
  clang-14 libfuzzer-14-dev
)
# Optional extras named by the caller (e.g. POWERML_EXTRA_PACKAGES="hyperfine").
if [[ -n "${POWERML_EXTRA_PACKAGES:-}" ]]; then
  read -r -a extra <<<"${POWERML_EXTRA_PACKAGES}"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
