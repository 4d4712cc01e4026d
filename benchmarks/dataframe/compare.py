#!/usr/bin/python3
"""Tessera's data frames beside pandas 1.5 and Dask 2022.12 on the same files, in one run.

Generates the files (tessera::dataframe::datasets, the same bytes for the same options), runs
each Tessera case in its own process (bench_dataframe: its peak memory is its own) and the
anchors (anchors.py), and prints the ratios. Absolute times on a shared machine are noise; the
ratios measured side by side are the figures.

    /usr/bin/python3 benchmarks/dataframe/compare.py [--build build] [--tutorial-mb 2000]
        [--groupby-rows 10000000] [--dir /tmp/tessera-df] [--repeat 3]
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(command):
    out = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"compare.py: {' '.join(command)} failed (exit {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--tutorial-mb", type=float, default=2000,
                        help="size of the tutorial CSV (about 24 bytes a row)")
    parser.add_argument("--groupby-rows", type=int, default=10_000_000)
    parser.add_argument("--dir", default="/tmp/tessera-df")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bench = os.path.join(args.build, "bin", "bench_dataframe")
    os.makedirs(args.dir, exist_ok=True)
    tutorial = os.path.join(args.dir, f"tutorial-{args.tutorial_mb:g}MB.csv")
    quoted = os.path.join(args.dir, f"tutorial-{args.tutorial_mb:g}MB-quoted.csv")
    groupby = os.path.join(args.dir, f"groupby-{args.groupby_rows}.csv")
    if not os.path.exists(tutorial):
        subprocess.run([bench, "gen-tutorial", tutorial, str(int(args.tutorial_mb * 1e6 / 24.4))],
                       check=True)
    if not os.path.exists(quoted):
        subprocess.run([bench, "gen-quoted", quoted, tutorial], check=True)
    if not os.path.exists(groupby):
        subprocess.run([bench, "gen-groupby", groupby, str(args.groupby_rows), "100"], check=True)

    ts = {}
    ts["parse"] = run_json([bench, "parse", tutorial])
    ts["parse_quoted"] = run_json([bench, "parse", quoted])
    ts["tutorial"] = run_json([bench, "tutorial", tutorial])
    for q in ("q1", "q3", "q5"):
        ts[q] = run_json([bench, q, groupby, str(args.repeat)])
    anchors = run_json([sys.executable, os.path.join(HERE, "anchors.py"), "--tutorial", tutorial,
                        "--groupby", groupby, "--parse", tutorial, "--repeat", str(args.repeat)])
    pandas, dask = anchors["pandas"], anchors["dask"]

    rows = [
        ("typed parse, 1 core (MB/s)", ts["parse"]["mb_per_s"], pandas["parse_mb_per_s"],
         "pandas", ts["parse"]["mb_per_s"] / pandas["parse_mb_per_s"]),
        ("parse with quoted newlines / without", ts["parse_quoted"]["mb_per_s"],
         ts["parse"]["mb_per_s"], "tessera",
         ts["parse_quoted"]["mb_per_s"] / ts["parse"]["mb_per_s"]),
        ("tutorial pipeline (s) vs Dask", ts["tutorial"]["seconds"], dask["tutorial_s"], "dask",
         dask["tutorial_s"] / ts["tutorial"]["seconds"]),
        ("tutorial pipeline (s) vs pandas", ts["tutorial"]["seconds"], pandas["tutorial_s"],
         "pandas", pandas["tutorial_s"] / ts["tutorial"]["seconds"]),
    ]
    for q in ("q1", "q3", "q5"):
        rows.append((f"{q} groupby (s)", ts[q]["seconds"], pandas[f"{q}_s"], "pandas",
                     pandas[f"{q}_s"] / ts[q]["seconds"]))
    print(f"{'case':40} {'tessera':>10} {'anchor':>10} {'':8} {'speedup':>8}")
    for name, mine, theirs, who, ratio in rows:
        print(f"{name:40} {mine:10.3f} {theirs:10.3f} {who:8} {ratio:8.2f}x")
    print(f"peak memory, tutorial pipeline (MB): tessera {ts['tutorial']['peak_mb']:.0f}, "
          f"pandas {pandas['tutorial_peak_mb']:.0f}, dask {dask['tutorial_peak_mb']:.0f}; "
          f"file {os.path.getsize(tutorial) / 1e6:.0f} MB")
    print("JSON " + json.dumps({"tessera": ts, "anchors": anchors}))


if __name__ == "__main__":
    main()
