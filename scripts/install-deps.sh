#!/usr/bin/env bash
# Installs PowerML's dependencies from Debian 12's packages, in two parts:
#   install-deps.sh demo   what `powerml` and its Torch plugin need to build and run the demo
#   install-deps.sh [all]  that, plus everything the test suite and the benchmarks use
# Idempotent: asks apt only for what is missing, so a second run costs a second.
set -euo pipefail

part="${1:-all}"
case "$part" in
  demo|all) ;;
  *) echo "install-deps: unknown part '$part' (demo or all)" >&2; exit 2 ;;
esac

# What the demo builds and runs: the powerml program, its Torch plugin (the demo trains LeNet,
# ~500 MB of libtorch) and the Fashion-MNIST files it trains on.
packages=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev nlohmann-json3-dev libfmt-dev libtomlplusplus-dev libsqlite3-dev
  # The team run store (--db postgresql://...): powerml links libpq (libpq5 at run time).
  libpq-dev
  libcpp-httplib-dev libssl-dev zlib1g-dev procps
  libtorch-dev dataset-fashion-mnist
)
if [[ "$part" == all ]]; then
  packages+=(
    git sqlite3 libgtest-dev libgmock-dev libbenchmark-dev python3
    # The report test renders the HTML report in headless Chromium (it skips, loudly, without it).
    chromium
    # The store suite runs on a real PostgreSQL 15 it starts itself (initdb in a temporary folder).
    postgresql
    # Integration tests of powerml serve run the real thing: Prometheus scraping /metrics,
    # a one-node Slurm cluster (with munge) taking a planned job, and wrk for the load benchmark.
    prometheus slurm-wlm munge wrk
    # The load benchmark's yardstick (bench/serve_load.sh): nginx serving the same answers as
    # static files, run unprivileged from a temporary prefix (nginx-light: the smallest build).
    nginx-light
    # ONNX model characteristics (POWERML_WITH_ONNX); sklearn's data sets; python3-onnx writes test models.
    libonnx-dev libprotobuf-dev python3-sklearn python3-onnx
    # Python bindings (python/) and their tests: pybind11, NumPy, sklearn's digits data set and
    # PyTorch for the tracked training loops (python3-torch: ~50 MB over libtorch).
    pybind11-dev python3-dev python3-numpy python3-torch
    # Install tests: the Debian package (CPack runs dpkg-shlibdeps from dpkg-dev, the test
    # unpacks it with dpkg-deb), `pip install` into a fresh venv with Debian's setuptools, and
    # the measurement daemon's test users (useradd from passwd, runuser from util-linux).
    dpkg-dev file python3-venv python3-setuptools python3-wheel python3-pip passwd util-linux
    # The fuzz harnesses (fuzz/, scripts/fuzz.sh): clang with libFuzzer, ASan and UBSan.
    clang-14 libfuzzer-14-dev
  )
fi
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
