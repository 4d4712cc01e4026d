#!/usr/bin/python3
"""Dask distributed's side of bench_spill: the same workload under the same limit.

A LocalCluster of 2 workers x 1 thread, memory_limit "32MiB" each (64 MiB in all), persists
random((4096, 8192), chunks=(512, 512)) float64 (256 MiB, 4x the limit), checks that the workers
spilled most of it to disk, then times x.sum().compute(), best of --repeats. Prints one JSON
object. compare_dask.py runs this in its own process group under a timeout.

Workers in this process (processes=False) by default: Tessera's workers are threads in one
process too, and on this workload it is the faster of the two Dask setups (measured on a 2-core
machine: best sum 0.32-0.38 s in-process against 0.44-0.57 s with --processes, which adds a
nanny and a worker process each and pickles every result between them), so the anchor is not
weakened by the choice. Each worker keeps its own memory limit and SpillBuffer either way.

Only the managed-memory threshold (target 0.6: the SpillBuffer's LRU eviction to disk once the
sizeof() of a worker's keys passes 60% of its limit) stays on. That is the mechanism bench_spill
exercises. The process-RSS thresholds (spill 0.7, pause 0.8, terminate 0.95) are off: a bare
Dask process sits near 100 MB RSS, over 32 MiB before it holds any data, so they would pause or
kill every worker.

    /usr/bin/python3 benchmarks/dask_spill_anchor.py [--repeats 3] [--processes] [--local-directory DIR]
"""
import argparse
import json
import math
import sys
import tempfile
import time

SHAPE = (4096, 8192)
CHUNKS = (512, 512)
N_WORKERS = 2
MEMORY_LIMIT = "32MiB"


def spill_state(dask_worker):
    """Runs on each worker: what its SpillBuffer holds in memory and on disk."""
    data = dask_worker.data
    metrics = data.get_metrics()
    return {
        "memory_keys": metrics["memory_count"],
        "memory_bytes": metrics["memory_bytes"],
        "disk_keys": metrics["disk_count"],
        "disk_bytes": metrics["disk_bytes"],  # pickled size of what is on disk now
        "disk_sizeof_bytes": data.spilled_total.memory,  # sizeof() of the same keys
        "disk_write_bytes_total": metrics.get("disk_write_bytes_total", 0),
        "disk_read_bytes_total": metrics.get("disk_read_bytes_total", 0),
        "target_bytes": data.n,  # zict.Buffer.n: memory_limit * target
    }


def totals(states):
    keys = states[next(iter(states))].keys()
    return {k: sum(s[k] for s in states.values()) for k in keys}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", action=argparse.BooleanOptionalAction, default=False,
                        help="workers in their own processes (default: threads in this one)")
    parser.add_argument("--local-directory", default=None,
                        help="parent of the temporary directory the workers spill into (default: $TMPDIR)")
    args = parser.parse_args()

    import dask
    import dask.array as da
    import distributed
    from dask.utils import parse_bytes

    config = {
        "distributed.worker.memory.target": 0.6,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": False,
        "distributed.logging.distributed": "error",
    }
    started = time.perf_counter()
    with dask.config.set(config), tempfile.TemporaryDirectory(prefix="dask-spill-",
                                                              dir=args.local_directory) as tmp, \
            distributed.LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=args.processes,
                                     memory_limit=MEMORY_LIMIT, dashboard_address=None,
                                     local_directory=tmp) as cluster, \
            distributed.Client(cluster) as client:
        cluster_seconds = time.perf_counter() - started

        x = da.random.random(SHAPE, chunks=CHUNKS)
        start = time.perf_counter()
        x = x.persist()
        distributed.wait(x)
        persist_seconds = time.perf_counter() - start

        after_persist = client.run(spill_state)
        persisted = totals(after_persist)
        n_chunks = x.npartitions
        if persisted["memory_keys"] + persisted["disk_keys"] != n_chunks:
            raise SystemExit(f"workers hold {persisted['memory_keys']} + {persisted['disk_keys']} "
                             f"keys, expected {n_chunks}")
        if persisted["disk_keys"] == 0:
            raise SystemExit("nothing spilled: the workload does not exercise spilling")

        def scheduler_tasks(dask_scheduler):
            return len(dask_scheduler.tasks)

        times = []
        total = None
        for _ in range(args.repeats):
            # Identical graphs have identical keys: if the last sum's tasks are still on the
            # scheduler (the client releases them asynchronously), compute() would reuse their
            # results instead of reading the chunks again. Wait until only x's chunks are left.
            deadline = time.monotonic() + 30
            while client.run_on_scheduler(scheduler_tasks) > n_chunks:
                if time.monotonic() > deadline:
                    raise SystemExit("the previous sum's tasks were never released")
                time.sleep(0.01)
            start = time.perf_counter()
            total = float(x.sum().compute())
            times.append(time.perf_counter() - start)
        best = min(times)
        after_sums = totals(client.run(spill_state))

    n = SHAPE[0] * SHAPE[1]
    # The sum of n independent U(0, 1) draws: mean n/2, standard deviation sqrt(n/12).
    tolerance = 6 * math.sqrt(n / 12)
    if abs(total - n * 0.5) > tolerance:
        raise SystemExit(f"sum {total} is more than 6 sigma ({tolerance:.0f}) from {n * 0.5}")

    print(json.dumps({
        "case": "sum persisted 4x limit (dask distributed)",
        "array_bytes": int(x.nbytes),
        "limit_bytes": N_WORKERS * parse_bytes(MEMORY_LIMIT),
        "n_workers": N_WORKERS, "threads_per_worker": 1, "processes": args.processes,
        "chunks": n_chunks,
        "spilled_keys": persisted["disk_keys"],
        "spilled_bytes": persisted["disk_bytes"],
        "spilled_sizeof_bytes": persisted["disk_sizeof_bytes"],
        "in_memory_keys": persisted["memory_keys"],
        "in_memory_bytes": persisted["memory_bytes"],
        "target_bytes": persisted["target_bytes"],
        "per_worker_spilled_keys": [s["disk_keys"] for s in after_persist.values()],
        "sums_disk_read_bytes": after_sums["disk_read_bytes_total"] - persisted["disk_read_bytes_total"],
        "sums_disk_write_bytes": after_sums["disk_write_bytes_total"] - persisted["disk_write_bytes_total"],
        "cluster_start_seconds": cluster_seconds,
        "persist_seconds": persist_seconds,
        "sum_seconds": best,
        "sum_seconds_each": times,
        "sum": total,
        "sum_expected": n * 0.5,
        "sum_tolerance": tolerance,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
