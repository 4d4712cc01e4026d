#!/usr/bin/env bash
# pi_matches_one_process.sh <tessera> <mpirun> <ranks>: `tessera pi --json` under mpirun reports
# the same hits and estimate as one process (the estimate depends on the seed and sample count
# only), with the job's ranks and threads counted.
set -euo pipefail
tessera=$1 mpirun=$2 ranks=$3
args=(pi --samples 2e7 --chunks 12 --device cpu --seed 5 --json)
one=$("$tessera" "${args[@]}")
many=$("$mpirun" -np "$ranks" --oversubscribe "$tessera" "${args[@]}")
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
for key in hits pi samples chunks; do
  if [ "$(field "$one" $key)" != "$(field "$many" $key)" ]; then
    echo "$key differs: one process $(field "$one" $key), $ranks ranks $(field "$many" $key)"; exit 1
  fi
done
[ "$(field "$many" ranks)" = "$ranks" ] || { echo "ranks: $(field "$many" ranks), expected $ranks"; exit 1; }
echo "same estimate on $ranks ranks: $(field "$many" pi)"
