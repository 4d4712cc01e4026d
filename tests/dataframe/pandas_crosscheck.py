#!/usr/bin/python3
"""Compares Tessera's dataframe results (written by dataframe_crosscheck) with pandas'.

    pandas_crosscheck.py BUILD/bin/dataframe_crosscheck DIR

Integers must match exactly. Floats within rtol 1e-11: sums over at most 2e4 values of one sign
in another order differ by at most n * eps = 2e4 * 1.1e-16 = 2.2e-12 relative (recursive
summation), doubled for the moments' update formulas; anything beyond is a real difference.
"""
import os
import subprocess
import sys

import numpy as np
import pandas as pd

RTOL = 1e-11


def compare(name, ours, theirs):
    ours = ours.sort_index()
    theirs = theirs.sort_index()
    if list(ours.columns) != list(theirs.columns):
        sys.exit(f"{name}: columns {list(ours.columns)} != pandas {list(theirs.columns)}")
    if len(ours) != len(theirs):
        sys.exit(f"{name}: {len(ours)} rows, pandas has {len(theirs)}")
    for level in range(ours.index.nlevels):
        a = np.asarray(ours.index.get_level_values(level))
        b = np.asarray(theirs.index.get_level_values(level))
        if a.dtype.kind in "fi" and b.dtype.kind in "fi":
            ok = np.array_equal(a.astype(float), b.astype(float))
        else:
            ok = list(map(str, a)) == list(map(str, b))
        if not ok:
            sys.exit(f"{name}: index level {level} differs from pandas")
    for column in ours.columns:
        a, b = ours[column].to_numpy(), theirs[column].to_numpy()
        if a.dtype.kind in "fiub" and b.dtype.kind in "fiub":
            a, b = a.astype(float), b.astype(float)
            exact = ours[column].dtype.kind in "iub" and theirs[column].dtype.kind in "iub"
            ok = np.array_equal(a, b, equal_nan=True) if exact else np.allclose(
                a, b, rtol=RTOL, atol=0, equal_nan=True)
            if not ok:
                bad = np.flatnonzero(~np.isclose(a, b, rtol=RTOL, atol=0, equal_nan=True))[:5]
                sys.exit(f"{name}.{column}: differs from pandas at rows {bad}: "
                         f"{a[bad]} vs {b[bad]}")
        elif list(map(str, a)) != list(map(str, b)):
            sys.exit(f"{name}.{column}: strings differ from pandas")
    print(f"{name}: {len(ours)} rows match pandas")


def main():
    binary, directory = sys.argv[1], sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    subprocess.run([binary, directory], check=True)
    g = pd.read_csv(os.path.join(directory, "groupby.csv"))
    t = pd.read_csv(os.path.join(directory, "tutorial.csv"))

    def ours(name, keys):
        return pd.read_csv(os.path.join(directory, name + ".csv"), index_col=keys)

    numeric = ["id4", "id5", "id6", "v1", "v2", "v3"]
    cases = {
        "tutorial_mean": (["category"], t[t["column"] > 10].groupby("category").mean()),
        "sum_id1": (["id1"], g.groupby("id1").agg({"v1": "sum", "v3": "sum"})),
        "count_id2": (["id2"], g.groupby("id2").count()),
        "min_id4": (["id4"], g[["id4", "v1", "v3"]].groupby("id4").min()),
        "max_id4": (["id4"], g[["id4", "v1", "v3"]].groupby("id4").max()),
        "std_var_id5": (["id5"], g.groupby("id5").agg({"v3": "std", "v1": "var"})),
        "size_id1_id4": (["id1", "id4"], g.groupby(["id1", "id4"]).size().rename("size")
                         .to_frame()),
        "mean_id6": (["id6"], g.groupby("id6")[[c for c in numeric if c != "id6"]].mean()),
        "filtered_sum_id2": (["id2"], g[((g["v1"] > 2) & ~(g["id1"] == "id001")) |
                                        (g["v3"] < 10.0)].groupby("id2").agg({"v2": "sum"})),
        "filtered_rows": (None, g[(g["v2"] * 2 - g["v1"] >= 20) &
                                  (g["id3"] != "id0000000001")].reset_index(drop=True)),
    }
    for name, (keys, expected) in cases.items():
        mine = ours(name, list(range(len(keys))) if keys else None)
        compare(name, mine, expected)


if __name__ == "__main__":
    main()
