#!/usr/bin/env python3
"""Measure cohort-table validation and planning against pandas and DuckDB and write the results (called by
bench/cohort/run.sh).

The timing is bench/common.py's: wait for an idle moment before each run, wall time from the clock around
the process, peak RSS from GNU time's %M, the CPU the rest of the machine used meanwhile. Repetitions are
interleaved, tool after tool.
"""
from __future__ import annotations

import datetime
import json
import math
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import (MB, MIB, argument_parser, as_typed, at_best, describe_machine, describe_tdbraze,  # noqa: E402
                    exit_status, fmt, last_json, load_average, measure, other_cpu_lines, problem_lines,
                    publish, repo_relative, save_json, sh, wait_for_quiet)

MAX_IDS_PER_REQUEST = 1000  # tdbraze's default, Braze's maximum
GOAL_THROUGHPUT_RATIO = 15  # issue 25: "at least 15x pandas" (10x before it)
GOAL_DUCKDB_RATIO = 1.5     # issue 25: "at least 1.5x DuckDB's count(DISTINCT) on the same two threads"
DUCKDB_THREADS = 2          # tdbraze's: its reading thread and the one its ids go to (both cores, here)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        return render(Path(sys.argv[2]))
    ap = argument_parser("harness.py --render results/cohort.json: only rewrite the Markdown")
    ap.add_argument("--table", type=Path, required=True, help="the CSV; its .meta.json next to it")
    ap.add_argument("--python", default="/usr/bin/python3", help="the Python with pandas (Debian's)")
    ap.add_argument("--plan-dir", type=Path, required=True, help="where `plan --out` writes (emptied per run)")
    ap.add_argument("--usecols", type=int, default=1, help="also pandas reading only the identifier columns")
    ap.add_argument("--shell-peer", type=int, default=1, help="also cut | sort -u | wc -l")
    ap.add_argument("--perf", type=int, default=1, help="profile one tdbraze validate with perf, when present")
    ap.add_argument("--duckdb", type=int, default=1,
                    help="also DuckDB's count(DISTINCT) of the id columns (bench/node_modules/@duckdb/node-api)")
    args = ap.parse_args()

    load_before = load_average()
    bench = args.bench_dir.resolve()
    repo = bench.parent
    q = shlex.quote
    table = args.table.resolve()
    meta = json.loads(table.with_name(table.name + ".meta.json").read_text())
    size = table.stat().st_size
    if size != meta["bytes"]:
        print(f"{table} has {size} bytes, its .meta.json says {meta['bytes']}: regenerate it", file=sys.stderr)
        return 2
    mu, md_ = meta["user_ids"], meta["device_ids"]
    expected_requests = math.ceil((mu["distinct"] + md_["distinct"]) / MAX_IDS_PER_REQUEST)

    settings = "--cohort-id bench-cohort --format json"
    plan_dir = args.plan_dir
    tools: list[tuple[str, str, str]] = [
        ("validate", "tdbraze validate cohort (the default: duplicates checked on disk for a file this size)",
         f"{{time}} {q(args.tdbraze)} validate cohort {q(str(table))} {settings}"),
        ("validate_memory", "tdbraze validate cohort --dedupe memory",
         f"{{time}} {q(args.tdbraze)} validate cohort {q(str(table))} {settings} --dedupe memory"),
        ("plan", "tdbraze plan cohort --out DIR", f"{{time}} {q(args.tdbraze)} plan cohort {q(str(table))} {settings} "
                                                  f"--created-at 2025-11-24T09:30:00Z --out {q(str(plan_dir))}"),
        ("pandas", "pandas: read_csv + drop_duplicates",
         f"{{time}} {q(args.python)} {q(str(bench / 'cohort' / 'pandas_dedupe.py'))} {q(str(table))}"),
    ]
    if args.usecols:
        tools.append(("pandas_usecols", "pandas, read_csv(usecols=the 2 id columns)",
                      f"{{time}} {q(args.python)} {q(str(bench / 'cohort' / 'pandas_dedupe.py'))} --usecols {q(str(table))}"))
    if args.duckdb:
        tools.append(("duckdb", f"DuckDB: count(DISTINCT) of both id columns from read_csv, {DUCKDB_THREADS} threads",
                      f"{{time}} node {q(str(bench / 'cohort' / 'duckdb_distinct.mjs'))} --threads {DUCKDB_THREADS} "
                      f"{q(str(table))}"))
    if args.shell_peer:
        # One process tree under GNU time: its %M is the largest single process of the tree (here tiny: GNU
        # sort, reading a pipe, sorts in small runs and merges them through temporary files).
        f = q(str(table))
        pipeline = (f"tail -n +2 {f} | cut -d, -f1 | LC_ALL=C sort -u | wc -l; "
                    f"tail -n +2 {f} | cut -d, -f2 | grep -v '^$' | LC_ALL=C sort -u | wc -l")
        tools.append(("sort_u", "shell: cut | sort -u | wc -l (per column)", f"{{time}} bash -c {q(pipeline)}"))

    def shown(cmd: str) -> str:
        return as_typed(cmd, repo, {args.tdbraze: args.tdbraze_origin} if args.tdbraze_origin else {})

    failures: list[str] = []
    runs: dict[str, list[dict]] = {key: [] for key, _, _ in tools}

    def check(key: str, r: dict) -> dict:
        """The tool's counts, checked against what the generator wrote."""
        problem = None
        s: dict = {}
        if key.startswith(("validate", "plan")):
            doc = last_json(r["stdout"])
            s = doc.get("summary", {})
            s = {**s, "diagnostics": [{k: d[k] for k in ("severity", "code", "message")}
                                      for d in doc.get("diagnostics", [])]}
            want = {"rows": meta["rows"], "user_ids": mu["distinct"], "device_ids": md_["distinct"],
                    "duplicates": mu["duplicates"] + md_["duplicates"], "skipped": mu["empty"] + md_["empty"],
                    "requests": expected_requests, "errors": 0}
            wrong = [f"{k} {s.get(k)} (expected {v})" for k, v in want.items() if s.get(k) != v]
            if not doc:
                problem = f"no report (exit {r['status']}): {r['stderr'].strip()[-300:]}"
            elif wrong:
                problem = "counted " + ", ".join(wrong)
            elif r["status"] != 0:
                problem = f"exit status {r['status']}"
            if key == "plan" and not problem:
                out = plan_dir / "requests.jsonl"
                lines = int(sh(f"wc -l < {q(str(out))}") or -1) if out.exists() else -1
                s["plan_bytes"] = out.stat().st_size if out.exists() else None
                s["plan_lines"] = lines
                if lines != expected_requests + 1:
                    problem = f"{out.name} has {lines} lines, expected {expected_requests + 1} (naming call + requests)"
        elif key.startswith("pandas"):
            s = last_json(r["stdout"])
            for col, m in (("user_ids", mu), ("device_ids", md_)):
                got = s.get(col, {})
                for k in ("distinct", "duplicates", "empty"):
                    if got.get(k) != m[k] and not problem:
                        problem = f"{col} {k} {got.get(k)} (expected {m[k]}); exit {r['status']}: {r['stderr'][-300:]}"
        elif key == "duckdb":
            s = last_json(r["stdout"])
            got = (s.get("user_ids", {}).get("distinct"), s.get("device_ids", {}).get("distinct"))
            # tdbraze's own counts of the same round, when its run was right: the two must agree, not only each
            # with the generator.
            told = runs["validate"][-1].get("summary", {}) if runs["validate"] else {}
            if got != (mu["distinct"], md_["distinct"]):
                problem = (f"counted {got} distinct (expected {mu['distinct']}, {md_['distinct']}); "
                           f"exit {r['status']}: {r['stderr'][-300:]}")
            elif told.get("user_ids") is not None and got != (told.get("user_ids"), told.get("device_ids")):
                problem = f"counted {got} distinct where tdbraze validate reported {told.get('user_ids')}, " \
                          f"{told.get('device_ids')}"
            elif s.get("threads") != DUCKDB_THREADS:
                problem = f"ran on {s.get('threads')} threads, not {DUCKDB_THREADS}"
        elif key == "sort_u":
            nums = r["stdout"].split()
            s = {"user_ids": int(nums[0]) if len(nums) > 0 else None,
                 "device_ids": int(nums[1]) if len(nums) > 1 else None}
            if (s["user_ids"], s["device_ids"]) != (mu["distinct"], md_["distinct"]):
                problem = f"counted {s} (expected {mu['distinct']}, {md_['distinct']}): {r['stderr'][-300:]}"
        if problem:
            failures.append(f"{key}: {problem}")
            print(f"  !! {key}: {problem}", file=sys.stderr)
        return s

    # The table is read from the page cache by every run: one read first, so the first run is not the only one
    # that pays for the disk.
    sh(f"cat {q(str(table))} > /dev/null")
    print(f"cohort: {table.name} ({fmt(size / MB)} MB, {meta['rows']:,} rows), best of {args.reps}", file=sys.stderr)
    for rep in range(args.reps):
        for key, label, cmd in tools:
            shutil.rmtree(plan_dir, ignore_errors=True)
            r = measure(cmd, args.quiet_wait)
            s = check(key, r)
            r["summary"] = s
            runs[key].append(r)
            shutil.rmtree(plan_dir, ignore_errors=True)
            print(f"  run {rep + 1} {key:15s} {r['wall']:7.3f} s  {r['rss_mib']:8.1f} MiB"
                  f"  (other CPU meanwhile {r['other_cpu_seconds']:.2f} s, busy before {r['busy_before']})",
                  file=sys.stderr)

    results_tools = {}
    for key, label, cmd in tools:
        best = min(runs[key], key=lambda r: r["wall"])
        entry = {
            "label": label,
            "command": shown(cmd),
            "wall_seconds": [round(r["wall"], 3) for r in runs[key]],
            "cpu_seconds": [r["cpu_seconds"] for r in runs[key]],
            "other_cpu_seconds": [r["other_cpu_seconds"] for r in runs[key]],
            "busy_before": [r["busy_before"] for r in runs[key]],
            "best_seconds": round(best["wall"], 3),
            "mb_per_s": round(size / MB / best["wall"], 1),
            "rows_per_s": round(meta["rows"] / best["wall"]),
            "peak_rss_mib": round(max(r["rss_mib"] for r in runs[key]), 1),
        }
        s = best["summary"]
        if key.startswith("pandas"):
            entry.update({k: s.get(k) for k in ("import_seconds", "read_seconds", "dedupe_seconds", "pandas")})
        if key.startswith(("validate", "plan")):
            entry["report"] = s
        if key == "duckdb":
            entry.update({"duckdb": s.get("duckdb"), "threads": s.get("threads"), "load_seconds": s.get("load_seconds"),
                          "query_seconds": s.get("seconds"), "user_ids": s.get("user_ids", {}).get("distinct"),
                          "device_ids": s.get("device_ids", {}).get("distinct")})
        results_tools[key] = entry

    # The floor of tdbraze's RSS: a run that does nothing maps the program and its libraries.
    idle = measure(f"{{time}} {q(args.tdbraze)} --version", 0)
    distinct_mib = meta["distinct_id_bytes"] / MIB
    v, p, pd_ = results_tools["validate"], results_tools["plan"], results_tools["pandas"]
    ratios = {
        "validate_over_pandas_throughput": round(v["mb_per_s"] / pd_["mb_per_s"], 2),
        "plan_over_pandas_throughput": round(p["mb_per_s"] / pd_["mb_per_s"], 2),
        "validate_over_pandas_memory": round(v["peak_rss_mib"] / pd_["peak_rss_mib"], 3),
        "plan_over_pandas_memory": round(p["peak_rss_mib"] / pd_["peak_rss_mib"], 3),
        "validate_rss_over_distinct_ids": round(v["peak_rss_mib"] / distinct_mib, 2),
        "plan_rss_over_distinct_ids": round(p["peak_rss_mib"] / distinct_mib, 2),
    }
    if "pandas_usecols" in results_tools:
        ratios["validate_over_pandas_usecols_throughput"] = round(
            v["mb_per_s"] / results_tools["pandas_usecols"]["mb_per_s"], 2)
    if "duckdb" in results_tools:
        dk = results_tools["duckdb"]
        ratios["validate_over_duckdb_throughput"] = round(v["mb_per_s"] / dk["mb_per_s"], 2)
        ratios["plan_over_duckdb_throughput"] = round(p["mb_per_s"] / dk["mb_per_s"], 2)
        ratios["validate_over_duckdb_memory"] = round(v["peak_rss_mib"] / dk["peak_rss_mib"], 3)
    if "sort_u" in results_tools:
        ratios["validate_over_sort_u_throughput"] = round(v["mb_per_s"] / results_tools["sort_u"]["mb_per_s"], 2)
    goal = {
        "throughput": f"at least {GOAL_THROUGHPUT_RATIO}x pandas (read_csv + drop_duplicates)",
        "memory": "peak RSS no more than the distinct ids need (the sum of their bytes)",
        "throughput_met": min(ratios["validate_over_pandas_throughput"],
                              ratios["plan_over_pandas_throughput"]) >= GOAL_THROUGHPUT_RATIO,
        "memory_met": max(v["peak_rss_mib"], p["peak_rss_mib"]) <= distinct_mib,
    }
    if "validate_over_duckdb_throughput" in ratios:
        goal["duckdb"] = (f"at least {GOAL_DUCKDB_RATIO}x DuckDB's count(DISTINCT) of the two id columns from "
                          f"read_csv, {DUCKDB_THREADS} threads")
        goal["duckdb_met"] = min(ratios["validate_over_duckdb_throughput"],
                                 ratios["plan_over_duckdb_throughput"]) >= GOAL_DUCKDB_RATIO

    profile = profile_validate(args, table, settings) if args.perf else None

    results = {
        "benchmark": "cohort",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": describe_machine(load_before),
        "software": {
            **describe_tdbraze(args.tdbraze, args.tdbraze_origin, repo),
            "commit": sh("git rev-parse HEAD", cwd=repo),
            "pandas": pd_.get("pandas"),
            "python_for_pandas": sh(f"{q(args.python)} --version"),
            "numpy": sh(f"{q(args.python)} -c 'import numpy; print(numpy.__version__)'"),
            "sort": sh("sort --version | head -1"),
            "duckdb": results_tools.get("duckdb", {}).get("duckdb"),
        },
        "table": {"file": repo_relative(table, repo),
                  "bytes": size, "rows": meta["rows"], "columns": meta["columns"],
                  "user_ids": mu, "device_ids": md_, "distinct_id_bytes": meta["distinct_id_bytes"],
                  "distinct_id_mib": round(distinct_mib, 1), "generator": meta["generator"],
                  "expected_requests": expected_requests},
        "units": {"throughput": "MB/s, 1 MB = 10^6 bytes of input, best wall time of the repetitions (start-up "
                                "included); rows/s likewise",
                  "memory": "peak resident set size in MiB (GNU time %M), largest of the repetitions; for the "
                            "shell pipeline the largest single process"},
        "repetitions": args.reps,
        "tools": results_tools,
        "tdbraze_idle_rss_mib": round(idle["rss_mib"], 1),
        "ratios": ratios,
        "goal": goal,
        "profile": profile,
        "problems": failures,
    }
    out_dir = bench / "results"
    out_dir.mkdir(exist_ok=True)
    save_json(out_dir / "cohort.json", results)
    publish(out_dir, "cohort", markdown(results))
    return exit_status(failures)


def profile_validate(args, table: Path, settings: str) -> dict | None:
    """Where `validate` spends its time: perf's self time per function over one run."""
    if not shutil.which("perf"):
        return None
    data = args.plan_dir.with_name("cohort-perf.data")
    wait_for_quiet(args.quiet_wait)
    rec = subprocess.run(["perf", "record", "-F", "499", "-o", str(data), "--", args.tdbraze, "validate", "cohort",
                          str(table), *shlex.split(settings)], capture_output=True, text=True)
    if rec.returncode not in (0, 1) or not data.exists():
        return {"error": rec.stderr[-500:]}
    rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio", "--sort", "symbol"],
                         capture_output=True, text=True)
    data.unlink(missing_ok=True)
    Path(str(data) + ".old").unlink(missing_ok=True)
    top = []
    for line in rep.stdout.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+\[([.k])\]\s+(.*?)\s*$", line)
        if m and float(m.group(1)) >= 0.5:
            top.append({"percent": float(m.group(1)), "symbol": m.group(3).split("  ")[0],
                        "kernel": m.group(2) == "k"})
    return {"how": "perf record -F 499 of one `tdbraze validate cohort` run; self time per symbol, >= 0.5%",
            "top": top[:25]}


def render(results_json: Path) -> int:
    publish(results_json.parent, "cohort", markdown(json.loads(results_json.read_text())))
    return 0


def markdown(r: dict) -> str:
    t, tb, ra, g = r["tools"], r["table"], r["ratios"], r["goal"]
    v = t["validate"]
    sw = r["software"]
    lines = [
        f"Cohort table, {fmt(tb['bytes'] / MB)} MB of CSV, {tb['rows']:,} rows (`user_ids`, `device_ids` and 3 "
        f"ignored columns), best of {r['repetitions']}; {r['machine']['cpu']} ({r['machine']['cores']} cores), "
        f"{sw['tdbraze']} ({sw['repository']}, binary {sw['tdbraze_binary_sha256']}), pandas {sw['pandas']} "
        f"({sw['python_for_pandas']}), {r['date'][:10]}.",
        "",
        "| tool | MB/s | rows/s | peak RSS (MiB) | wall (s) | CPU (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, e in t.items():
        cpu = at_best(e, "cpu_seconds")
        lines.append(f"| {e['label'].replace('|', chr(92) + '|')} | {fmt(e['mb_per_s'])} | {e['rows_per_s']:,} | "
                     f"{fmt(e['peak_rss_mib'])} | {e['best_seconds']:.2f} | {cpu:.2f} |")
    pd_ = t["pandas"]
    lines += [
        "",
        f"tdbraze / pandas: **{ra['validate_over_pandas_throughput']}x** the throughput for `validate`, "
        f"**{ra['plan_over_pandas_throughput']}x** for `plan` (which also writes "
        f"{fmt((t['plan']['report'].get('plan_bytes') or 0) / MB)} MB of requests); "
        f"**{ra['validate_over_pandas_memory']}x** the peak memory. "
        f"pandas spends {pd_['read_seconds']:.1f} s in read_csv and {pd_['dedupe_seconds']:.1f} s in "
        f"dropna + drop_duplicates.",
    ]
    if "validate_over_pandas_usecols_throughput" in ra:
        lines.append(f"Against pandas reading only the two id columns: {ra['validate_over_pandas_usecols_throughput']}x"
                     + (f"; against `sort -u`: {ra['validate_over_sort_u_throughput']}x."
                        if "validate_over_sort_u_throughput" in ra else "."))
    if "validate_over_duckdb_throughput" in ra:
        dk = t["duckdb"]
        lines.append(f"Against DuckDB ({dk['duckdb']}, `SELECT count(DISTINCT user_ids), count(DISTINCT device_ids) "
                     f"FROM read_csv(...)` on {dk['threads']} threads, from Node): "
                     f"**{ra['validate_over_duckdb_throughput']}x** for `validate`, "
                     f"**{ra['plan_over_duckdb_throughput']}x** for `plan`; the query alone took "
                     f"{dk['query_seconds']:.2f} s of DuckDB's {dk['best_seconds']:.2f} s "
                     f"({fmt(tb['bytes'] / MB / dk['query_seconds'])} MB/s), and it found the same distinct counts "
                     f"as tdbraze.")
    lines += [
        "",
        f"Distinct ids: {tb['user_ids']['distinct']:,} user ids and {tb['device_ids']['distinct']:,} device ids, "
        f"{fmt(tb['distinct_id_bytes'] / MB)} MB ({fmt(tb['distinct_id_mib'])} MiB) of id bytes; tdbraze's peak RSS "
        f"is {ra['validate_rss_over_distinct_ids']}x that (`validate`), {ra['plan_rss_over_distinct_ids']}x (`plan`); "
        f"`tdbraze --version` alone is {fmt(r['tdbraze_idle_rss_mib'])} MiB.",
        "",
        f"With the duplicate check in memory (`--dedupe memory`, one read of the file): "
        f"{fmt(t['validate_memory']['mb_per_s'])} MB/s, {fmt(t['validate_memory']['peak_rss_mib'])} MiB peak "
        f"({round(t['validate_memory']['peak_rss_mib'] / tb['distinct_id_mib'], 2)}x the distinct ids' bytes); "
        f"on disk (the default above 16 MiB; one read of the file for `validate` and for `plan`): {fmt(v['mb_per_s'])} MB/s, {fmt(v['peak_rss_mib'])} MiB.",
        "",
        f"Goal of the issue: throughput {g['throughput']}, "
        f"**{'met' if g['throughput_met'] else 'missed'}** ({min(ra['validate_over_pandas_throughput'], ra['plan_over_pandas_throughput'])}x); "
        f"peak RSS no more than the distinct ids' {fmt(tb['distinct_id_mib'])} MiB, "
        f"**{'met' if g['memory_met'] else 'missed'}** ({fmt(max(t['validate']['peak_rss_mib'], t['plan']['peak_rss_mib']))} MiB)"
        + (f"; {g['duckdb']}, **{'met' if g['duckdb_met'] else 'missed'}** "
           f"({min(ra['validate_over_duckdb_throughput'], ra['plan_over_duckdb_throughput'])}x)." if "duckdb" in g else "."),
    ]
    diags = t["validate"]["report"].get("diagnostics", [])
    if diags:
        lines += ["", "tdbraze's report on the table: " + "; ".join(
            f"{d['severity']} `{d['code']}` ({d['message']})" for d in diags) + "."]
    prof = r.get("profile") or {}
    if prof.get("top"):
        lines += ["", "Where `validate` spends its time (perf, self time): " + ", ".join(
            f"{e['symbol']} {e['percent']:.0f}%" for e in prof["top"][:8]) + "."]
    noisy = [e["label"] for e in t.values()
             if (other := at_best(e, "other_cpu_seconds")) > 0.5 and other > 0.05 * e["best_seconds"]]
    lines += other_cpu_lines(noisy, "cohort.json") + problem_lines(r["problems"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
