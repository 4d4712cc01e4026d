#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then configures, builds and runs an outside
# project against it with find_package(Tessera COMPONENTS <what was built>), and checks what the
# package pushes onto its users: no numerics flags on their compile lines, no library paths
# recorded at build time, and a clear failure for a component that was not built.
# Usage: check_install.sh <build-dir> <source-dir> <built components, ;-separated> [link flags]
# (link flags: the sanitizer runtime a sanitized build's libraries need in the consumer).
set -euo pipefail
build=$1 source=$2 components=$3 link_flags=${4:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >/dev/null
config_dir=$(dirname "$(find "$work/prefix" -name TesseraConfig.cmake | head -n1)")

# 0. The headers installed are the ones users include (internals under tessera/detail/): none of
# the kernels' own, and none of the internals that once sat beside the public headers.
for internal in tessera/kernels/program.hpp tessera/kernels/philox.hpp tessera/kernels/host/evaluate.hpp \
                tessera/kernels/kokkos_runtime.hpp tessera/kernels/cuda/evaluate.hpp \
                tessera/log.hpp tessera/function_name.hpp tessera/value_size.hpp \
                tessera/block_store.hpp; do
  test ! -e "$work/prefix/include/$internal" || fail "installed the internal header $internal"
done
test -e "$work/prefix/include/tessera/kernels/dtype.hpp" || fail "tessera/kernels/dtype.hpp not installed"
# Every project header an installed header includes is installed too (a header that names one
# left out would fail in the user's build, not here).
for header in $(find "$work/prefix/include/tessera" -name '*.hpp'); do
  for included in $(sed -n 's/^#include "\(tessera\/[^"]*\)"/\1/p' "$header"); do
    test -e "$work/prefix/include/$included" ||
      fail "${header#"$work/prefix/include/"} includes $included, which is not installed"
  done
done

# 1. The installed targets name their dependencies as targets found again on the user's machine.
if grep -nE '"?/[^";]*\.(so|a)(\.[0-9]+)*[";]' "$config_dir"/TesseraTargets*.cmake | grep -v "\${_IMPORT_PREFIX}"; then
  fail "the installed targets record absolute library paths (above)"
fi
! grep -n -- "-ffp-contract\|--fmad" "$config_dir"/TesseraTargets*.cmake ||
  fail "the installed targets carry Tessera's numerics flags (above)"

# 2. The outside project builds and runs; its own compile line has none of Tessera's flags.
cmake -S "$source/tests/install/outside" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
      "-DOUTSIDE_COMPONENTS=$components" "-DCMAKE_EXE_LINKER_FLAGS=$link_flags" >/dev/null
cmake --build "$work/build" -j2 >/dev/null
! grep -n -- "-ffp-contract\|--fmad" "$work/build/compile_commands.json" ||
  fail "the consumer's compile line carries Tessera's numerics flags (above)"
module=$(find "$work/prefix" -name libtessera_dashboard_http.so -path '*/tessera/*' | head -n1)
if [[ ";$components;" == *";dashboard;"* ]]; then
  # The dashboard's HTTP module is installed beside the libraries and loads from there.
  test -n "$module" || fail "libtessera_dashboard_http.so was not installed"
  export TESSERA_DASHBOARD_MODULE="$module"
else
  test -z "$module" || fail "a build without the dashboard installed $module"
fi
"$work/build/app"

# 3. Asking for a component that was not built (or does not exist) fails, naming it.
for missing in cuda dashboard graphviz hwloc lz4 teleport; do
  [[ ";$components;" == *";$missing;"* ]] && continue
  if cmake -S "$source/tests/install/outside" -B "$work/build-$missing" \
       -DCMAKE_PREFIX_PATH="$work/prefix" "-DOUTSIDE_COMPONENTS=$missing" >"$work/log" 2>&1; then
    fail "find_package(Tessera COMPONENTS $missing) succeeded"
  fi
  grep -q "component.*'\?$missing" "$work/log" || { cat "$work/log" >&2; fail "no message naming $missing"; }
  echo "find_package(Tessera COMPONENTS $missing) fails naming it"
done
echo "install check passed"
