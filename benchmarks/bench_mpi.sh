#!/usr/bin/env bash
# MPICluster with `ranks` ranks of one thread each against a LocalCluster of `ranks` one-thread
# workers, same workloads, one run each; prints both and the ratios (local time / MPI time:
# above 1 means MPI is faster). Then Dask distributed's 2-process LocalCluster on 10,000 no-op
# delayed tasks (100,000 would take minutes there), compared per task.
# Usage: benchmarks/bench_mpi.sh [build dir] [ranks]
set -euo pipefail
build=${1:-build}
ranks=${2:-2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
export OMPI_MCA_plm_rsh_agent= TESSERA_LOG=quiet
local_line=$("$build/bin/bench_mpi" --local --workers "$ranks" --repeat 5)
mpi_line=$(mpirun -np "$ranks" --oversubscribe --bind-to none "$build/bin/bench_mpi" --repeat 5)
echo "$local_line"
echo "$mpi_line"
dask_line=$(/usr/bin/python3 "$(dirname "$0")/dask_distributed_anchor.py" 10000 2>/dev/null)
echo "$dask_line"
/usr/bin/python3 - "$local_line" "$mpi_line" "$dask_line" <<'PY'
import sys
def parse(line):
    return {k: float(v) for k, v in (f.split("=") for f in line.split()[1:]) if k.endswith("_s")}
local, mpi, dask = parse(sys.argv[1]), parse(sys.argv[2]), parse(sys.argv[3])
for key in local:
    print(f"{key[:-2]}: local/mpi = {local[key] / mpi[key]:.2f}")
per_task_mpi = mpi["delayed_100k_s"] / 100000
per_task_dask = dask["delayed_10000_s"] / 10000
print(f"delayed per task: mpi {per_task_mpi * 1e6:.1f} us, dask distributed {per_task_dask * 1e6:.1f} us, "
      f"dask/mpi = {per_task_dask / per_task_mpi:.0f}x")
PY
