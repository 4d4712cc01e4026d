# Anchor for bench_mpi.sh: n no-op dask.delayed tasks on a distributed LocalCluster of 2 worker
# processes of one thread each (what dask-mpi gives on one node). Prints the seconds.
import time, sys
import dask
from dask.distributed import LocalCluster, Client
def noop(i): return i
if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        tasks = [dask.delayed(noop)(i) for i in range(n)]
        t = time.perf_counter()
        out = dask.compute(*tasks)
        print(f"dask-distributed-2proc delayed_{n}_s={time.perf_counter()-t:.4f}")
