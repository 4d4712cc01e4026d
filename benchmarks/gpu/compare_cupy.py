#!/usr/bin/env python3
"""Tessera's GPU figures side by side with CuPy's, in one run, against the copy bandwidth.

    python3 benchmarks/gpu/compare_cupy.py BUILD/bin/bench_gpu OUT.json [--quick] [--timeout 120]

Runs bench_gpu, then cupy_anchor.py (one after the other, each with a timeout), writes both
results and the ratios to OUT.json and prints a markdown table. Targets are reported, never
enforced: the exit status is 1 only when a program crashed, timed out, printed no JSON or exited
non-zero (bench_gpu does when a correctness check fails), and 0 otherwise (also when CuPy is
unavailable).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

TARGETS = {
    "pi_gsamples": 300.0,     # G samples/s, raw kernel
    "pi_vs_cupy": 5.0,        # x CuPy's fastest variant
    "mean_vs_cupy": 2.0,      # x CuPy including its generation
    "copy_fraction": 0.8,     # p + p.T and its sum, of the copy bandwidth
}


def parse_args():
    ap = argparse.ArgumentParser(description="Tessera GPU benchmarks against CuPy")
    ap.add_argument("bench_gpu", help="path of the bench_gpu program")
    ap.add_argument("out", help="combined JSON to write")
    ap.add_argument("--quick", action="store_true", help="smaller, faster sizes in both programs")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per child program")
    ap.add_argument("--anchor", default=os.path.join(HERE, "cupy_anchor.py"),
                    help="the CuPy anchor script")
    ap.add_argument("--python", default=sys.executable, help="Python that runs the anchor")
    return ap.parse_args()


def parse_json_output(path, stdout):
    """The child's JSON: from its --out file if written, else the object on its stdout."""
    texts = []
    if path and os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path) as f:
            texts.append(f.read())
    texts.append(stdout or "")
    for text in texts:
        try:
            value = json.loads(text)
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
        start = text.find("{")  # tolerate stray lines before the object
        if start >= 0:
            try:
                value = json.loads(text[start:])
                if isinstance(value, dict):
                    return value
            except ValueError:
                pass
    return None


def run_child(name, argv, timeout, out_path):
    """Runs argv; returns a record with status, returncode, seconds, stderr tail and its JSON."""
    record = {"name": name, "argv": argv, "timeout_s": timeout}
    print(f"compare_cupy: running {name}: {' '.join(argv)}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)
    except FileNotFoundError as e:
        record.update(status="not found", crashed=True, message=str(e))
        return record
    except PermissionError as e:
        record.update(status="not executable", crashed=True, message=str(e))
        return record
    except OSError as e:
        record.update(status="cannot start", crashed=True, message=str(e))
        return record
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        record.update(status=f"timed out after {timeout:.0f} s", crashed=True,
                      seconds=time.perf_counter() - t0, stderr_tail=err[-4000:],
                      result=parse_json_output(out_path, out))
        return record
    record["seconds"] = time.perf_counter() - t0
    record["returncode"] = proc.returncode
    record["stderr_tail"] = proc.stderr[-4000:]
    result = parse_json_output(out_path, proc.stdout)
    record["result"] = result
    if proc.returncode < 0:
        record.update(status=f"killed by signal {-proc.returncode}", crashed=True)
    elif proc.returncode != 0:
        record.update(status=f"exit status {proc.returncode}", crashed=True)
    elif result is None:
        record.update(status="no JSON on stdout", crashed=True,
                      stdout_tail=(proc.stdout or "")[-2000:])
    else:
        record.update(status="ok", crashed=False)
    return record


def get(d, *keys, default=None):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return default
        d = d[k]
    return d


def fmt(x, digits=3):
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, (int, float)):
        x = float(x)
        if x == 0:
            return "0"
        if abs(x) >= 100:
            return f"{x:.0f}"
        if abs(x) >= 1e-3:
            return f"{x:.{digits}g}"
        return f"{x:.2e}"
    return str(x)


def ratio(a, b):
    try:
        return a / b if a is not None and b else None
    except (TypeError, ZeroDivisionError):
        return None


def met(value, target):
    return None if value is None else value >= target


def compare(t, c):
    """Rows of the table and the comparison record from bench_gpu (t) and CuPy (c) results."""
    t = t or {}
    c = c or {}
    cupy_ok = isinstance(c.get("cupy"), str) and not c["cupy"].startswith("unavailable")
    rows, record = [], {}
    t_copy = get(t, "copy", "copy_gbps")
    c_copy = get(c, "copy", "copy_gbps")
    rows.append(["D2D copy, GB/s (read+write)", fmt(t_copy), fmt(c_copy), fmt(ratio(t_copy, c_copy)),
                 "reference", "—"])
    record["copy_gbps"] = {"tessera": t_copy, "cupy": c_copy}

    # pi
    t_pi = get(t, "pi_kernel", "gsamples_per_second")
    t_pi_cluster = get(t, "pi_cluster", "gsamples_per_second")
    c_pi = get(c, "pi", "gsamples_per_second")
    c_pi_variant = get(c, "pi", "best_variant")
    pi_speedup = ratio(t_pi, c_pi)
    pi_met = met(t_pi, TARGETS["pi_gsamples"])
    if pi_met is not None and pi_speedup is not None:
        pi_met = pi_met and pi_speedup >= TARGETS["pi_vs_cupy"]
    rows.append(["π raw kernel, G samples/s", fmt(t_pi), fmt(c_pi) + (f" ({c_pi_variant})"
                                                                    if c_pi_variant else ""),
                 fmt(pi_speedup), "≥ 300 and ≥ 5× CuPy", fmt(pi_met)])
    rows.append(["π via LocalCluster (GPU workers), G samples/s", fmt(t_pi_cluster), fmt(c_pi),
                 fmt(ratio(t_pi_cluster, c_pi)), "(same)",
                 fmt(None if t_pi_cluster is None or c_pi is None else
                     t_pi_cluster >= TARGETS["pi_gsamples"]
                     and t_pi_cluster / c_pi >= TARGETS["pi_vs_cupy"])])
    record["pi"] = {"tessera_kernel_gsps": t_pi, "tessera_cluster_gsps": t_pi_cluster,
                    "cupy_gsps": c_pi, "cupy_variant": c_pi_variant,
                    "speedup_kernel": pi_speedup, "speedup_cluster": ratio(t_pi_cluster, c_pi),
                    "target_met_kernel": pi_met}

    # (x + x.T).mean()
    c_mean_s = get(c, "mean", "seconds_best_including_generation")
    c_mean_variant = get(c, "mean", "best_variant_including_generation")
    record["mean"] = {"cupy_seconds_incl_generation": c_mean_s, "cupy_variant": c_mean_variant,
                      "cases": []}
    n = get(t, "mean", "n")
    for case in get(t, "mean", "cases", default=[]) or []:
        ts_s = case.get("wall_seconds_best")
        speedup = ratio(c_mean_s, ts_s)
        rows.append([f"(x + x.T).mean() n={case.get('n')} c={case.get('chunk')}, s",
                     fmt(ts_s), fmt(c_mean_s) + (f" ({c_mean_variant})" if c_mean_variant else ""),
                     fmt(speedup), "≥ 2× CuPy incl. generation",
                     fmt(met(speedup, TARGETS["mean_vs_cupy"]))])
        record["mean"]["cases"].append({"n": case.get("n"), "chunk": case.get("chunk"),
                                        "tessera_seconds": ts_s, "speedup": speedup,
                                        "tessera_value": case.get("value"),
                                        "tasks_by_worker": case.get("tasks_by_worker")})
    if not get(t, "mean", "cases"):
        rows.append([f"(x + x.T).mean() n={n}", "—", fmt(c_mean_s), "—",
                     "≥ 2× CuPy incl. generation", "—"])
    # Values: Tessera's GPU and CPU clusters, and CuPy's cuRAND Philox draw (same seed, same n).
    check = get(t, "mean", "check", default={}) or {}
    t_value = None
    cases = get(t, "mean", "cases", default=[]) or []
    if cases:
        t_value = cases[0].get("value")
    c_value = get(c, "mean", "legacy_philox_first_draw_value")
    same_n = get(c, "mean", "n") == n
    record["mean"]["values"] = {
        "tessera_gpu_full_n": t_value, "cupy_legacy_philox_same_seed": c_value if same_n else None,
        "rel_diff_tessera_vs_cupy_philox": (abs(t_value - c_value) / abs(t_value)
                                            if same_n and t_value and c_value is not None
                                            else None),
        "check_n": check.get("n"), "tessera_gpu_check": check.get("gpu_value"),
        "tessera_cpu_check": check.get("cpu_value"), "rel_diff_gpu_cpu": check.get("rel_diff"),
        "bit_identical_gpu_cpu": check.get("bit_identical")}

    # p + p.T and its sum
    t_eval = get(t, "ppt", "evaluate", "gbps")
    t_eval_f = get(t, "ppt", "evaluate", "fraction_of_copy")
    t_sum = get(t, "ppt", "sum", "gbps")
    t_sum_f = get(t, "ppt", "sum", "fraction_of_copy")
    c_add = get(c, "ppt", "add", "gbps")
    c_sum = get(c, "ppt", "sum", "gbps")
    c_add_f = ratio(c_add, c_copy)
    c_sum_f = ratio(c_sum, c_copy)
    pn = get(t, "ppt", "n")

    def pct(x):
        return "—" if x is None else f"{100 * x:.0f}% of copy"

    rows.append([f"p + p.T n={pn}, GB/s (3n²·8 B)", f"{fmt(t_eval)} ({pct(t_eval_f)})",
                 f"{fmt(c_add)} ({pct(c_add_f)})", fmt(ratio(t_eval, c_add)), "≥ 80% of copy",
                 fmt(met(t_eval_f, TARGETS["copy_fraction"]))])
    rows.append([f"(p + p.T).sum() n={pn}, GB/s (2n²·8 B)", f"{fmt(t_sum)} ({pct(t_sum_f)})",
                 f"{fmt(c_sum)} ({pct(c_sum_f)})", fmt(ratio(t_sum, c_sum)), "≥ 80% of copy",
                 fmt(met(t_sum_f, TARGETS["copy_fraction"]))])
    t_sum_value = get(t, "ppt", "sum", "value")
    c_sum_value = get(c, "ppt", "sum", "value")
    record["ppt"] = {"n_tessera": pn, "n_cupy": get(c, "ppt", "n"),
                     "tessera_evaluate_gbps": t_eval, "tessera_evaluate_fraction": t_eval_f,
                     "tessera_sum_gbps": t_sum, "tessera_sum_fraction": t_sum_f,
                     "cupy_add_gbps": c_add, "cupy_add_fraction": c_add_f,
                     "cupy_sum_gbps": c_sum, "cupy_sum_fraction": c_sum_f,
                     "checked": get(t, "ppt", "checked"),
                     "sum_values": {"tessera": t_sum_value, "cupy": c_sum_value,
                                    "rel_diff": (abs(t_sum_value - c_sum_value) / abs(t_sum_value)
                                                 if pn == get(c, "ppt", "n") and t_sum_value
                                                 and c_sum_value is not None else None)}}
    record["cupy_available"] = cupy_ok
    return rows, record


def markdown(rows, header):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="compare_cupy_") as tmp:
        bench_out = os.path.join(tmp, "bench_gpu.json")
        anchor_out = os.path.join(tmp, "cupy_anchor.json")
        bench_argv = [args.bench_gpu, "--out", bench_out,
                      "--timeout", str(max(10.0, args.timeout - 15))]
        if args.quick:
            bench_argv.append("--quick")
        bench = run_child("bench_gpu", bench_argv, args.timeout, bench_out)
        t = bench.get("result") or {}

        # CuPy at the sizes bench_gpu used (so values and rates compare), else its defaults.
        anchor_argv = [args.python, args.anchor, "--out", anchor_out,
                       "--timeout", str(max(10.0, args.timeout - 15))]
        if args.quick:
            anchor_argv.append("--quick")
        for flag, value in (("--mean-n", get(t, "mean", "n")), ("--p-n", get(t, "ppt", "n")),
                            ("--seed", t.get("seed"))):
            if isinstance(value, int) and value > 0:
                anchor_argv += [flag, str(value)]
        anchor = run_child("cupy_anchor", anchor_argv, args.timeout, anchor_out)

    c = anchor.get("result") or {}
    cupy_unavailable = isinstance(c.get("cupy"), str) and c["cupy"].startswith("unavailable")
    if cupy_unavailable and anchor.get("returncode") == 0:
        anchor["crashed"] = False
    rows, comparison = compare(t, c)
    header = ["workload", "Tessera", "CuPy", "Tessera/CuPy", "target", "met"]
    table = markdown(rows, header)

    problems = []
    for child in (bench, anchor):
        if child.get("crashed"):
            problems.append(f"{child['name']}: {child.get('status')}"
                            + (f" ({child['message']})" if child.get("message") else ""))
        for e in get(child, "result", "errors", default=[]) or []:
            problems.append(f"{child['name']} [{e.get('section')}]: "
                            f"{str(e.get('message')).splitlines()[0] if e.get('message') else ''}")

    combined = {"bench_gpu": bench, "cupy_anchor": anchor, "comparison": comparison,
                "targets": TARGETS, "table_markdown": table, "problems": problems,
                "device": get(t, "device", "name") or get(c, "device", "name")}
    try:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump(combined, f, indent=2, default=str)
            f.write("\n")
    except OSError as e:
        print(f"compare_cupy: cannot write {args.out}: {e}", file=sys.stderr)
        return 1

    print(f"## Tessera vs CuPy on {combined['device'] or 'an unknown device'}"
          f"{' (--quick)' if args.quick else ''}\n")
    print(table)
    print()
    print("Speedups are Tessera rate / CuPy rate (or CuPy seconds / Tessera seconds). "
          "Copy bandwidth counts bytes read + written; each side's fraction is of its own copy "
          "measurement. Targets are reported, not enforced.")
    if cupy_unavailable:
        print(f"\nCuPy: {c['cupy']}")
    v = comparison.get("mean", {}).get("values", {})
    if v.get("tessera_cpu_check") is not None or v.get("tessera_gpu_check") is not None:
        print(f"\n(x + x.T).mean() at n={v.get('check_n')}: GPU {v.get('tessera_gpu_check')!r}, "
              f"CPU {v.get('tessera_cpu_check')!r}, relative difference "
              f"{fmt(v.get('rel_diff_gpu_cpu'))}, bit-identical {fmt(v.get('bit_identical_gpu_cpu'))}")
    if v.get("cupy_legacy_philox_same_seed") is not None:
        print(f"Same seed in CuPy's cuRAND Philox generator: {v['cupy_legacy_philox_same_seed']!r} "
              f"vs Tessera {v.get('tessera_gpu_full_n')!r} (relative difference "
              f"{fmt(v.get('rel_diff_tessera_vs_cupy_philox'))}; informational)")
    ppt = comparison.get("ppt", {})
    if ppt.get("checked") is not None:
        print(f"p + p.T kernel results checked against the host: {fmt(ppt.get('checked'))}")
    for child in (bench, anchor):
        print(f"\n{child['name']}: {child.get('status')}"
              + (f" in {child['seconds']:.1f} s" if "seconds" in child else ""))
    if problems:
        print("\nProblems:")
        for p in problems:
            print(f"- {p}")
    print(f"\nCombined JSON: {args.out}")
    crashed = [c_["name"] for c_ in (bench, anchor) if c_.get("crashed")]
    if crashed:
        print(f"compare_cupy: FAILED: {', '.join(crashed)} did not finish cleanly "
              "(see Problems above and stderr_tail in the JSON)", file=sys.stderr)
        for child in (bench, anchor):
            if child.get("crashed") and child.get("stderr_tail"):
                print(f"--- {child['name']} stderr (tail) ---\n{child['stderr_tail'][-1500:]}",
                      file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
