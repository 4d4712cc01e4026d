#!/usr/bin/python3
"""Runs each workload in Tessera and in its anchor (Dask's threaded scheduler, the seed's NumPy
calculate_pi, CuPy on a GPU machine) in one run on this machine, and prints the ratios.

Absolute times on shared machines are noise; the ratios measured side by side are the figures.
Prints a table, then one JSON object per case on lines starting with "JSON ".

    /usr/bin/python3 benchmarks/compare_dask.py [--build build] [--quick] [--only SECTION ...]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np


def best_of(repeats, fn):
    """Minimum wall time of fn() over repeats runs (the least disturbed run)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# ---- Dask side ------------------------------------------------------------------------------

def dask_scheduler_cases(repeats):
    import dask
    from dask import delayed

    def noop(x):
        return x

    def independent():
        tasks = [delayed(noop, pure=False)(i) for i in range(100_000)]
        dask.compute(*tasks, scheduler="threads", num_workers=2)

    def chain():
        value = delayed(noop, pure=False)(0)
        for _ in range(1, 10_000):
            value = delayed(noop, pure=False)(value)
        value.compute(scheduler="threads", num_workers=2)

    def fan_in():
        parts = [delayed(noop, pure=False)(i) for i in range(10_000)]
        delayed(sum, pure=False)(parts).compute(scheduler="threads", num_workers=2)

    return {
        "independent/100000": (best_of(repeats, independent), 100_000),
        "chain/10000": (best_of(repeats, chain), 10_000),
        "fan_in/10000": (best_of(repeats, fan_in), 10_001),
    }


def dask_observed_independent(repeats):
    """The independent case under dask.diagnostics.Profiler, which records every task's start and
    end as a task stream needs: what being watched costs Dask, to set beside Tessera's dashboard."""
    import dask
    from dask import delayed
    from dask.diagnostics import Profiler

    def noop(x):
        return x

    def observed():
        tasks = [delayed(noop, pure=False)(i) for i in range(100_000)]
        with Profiler():
            dask.compute(*tasks, scheduler="threads", num_workers=2)

    return best_of(repeats, observed)


def calculate_pi(size_in_bytes):
    """The seed's NumPy baseline, as written there."""
    rand_array_shape = (int(size_in_bytes / 8 / 2), 2)
    xy = np.random.uniform(low=0.0, high=1.0, size=rand_array_shape)
    xy_inside_circle = (xy ** 2).sum(axis=1) < 1
    pi = 4 * xy_inside_circle.sum() / xy_inside_circle.size
    return pi


def numpy_pi_samples_per_second(repeats, samples):
    seconds = best_of(repeats, lambda: calculate_pi(samples * 16))
    return samples / seconds


def cupy_pi_samples_per_second(repeats, samples):
    try:
        import cupy as cp
    except ImportError:
        return None

    def run():
        xy = cp.random.uniform(0.0, 1.0, size=(samples, 2), dtype=cp.float64)
        inside = ((xy ** 2).sum(axis=1) < 1).sum()
        float(4 * inside / samples)

    run()  # warm-up: kernel compilation
    return samples / best_of(repeats, run)


DASK_ARRAY_CASE = """
import json, sys, time
import dask, dask.array as da
case, n, chunk, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
best = float("inf")
for _ in range(repeats):
    x = da.random.random((n, n), chunks=(chunk, chunk))
    start = time.perf_counter()
    if case == "xxt_mean":
        value = float((x + x.T).mean().compute(scheduler="threads", num_workers=2))
    elif case == "sliced_mean":
        value = float(x[1:n - 1:2, ::-3].mean().compute(scheduler="threads", num_workers=2))
    else:
        value = float((x + x.T).mean(axis=0).std().compute(scheduler="threads", num_workers=2))
    best = min(best, time.perf_counter() - start)
# VmHWM, not ru_maxrss: ru_maxrss survives execve and would report the parent's peak.
hwm_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": best, "value": value, "peak_rss_bytes": hwm_kib * 1024}))
"""


def dask_array_case(case, n, chunk, repeats):
    """Runs one array workload in its own Python process, so its peak memory is its own."""
    out = subprocess.run([sys.executable, "-c", DASK_ARRAY_CASE, case, str(n), str(chunk), str(repeats)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def dask_spill_case(repeats, timeout_s):
    """bench_spill's workload on Dask's distributed LocalCluster, same workers and memory limit
    (benchmarks/dask_spill_anchor.py). Runs in its own process group, so that on a hang the
    timeout kills the worker processes too; returns {"failed": why} instead of raising."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dask_spill_anchor.py")
    with tempfile.TemporaryDirectory(prefix="compare-dask-spill-") as tmp:
        proc = subprocess.Popen([sys.executable, script, "--repeats", str(repeats), "--local-directory", tmp],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"failed": f"timed out after {timeout_s} s"}
        finally:
            try:  # LocalCluster's worker processes, should the driver have left any behind
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if proc.returncode != 0:
        lines = (err or out).strip().splitlines()
        return {"failed": f"exit {proc.returncode}: {lines[-1] if lines else 'no output'}"}
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"failed": f"no JSON in output: {out[-200:]!r}"}


# ---- Tessera side ---------------------------------------------------------------------------

def tessera_array_case(build, case, n, chunk, repeats):
    out = subprocess.run([os.path.join(build, "bin", "bench_arrays"), case, "--n", str(n), "--chunk", str(chunk),
                          "--repeats", str(repeats)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def tessera_scheduler_cases(build, repeats):
    out = subprocess.run(
        [os.path.join(build, "bin", "bench_scheduler"), "--benchmark_format=json",
         f"--benchmark_repetitions={repeats}", "--benchmark_report_aggregates_only=false"],
        check=True, capture_output=True, text=True).stdout
    best = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        name = b["run_name"].removesuffix("/real_time")
        seconds = b["real_time"] / 1e3 if b["time_unit"] == "ms" else b["real_time"]
        best[name] = min(best.get(name, seconds), seconds)
    return best


def tessera_dashboard_overhead(build, repeats):
    """bench_dashboard: 100,000 no-op tasks with the dashboard off, on, and on with a live client."""
    out = subprocess.run([os.path.join(build, "bin", "bench_dashboard"), "--rounds", str(repeats)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def tessera_pi(build, samples, device):
    out = subprocess.run(
        [os.path.join(build, "bin", "tessera"), "pi", "--samples", str(samples), "--device", device,
         "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def tessera_info(build):
    out = subprocess.run([os.path.join(build, "bin", "tessera"), "info", "--json"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


# ---- report ---------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller pi runs")
    sections = ["scheduler", "pi", "array", "spill"]
    parser.add_argument("--only", nargs="+", choices=sections, default=sections,
                        help="run just these sections (default: all)")
    parser.add_argument("--dask-spill-timeout", type=int, default=300,
                        help="seconds before the Dask distributed spill run counts as failed")
    args = parser.parse_args()
    repeats = 2 if args.quick else 3
    rows = []
    if "scheduler" in args.only:
        scheduler_section(args, repeats, rows)
    if "pi" in args.only:
        pi_section(args, repeats, rows)
    if "array" in args.only:
        array_section(args, repeats, rows)
    if "spill" in args.only:
        spill_section(args, repeats, rows)
    print_report(rows)
    return 0


def scheduler_section(args, repeats, rows):
    tessera_sched = tessera_scheduler_cases(args.build, repeats)
    dask_sched = dask_scheduler_cases(repeats)
    for case, (dask_seconds, tasks) in dask_sched.items():
        ts_seconds = tessera_sched[case]
        rows.append({"case": f"scheduler {case}", "unit": "tasks/s",
                     "tessera": tasks / ts_seconds, "anchor": tasks / dask_seconds,
                     "anchor_name": "dask threads"})

    dashboard = tessera_dashboard_overhead(args.build, 4 * repeats + 1)  # medians of these rounds
    dask_observed = 100_000 / dask_observed_independent(repeats)
    dask_plain = 100_000 / dask_sched["independent/100000"][0]
    rows.append({"case": "scheduler independent/100000 watched", "unit": "tasks/s",
                 "tessera": dashboard["on_with_client_tasks_per_second"], "anchor": dask_observed,
                 "anchor_name": "dask threads + Profiler",
                 "tessera_overhead_percent": dashboard["overhead_percent"],
                 "dask_overhead_percent": 100 * (dask_plain - dask_observed) / dask_plain})


def pi_section(args, repeats, rows):
    info = tessera_info(args.build)
    threads = info["total_threads"]
    pi_samples = 500_000_000 if args.quick else 4_000_000_000
    tessera_cpu = max((tessera_pi(args.build, pi_samples, "cpu") for _ in range(repeats)),
                      key=lambda r: r["samples_per_second"])
    numpy_rate = numpy_pi_samples_per_second(repeats, 20_000_000)
    rows.append({"case": "pi cpu", "unit": "samples/s", "tessera": tessera_cpu["samples_per_second"],
                 "anchor": numpy_rate, "anchor_name": "numpy calculate_pi",
                 "per_core": tessera_cpu["samples_per_second"] / threads, "threads": threads,
                 "pi": tessera_cpu["pi"]})

    if info["gpus"]:
        gpu_samples = 100_000_000_000
        tessera_gpu = max((tessera_pi(args.build, gpu_samples, "gpu") for _ in range(repeats)),
                          key=lambda r: r["samples_per_second"])
        cupy_rate = cupy_pi_samples_per_second(repeats, 200_000_000)
        rows.append({"case": "pi gpu", "unit": "samples/s", "tessera": tessera_gpu["samples_per_second"],
                     "anchor": cupy_rate, "anchor_name": "cupy array pi",
                     "device": info["gpus"][0]["name"], "pi": tessera_gpu["pi"]})


def array_section(args, repeats, rows):
    array_cases = [("xxt_mean", 10_000, 1_000), ("xxt_mean_axis_std", 20_000, 2_000)]
    if args.quick:
        array_cases = [("xxt_mean", 4_000, 1_000), ("xxt_mean_axis_std", 6_000, 2_000)]
    for case, n, chunk in array_cases:
        ts_run = tessera_array_case(args.build, case, n, chunk, repeats)
        bound = tessera_array_case(args.build, "generate", n, chunk, repeats)
        dask_run = dask_array_case(case, n, chunk, repeats)
        label = f"{case} {n}^2/{chunk}^2"
        rows.append({"case": f"array {label}", "unit": "1/s", "tessera": 1 / ts_run["seconds"],
                     "anchor": 1 / dask_run["seconds"], "anchor_name": "dask threads",
                     "generation_bound_fraction": bound["seconds"] / ts_run["seconds"],
                     "tessera_seconds": ts_run["seconds"], "dask_seconds": dask_run["seconds"]})
        rows.append({"case": f"array {label} peak memory", "unit": "bytes (lower is better)",
                     "tessera": dask_run["peak_rss_bytes"], "anchor": ts_run["peak_rss_bytes"],
                     "anchor_name": "ratio = dask / tessera peak RSS",
                     "tessera_peak_rss_bytes": ts_run["peak_rss_bytes"],
                     "dask_peak_rss_bytes": dask_run["peak_rss_bytes"]})
    # Basic indexing: Tessera generates only the selected values, Dask generates whole chunks.
    n = 4_000 if args.quick else 10_000
    ts_run = tessera_array_case(args.build, "sliced_mean", n, 1_000, repeats)
    dask_run = dask_array_case("sliced_mean", n, 1_000, repeats)
    rows.append({"case": f"array x[1:n-1:2, ::-3].mean() {n}^2/1000^2", "unit": "1/s",
                 "tessera": 1 / ts_run["seconds"], "anchor": 1 / dask_run["seconds"],
                 "anchor_name": "dask threads", "tessera_seconds": ts_run["seconds"],
                 "dask_seconds": dask_run["seconds"], "tessera_peak_rss_bytes": ts_run["peak_rss_bytes"],
                 "dask_peak_rss_bytes": dask_run["peak_rss_bytes"]})
    if not args.quick:
        big = tessera_array_case(args.build, "xxt_mean", 20_000, 2_000, 1)
        rows.append({"case": "array xxt_mean 20000^2 peak memory", "unit": "bytes (target < 256 MB)",
                     "tessera": big["peak_rss_bytes"], "anchor": None, "anchor_name": "absolute"})


def spill_section(args, repeats, rows):
    spill = json.loads(subprocess.run([os.path.join(args.build, "bin", "bench_spill")], check=True,
                                      capture_output=True, text=True).stdout)
    rows.append({"case": "sum persisted 4x memory limit", "unit": "1/s (vs cat of the spill files)",
                 "tessera": 1 / spill["sum_seconds"], "anchor": 1 / spill["cat_seconds"],
                 "anchor_name": "cat spill files (target ratio >= 0.5)"})
    dask_spill = dask_spill_case(3, args.dask_spill_timeout)  # best of 3, as bench_spill
    row = {"case": "sum persisted 4x memory limit (vs Dask distributed)", "unit": "1/s",
           "tessera": 1 / spill["sum_seconds"], "anchor": None,
           "anchor_name": "dask distributed LocalCluster 2 workers x 1 thread, 32MiB each",
           "tessera_seconds": spill["sum_seconds"], "tessera_spilled_bytes": spill["spilled_bytes"]}
    if "failed" in dask_spill:
        row["anchor_name"] += f" (FAILED: {dask_spill['failed']})"
        row["dask_failed"] = dask_spill["failed"]
    else:
        row.update({"anchor": 1 / dask_spill["sum_seconds"], "dask_seconds": dask_spill["sum_seconds"],
                    "dask_spilled_keys": dask_spill["spilled_keys"],
                    "dask_spilled_bytes": dask_spill["spilled_bytes"],
                    "dask_chunks": dask_spill["chunks"],
                    "dask_disk_read_bytes_per_sum":
                        dask_spill["sums_disk_read_bytes"] / len(dask_spill["sum_seconds_each"]),
                    "dask_sum": dask_spill["sum"]})
    rows.append(row)


def print_report(rows):
    width = max([34] + [len(row["case"]) for row in rows])
    print(f"{'case':{width}} {'tessera':>14} {'anchor':>14}  {'ratio':>8}  anchor")
    for row in rows:
        ratio = row["tessera"] / row["anchor"] if row["anchor"] else None
        row["ratio"] = ratio
        anchor = f"{row['anchor']:14.4g}" if row["anchor"] else f"{'n/a':>14}"
        ratio_text = f"{ratio:8.1f}x" if ratio else f"{'n/a':>9}"
        print(f"{row['case']:{width}} {row['tessera']:14.4g} {anchor} {ratio_text}  {row['anchor_name']} ({row['unit']})")
    for row in rows:
        if "per_core" in row:
            print(f"pi cpu per core: {row['per_core']:.4g} samples/s ({row['threads']} threads)")
        if "generation_bound_fraction" in row:
            print(f"{row['case']}: {row['tessera_seconds']:.3f} s vs dask {row['dask_seconds']:.3f} s; "
                  f"Philox generation alone takes {row['generation_bound_fraction']:.0%} of Tessera's time")
        if "tessera_overhead_percent" in row:
            print(f"{row['case']}: the dashboard with a live client costs Tessera "
                  f"{row['tessera_overhead_percent']:.1f}% of its throughput (median round); the "
                  f"Profiler costs Dask "
                  f"{row['dask_overhead_percent']:.1f}%")
        if "dask_peak_rss_bytes" in row:
            print(f"{row['case']}: tessera {row['tessera_peak_rss_bytes'] / 2**20:.0f} MiB, "
                  f"dask {row['dask_peak_rss_bytes'] / 2**20:.0f} MiB "
                  f"({row['tessera_peak_rss_bytes'] / row['dask_peak_rss_bytes']:.1%} of dask)")
        if "dask_spilled_bytes" in row:
            print(f"{row['case']}: tessera {row['tessera_seconds']:.3f} s vs dask {row['dask_seconds']:.3f} s; "
                  f"dask spilled {row['dask_spilled_keys']} of {row['dask_chunks']} chunks "
                  f"({row['dask_spilled_bytes'] / 2**20:.0f} MiB), tessera "
                  f"{row['tessera_spilled_bytes'] / 2**20:.0f} MiB; each dask sum read "
                  f"{row['dask_disk_read_bytes_per_sum'] / 2**20:.0f} MiB back from disk")
        if "dask_failed" in row:
            print(f"{row['case']}: the Dask distributed run failed: {row['dask_failed']}")
    for row in rows:
        print("JSON " + json.dumps(row))


if __name__ == "__main__":
    sys.exit(main())
