#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then configures, builds and runs an outside
# project against it with find_package(Tessera). Usage: check_install.sh <build-dir> <source-dir>
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source/tests/install/outside" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" -j2 >/dev/null
# The dashboard's HTTP module is installed beside the libraries and loads from there.
module=$(find "$work/prefix" -name libtessera_dashboard_http.so -path '*/tessera/*' | head -n1)
test -n "$module" || { echo "libtessera_dashboard_http.so was not installed" >&2; exit 1; }
TESSERA_DASHBOARD_MODULE="$module" "$work/build/app"
