#!/usr/bin/env bash
# The Debian packages CPack makes from a build: their contents and Depends, then unpacked into
# a throw-away root (dpkg -x) and run from there: the program, its data, its plugin, the
# Python module, the shell completion. Nothing is installed on this machine.
# Usage: deb_package_test.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
work="$(mktemp -d /tmp/powerml-deb-XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "deb_package_test: $*" >&2; exit 1; }
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$build/CMakeCache.txt")"

# What `cmake --build build --target package` runs, writing the packages here instead of build/.
(cd "$build" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb() { ls "$work/pkg/$1_${version}_"*.deb 2>/dev/null | head -n1; }
main="$(deb powerml)"
[[ -n "$main" ]] || fail "no powerml_${version}_*.deb among: $(ls "$work/pkg")"

has() {  # has DEB PATH-REGEX: the package's file list (dpkg-deb -c) has a matching path
  dpkg-deb -c "$1" | awk '{print $6}' | grep -Eq "^$2\$" || fail "$(basename "$1") lacks $2"
}
depends_on() {  # depends_on DEB REGEX: Depends: names a matching package
  local d; d="$(dpkg-deb -f "$1" Depends)"
  grep -Eq "(^|, )$2" <<<"$d" || fail "$(basename "$1") Depends: '$d' lacks $2"
}

has "$main" ./usr/bin/powerml
has "$main" ./usr/share/powerml/grid/.+
has "$main" ./usr/share/powerml/power-models/.+
has "$main" ./usr/share/man/man1/powerml.1.gz
has "$main" ./usr/share/man/man8/powerml-serve.8.gz
has "$main" ./usr/share/bash-completion/completions/powerml
has "$main" ./usr/lib/systemd/system/powerml.service
has "$main" ./usr/lib/powerml/libpowerml_http.so
# libcpp-httplib from the HTTP plugin's ELF; libpq5 named by hand (it is dlopen'ed).
for lib in libc6 libstdc\\+\\+6 libsqlite3-0 libfmt9 passwd libpq5 libcpp-httplib; do depends_on "$main" "$lib"; done
dpkg-deb -c "$main" | awk '{print $6}' | grep -q 'libpowerml_torch' && fail "the main package carries the Torch plugin"
dpkg-deb --ctrl-tarfile "$main" | tar -t | grep -q postinst || fail "the main package has no postinst (powerml group)"
torch="$(deb powerml-torch)"
if grep -q '^POWERML_WITH_TORCH:BOOL=ON' "$build/CMakeCache.txt" && [[ -f "$build/libpowerml_torch.so" ]]; then
  [[ -n "$torch" ]] || fail "Torch was built but there is no powerml-torch package"
  has "$torch" ./usr/lib/powerml/libpowerml_torch.so
  depends_on "$torch" "powerml \\(= ${version}\\)"
  depends_on "$torch" "libtorch"
fi
python="$(deb python3-powerml)"
if [[ -n "$(ls "$build"/python/powerml/_core*.so 2>/dev/null)" ]]; then
  [[ -n "$python" ]] || fail "the Python module was built but there is no python3-powerml package"
  has "$python" './usr/lib/python3[.0-9]*/dist-packages/powerml/_core\..*so'
  has "$python" './usr/lib/python3[.0-9]*/dist-packages/powerml/tracker.py'
  depends_on "$python" "python3 \\(>="
fi

root="$work/root"
for d in "$work"/pkg/*.deb; do dpkg -x "$d" "$root"; done
grep -qx "ExecStart=/usr/bin/powerml serve --socket /run/powerml/powerml.sock --group powerml" \
  "$root/usr/lib/systemd/system/powerml.service" || fail "the unit's ExecStart does not name /usr/bin/powerml"

exe="$root/usr/bin/powerml"
export XDG_DATA_HOME="$work/xdg" XDG_CONFIG_HOME="$work/config"
unset POWERML_DATA_DIR POWERML_TORCH_PLUGIN POWERML_ONNX_PLUGIN
[[ "$("$exe" --version)" == "powerml ${version}" ]] || fail "--version says '$("$exe" --version)'"
# Its data: the unpacked copy, found relative to the program (the source tree's is not used).
"$exe" models list --format json >"$work/models.json" || fail "models list failed"
grep -q "\"file\": *\"$root/usr/share/powerml/power-models/" "$work/models.json" ||
  fail "the shipped power models were not read from $root/usr/share/powerml: $(grep -m1 '"file"' "$work/models.json")"
"$exe" measure -q --no-db --out "$work/run" -- sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done' ||
  fail "measure failed"
grep -Eq '"gross": *[0-9]' "$work/run/summary.json" || fail "measure wrote no gross energy: $(head -c 400 "$work/run/summary.json")"

if [[ -n "$torch" ]]; then
  # The plugin is the unpacked one, not the build tree's (LD_DEBUG names every file loaded).
  LD_DEBUG=files "$exe" model-info --model lenet >/dev/null 2>"$work/ld.log" || true
  if grep -q 'libpowerml_torch' "$work/ld.log"; then
    grep -q "file=$root/usr/lib/powerml/libpowerml_torch.so" "$work/ld.log" ||
      fail "the Torch plugin was loaded from elsewhere: $(grep -m1 'file=.*libpowerml_torch' "$work/ld.log")"
  fi
fi

if [[ -n "$python" ]]; then
  pydir="$(ls -d "$root"/usr/lib/python3*/dist-packages | head -n1)"
  got="$(cd "$work" && PYTHONPATH="$pydir" /usr/bin/python3 -c 'import powerml._core as c; print(c.data_dir())')"
  [[ "$got" == "$root/usr/share/powerml" ]] || fail "the packaged Python module reads its data from '$got'"
fi

# Completion: subcommands and a subcommand's options, from the unpacked program.
got="$(PATH="$root/usr/bin:$PATH" bash -c 'source "$1"; COMP_WORDS=(powerml mea); COMP_CWORD=1; _powerml; echo "${COMPREPLY[*]}"' _ \
  "$root/usr/share/bash-completion/completions/powerml")"
[[ "$got" == *measure* ]] || fail "completion of 'powerml mea' gave '$got'"
got="$(PATH="$root/usr/bin:$PATH" bash -c 'source "$1"; COMP_WORDS=(powerml measure --basel); COMP_CWORD=2; _powerml; echo "${COMPREPLY[*]}"' _ \
  "$root/usr/share/bash-completion/completions/powerml")"
[[ "$got" == "--baseline" ]] || fail "completion of 'powerml measure --basel' gave '$got'"
# Man pages: valid roff (groff's warnings are errors here).
for page in man1/powerml.1.gz man8/powerml-serve.8.gz; do
  if command -v groff >/dev/null; then
    warnings="$(zcat "$root/usr/share/man/$page" | groff -man -Tutf8 -ww -z 2>&1)"
    [[ -z "$warnings" ]] || fail "$page: $warnings"
  fi
done

size="$(du -k "$main" | cut -f1)"
echo "deb_package_test: $(cd "$work/pkg" && ls *.deb | tr '\n' ' ')ok; powerml package ${size} KiB"
