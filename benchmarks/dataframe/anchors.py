#!/usr/bin/python3
"""pandas' and Dask's side of the dataframe benchmark: the same pipelines on the same files.

The files come from tessera::dataframe::datasets (write_tutorial_csv, write_groupby_csv). Times
are the best of --repeat runs, in seconds, each measurement in its own Python process so that its
peak memory (VmHWM, in MiB, the Python interpreter and imports included) is its own.

  parse      pd.read_csv(f, dtype=...) with every column's type given (--parse FILE).
  tutorial   pd.read_csv(f); df[df["column"] > 10].groupby("category").mean(), and in Dask
             dd.read_csv(f) (default blocksize), the same filter and groupby, .compute() with
             Dask's default threaded scheduler (one thread per core).
  groupby    H2O db-benchmark questions in pandas on a frame read once with plain pd.read_csv
             (ids as object strings; db-benchmark itself reads them as category): read_groupby_s
             times the read, q1/q3/q5 the groupby alone:
             q1 groupby("id1").agg({"v1": "sum"})
             q3 groupby("id3").agg({"v1": "sum", "v3": "mean"})
             q5 groupby("id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"})

Prints one JSON object on stdout (nothing else):
    /usr/bin/python3 benchmarks/dataframe/anchors.py --tutorial T.csv --groupby G.csv \
        [--repeat 3] [--only pandas|dask]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time


def best_of(repeat, fn):
    """Minimum wall time of fn() over repeat runs (the least disturbed run), and fn's last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None  # the previous result is not kept alive across the next run
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def peak_mb():
    # VmHWM, not ru_maxrss: ru_maxrss survives execve, so it would floor at the parent's peak.
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    return kib / 1024


def tutorial_query(df):
    return df[df["column"] > 10].groupby("category").mean()


# ---- Each runs in its own process (--child NAME) and returns its figures ---------------------

def pandas_tutorial(path, repeat):
    import pandas as pd
    seconds, _ = best_of(repeat, lambda: tutorial_query(pd.read_csv(path)))
    return {"tutorial_s": seconds, "tutorial_peak_mb": peak_mb()}


def pandas_parse(path, repeat):
    """Typed parse: the C engine with every column's type given, as Tessera's parse case."""
    import pandas as pd
    types = pd.read_csv(path, nrows=1000).dtypes.to_dict()
    seconds, _ = best_of(repeat, lambda: pd.read_csv(path, dtype=types))
    return {"parse_s": seconds, "parse_mb_per_s": os.path.getsize(path) / 1e6 / seconds}


def dask_tutorial(path, repeat):
    import dask.dataframe as dd
    import dask.system
    seconds, _ = best_of(repeat, lambda: dd.read_csv(path).pipe(
        lambda df: df[df["column"] > 10]).groupby("category").mean().compute())
    return {"tutorial_s": seconds, "tutorial_peak_mb": peak_mb(), "threads": dask.system.CPU_COUNT}


def pandas_groupby(path, repeat):
    import pandas as pd
    figures = {}
    figures["read_groupby_s"], df = best_of(repeat, lambda: pd.read_csv(path))
    questions = {
        "q1_s": lambda: df.groupby("id1").agg({"v1": "sum"}),
        "q3_s": lambda: df.groupby("id3").agg({"v1": "sum", "v3": "mean"}),
        "q5_s": lambda: df.groupby("id6").agg({"v1": "sum", "v2": "sum", "v3": "sum"}),
    }
    for name, question in questions.items():
        figures[name], _ = best_of(repeat, question)
    return figures


def versions(side):
    if side == "pandas":
        import numpy
        import pandas
        return {"pandas": pandas.__version__, "numpy": numpy.__version__}
    import dask
    return {"dask": dask.__version__}


CHILDREN = {"pandas_tutorial": pandas_tutorial, "dask_tutorial": dask_tutorial,
            "pandas_groupby": pandas_groupby, "pandas_parse": pandas_parse}


def run_child(name, path, repeat):
    """One measurement in a fresh interpreter; its errors go to stderr and end this run."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name, path,
                          "--repeat", str(repeat)], stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"anchors.py: {name} on {path} failed (exit {out.returncode})")
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tutorial", metavar="FILE", help="from write_tutorial_csv")
    parser.add_argument("--groupby", metavar="FILE", help="from write_groupby_csv")
    parser.add_argument("--parse", metavar="FILE", help="typed parse of FILE (pandas only)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument("--only", choices=["pandas", "dask"])
    parser.add_argument("--child", nargs=2, metavar=("NAME", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")

    if args.child:
        name, path = args.child
        if name == "versions":
            print(json.dumps(versions(path)))
        else:
            print(json.dumps(CHILDREN[name](path, args.repeat)))
        return

    sides = [args.only] if args.only else ["pandas", "dask"]
    if not args.tutorial or ("pandas" in sides and not args.groupby):
        parser.error("--tutorial FILE and (for pandas) --groupby FILE are required")
    for path in filter(None, [args.tutorial, args.groupby]):
        if not os.path.isfile(path):
            parser.error(f"no such file: {path}")

    result = {}
    found = {"python": platform.python_version()}
    if "pandas" in sides:
        result["pandas"] = run_child("pandas_tutorial", args.tutorial, args.repeat)
        result["pandas"].update(run_child("pandas_groupby", args.groupby, args.repeat))
        if args.parse:
            result["pandas"].update(run_child("pandas_parse", args.parse, args.repeat))
        found.update(run_child("versions", "pandas", 1))
    if "dask" in sides:
        result["dask"] = {"scheduler": "threads (default)"}
        result["dask"].update(run_child("dask_tutorial", args.tutorial, args.repeat))
        found.update(run_child("versions", "dask", 1))
    result["versions"] = found
    print(json.dumps(result))


if __name__ == "__main__":
    main()
