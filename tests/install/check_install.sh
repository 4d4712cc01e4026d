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
"$work/build/app"
