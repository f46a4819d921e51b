#!/usr/bin/env python3
"""Measure Currents validators on the same payload and write the results (called by bench/currents/run.sh).

The timing is bench/common.py's. Repetitions are interleaved, tool after tool, so that a burst of background
load hits every tool alike rather than all runs of one.
"""
from __future__ import annotations

import datetime
import json
import platform
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import chart  # noqa: E402  (bench/chart.py)
from common import (MB, argument_parser, as_typed, at_best, describe_machine, describe_tdbraze,  # noqa: E402
                    exit_status, fmt, last_json, load_average, measure, other_cpu_lines, problem_lines,
                    publish, repo_relative, save_json, sh)

RSS_BUDGET_MIB = 64
GOAL_WASM_OVER_NATIVE = 0.6  # issue 25: WebAssembly in Chromium at least 0.6x native on one thread (0.5x before)


def summary_of(stdout: str) -> dict:
    """The last JSON object a tool printed: tdbraze's report, or the Node scripts' summary line."""
    doc = last_json(stdout)
    if "summary" in doc:  # tdbraze --format json
        s = doc["summary"]
        return {"events": s["events"], "errors": s["errors"], "warnings": s.get("warnings", 0),
                "codes": sorted({d["code"] for d in doc.get("diagnostics", [])})}
    return doc


def render(results_json: Path) -> int:
    """Rewrites currents.md and the README's numbers from a results file, without measuring again."""
    results = json.loads(results_json.read_text())
    publish(results_json.parent, "currents", markdown(results), svg(results))
    return 0


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        return render(Path(sys.argv[2]))
    ap = argument_parser("harness.py --render results/currents.json: only rewrite the Markdown")
    ap.add_argument("--site-origin", help="where the --site copy came from, for the results")
    ap.add_argument("--payload", type=Path, required=True)
    ap.add_argument("--envelope", type=Path, help="the same kind of events as one pretty-printed envelope")
    ap.add_argument("--schema", type=Path, required=True)
    ap.add_argument("--schema-strict", type=Path)
    ap.add_argument("--site", type=Path, help="the WebAssembly build (tdbraze.js + tdbraze.wasm)")
    ap.add_argument("--chromium", type=int, default=0,
                    help="also the WebAssembly build in Chromium, in the page's Worker (needs worker.js in --site)")
    ap.add_argument("--now", type=int, required=True)
    ap.add_argument("--copies", type=int, default=5, help="the payload this many times in a row, for memory")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--simdjson", help="bench/currents/simdjson_parse.cpp built: simdjson's DOM parse, one thread")
    args = ap.parse_args()

    load_before = load_average()
    bench = args.bench_dir.resolve()
    repo = bench.parent
    q = shlex.quote
    node_ajv = f"node {q(str(bench / 'currents' / 'ajv_validate.mjs'))}"
    node_wasm = f"node {q(str(bench / 'currents' / 'wasm_validate.mjs'))}"
    node_chromium = f"node {q(str(bench / 'currents' / 'chromium_validate.mjs'))}"
    tdbraze = f"{q(args.tdbraze)} validate currents --format json --now {args.now}"
    # Native validation may run on several threads (`--threads N`, all cores by default); the WebAssembly goal is
    # against native on one thread, so a CLI that has the option is also measured with `--threads 1`. One without
    # it runs on one thread already.
    threads_option = "--threads" in sh(f"{tdbraze} --help")

    def tools_for(path: str, one_document: bool = False) -> list[tuple[str, str, str]]:
        """(key, label, command) of every tool, reading `path` ('-' for standard input); `one_document`: the
        file is one JSON document rather than JSON Lines."""
        out = [("tdbraze", "tdbraze (native CLI, default threads)" if threads_option else "tdbraze (native CLI)",
                f"{{time}} {tdbraze} {path}")]
        if threads_option:
            out.append(("tdbraze_1thread", "tdbraze --threads 1", f"{{time}} {tdbraze} --threads 1 {path}"))
        out += [
            ("tdbraze_strict", "tdbraze --strict", f"{{time}} {tdbraze} --strict {path}"),
            ("ajv", "Node + JSON.parse + ajv", f"{{time}} {node_ajv} --schema {q(str(args.schema))} {path}"),
        ]
        if args.simdjson and path != "-":
            # It loads the whole file first (padded_string::load), so a pipe is not what it reads.
            out.append(("simdjson", "simdjson DOM parse, one thread (parse only, no validation)",
                        f"{{time}} {q(args.simdjson)} {'' if one_document else '--many '}{path}"))
        out.append(("parse_only", "Node + JSON.parse only (no validation)", f"{{time}} {node_ajv} --parse-only {path}"))
        if args.schema_strict:
            out.append(("ajv_strict", "Node + JSON.parse + ajv, strict schema",
                        f"{{time}} {node_ajv} --schema {q(str(args.schema_strict))} {path}"))
        if args.site:
            out.append(("wasm", "tdbraze WebAssembly in Node",
                        f"{{time}} {node_wasm} --site {q(str(args.site))} --now {args.now} {path}"))
        if args.site and args.chromium and path != "-":
            out.append(("wasm_chromium", "tdbraze WebAssembly in Chromium (the page's Worker)",
                        f"{{time}} {node_chromium} --site {q(str(args.site))} --now {args.now} {path}"))
        return out

    def shown(cmd: str) -> str:
        originals = {args.tdbraze: args.tdbraze_origin}
        if args.site:
            originals[str(args.site)] = args.site_origin
        return as_typed(cmd, repo, {copy: o for copy, o in originals.items() if o})

    payload_bytes = args.payload.stat().st_size
    failures: list[str] = []

    def check(key: str, result: dict, expected_events: int | None, where: str) -> dict:
        s = summary_of(result["stdout"])
        result["summary"] = s
        problem = None
        if not s:
            problem = f"no summary (exit {result['status']}): {result['stderr'].strip()[-300:]}"
        elif s.get("errors", 0) != 0:
            problem = f"{s['errors']} errors reported ({', '.join(s.get('codes', [])) or 'see its output'})"
        elif expected_events is not None and s.get("events") != expected_events:
            problem = f"counted {s.get('events')} events, expected {expected_events}"
        elif result["status"] != 0:
            problem = f"exit status {result['status']}"
        if problem:
            failures.append(f"{key} on {where}: {problem}")
            print(f"  !! {key} on {where}: {problem}", file=sys.stderr)
        return s

    # --- throughput: the payload file, best of N --------------------------------------------------------
    print(f"throughput: {args.payload.name} ({fmt(payload_bytes / MB)} MB), best of {args.reps}", file=sys.stderr)
    tools = tools_for(q(str(args.payload)))
    runs: dict[str, list[dict]] = {key: [] for key, _, _ in tools}
    expected = None
    for rep in range(args.reps):
        for key, label, cmd in tools:
            r = measure(cmd, args.quiet_wait)
            s = check(key, r, expected, args.payload.name)
            if expected is None and key == "tdbraze" and s:
                expected = s.get("events")
            runs[key].append(r)
            print(f"  run {rep + 1} {key:15s} {r['wall']:7.3f} s  {r['rss_mib']:7.1f} MiB"
                  f"  (other CPU meanwhile {r['other_cpu_seconds']:.2f} s)", file=sys.stderr)

    throughput = {}
    for key, label, cmd in tools:
        if key == "wasm_chromium":
            throughput[key] = chromium_entry(label, shown(cmd.replace("{time} ", "")), runs[key], payload_bytes)
            continue
        best = min(runs[key], key=lambda r: r["wall"])
        entry = {
            "label": label,
            "command": shown(cmd.replace("{time} ", "")),
            "wall_seconds": [round(r["wall"], 4) for r in runs[key]],
            "cpu_seconds": [r["cpu_seconds"] for r in runs[key]],
            "other_cpu_seconds": [r["other_cpu_seconds"] for r in runs[key]],
            "best_seconds": round(best["wall"], 4),
            "mb_per_s": round(payload_bytes / MB / best["wall"], 1),
            "peak_rss_mib": round(max(r["rss_mib"] for r in runs[key]), 1),
            "events": best["summary"].get("events"),
            "errors": best["summary"].get("errors"),
        }
        if "seconds" in best["summary"]:
            # The Node scripts time their own loop: without Node's start-up, ajv's schema compilation and
            # the module instantiation, what a long-running service would see.
            inner = best["summary"]["seconds"]
            entry["in_process_seconds"] = inner
            entry["in_process_mb_per_s"] = round(payload_bytes / MB / inner, 1) if inner > 0 else None
        for extra in ("compile_seconds", "load_seconds", "parse_seconds", "implementation", "simdjson"):
            if extra in best["summary"]:
                entry[extra] = best["summary"][extra]
        throughput[key] = entry

    # --- memory: a much larger input through a pipe -----------------------------------------------------
    big_bytes = payload_bytes * args.copies
    cat = "cat " + " ".join([q(str(args.payload))] * args.copies)
    print(f"memory: {args.copies} x {args.payload.name} through a pipe ({fmt(big_bytes / MB)} MB)", file=sys.stderr)
    large = {}
    for key, label, cmd in tools_for("-"):
        if key in ("tdbraze_strict", "tdbraze_1thread", "ajv_strict", "parse_only", "wasm_chromium"):
            continue  # they read and hold input as the tools they vary do: one run each tells enough
        r = measure(f"{cat} | {cmd}", args.quiet_wait)
        s = check(key, r, expected * args.copies if expected else None, f"{args.copies} x payload")
        large[key] = {"label": label, "seconds": round(r["wall"], 3), "mb_per_s": round(big_bytes / MB / r["wall"], 1),
                      "peak_rss_mib": round(r["rss_mib"], 1), "events": s.get("events"), "errors": s.get("errors"),
                      "other_cpu_seconds": r["other_cpu_seconds"]}
        print(f"  {key:15s} {r['wall']:7.3f} s  {r['rss_mib']:7.1f} MiB", file=sys.stderr)

    # --- one big envelope: JSON.parse has to hold all of it ---------------------------------------------
    envelope = {}
    if args.envelope and args.envelope.exists():
        env_bytes = args.envelope.stat().st_size
        print(f"one envelope: {args.envelope.name} ({fmt(env_bytes / MB)} MB)", file=sys.stderr)
        # strict fails a 100-event-plus batch by design; parsing alone is not validation; the browser is
        # measured once, on the payload, as the page's users give it files
        envelope_tools = [(key, label, cmd) for key, label, cmd in tools_for(q(str(args.envelope)), one_document=True)
                          if key not in ("tdbraze_strict", "ajv_strict", "parse_only", "wasm_chromium")]
        # The goal's two sides (tdbraze against simdjson) get the repetitions, interleaved, best of them: a
        # fraction of a second each, where one run alone is at the mercy of the machine. The others run once.
        repeated = ("tdbraze", "tdbraze_1thread", "simdjson")
        for rep in range(args.reps):
            for key, label, cmd in envelope_tools:
                if rep > 0 and key not in repeated:
                    continue
                r = measure(cmd, args.quiet_wait)
                s = check(key, r, None, args.envelope.name)
                print(f"  run {rep + 1} {key:15s} {r['wall']:7.3f} s  {r['rss_mib']:7.1f} MiB"
                      f"  (other CPU meanwhile {r['other_cpu_seconds']:.2f} s)", file=sys.stderr)
                previous = envelope.get(key)
                runs_so_far = (previous or {}).get("runs", 0) + 1
                peak = max(r["rss_mib"], (previous or {}).get("peak_rss_mib", 0))
                if previous and previous["seconds"] <= r["wall"]:
                    previous.update({"runs": runs_so_far, "peak_rss_mib": round(peak, 1)})
                    continue
                envelope[key] = {"label": label, "bytes": env_bytes, "seconds": round(r["wall"], 3),
                                 "mb_per_s": round(env_bytes / MB / r["wall"], 1), "peak_rss_mib": round(peak, 1),
                                 "events": s.get("events"), "errors": s.get("errors"),
                                 "warnings": s.get("warnings"), "codes": s.get("codes"),
                                 "other_cpu_seconds": r["other_cpu_seconds"], "runs": runs_so_far}
                if "parse_seconds" in s:
                    envelope[key].update({k: s[k] for k in ("load_seconds", "parse_seconds")})

    t, a = throughput["tdbraze"], throughput["ajv"]
    ratios = {
        "throughput_tdbraze_over_ajv": round(t["mb_per_s"] / a["mb_per_s"], 2),
        "throughput_tdbraze_over_ajv_in_process": round(t["mb_per_s"] / a["in_process_mb_per_s"], 2)
        if a.get("in_process_mb_per_s") else None,
        "memory_tdbraze_over_ajv": round(t["peak_rss_mib"] / a["peak_rss_mib"], 3),
    }
    if "ajv_strict" in throughput:
        ratios["throughput_tdbraze_strict_over_ajv_strict"] = round(
            throughput["tdbraze_strict"]["mb_per_s"] / throughput["ajv_strict"]["mb_per_s"], 2)
    if "parse_only" in throughput:
        ratios["throughput_tdbraze_over_parse_only"] = round(t["mb_per_s"] / throughput["parse_only"]["mb_per_s"], 2)
    # Native on one thread: what WebAssembly (one thread in the page's Worker) is measured against.
    single = throughput.get("tdbraze_1thread", t)
    if "tdbraze_1thread" in throughput:
        ratios["throughput_tdbraze_over_tdbraze_1thread"] = round(t["mb_per_s"] / single["mb_per_s"], 2)
    if throughput.get("simdjson", {}).get("mb_per_s"):
        sj = throughput["simdjson"]["mb_per_s"]
        ratios["throughput_tdbraze_over_simdjson"] = round(t["mb_per_s"] / sj, 3)
        ratios["throughput_tdbraze_1thread_over_simdjson"] = round(single["mb_per_s"] / sj, 3)
    if envelope.get("simdjson") and envelope.get("tdbraze"):
        ratios["envelope_tdbraze_over_simdjson"] = round(envelope["tdbraze"]["mb_per_s"] /
                                                         envelope["simdjson"]["mb_per_s"], 3)
        if "tdbraze_1thread" in envelope:
            ratios["envelope_tdbraze_1thread_over_simdjson"] = round(envelope["tdbraze_1thread"]["mb_per_s"] /
                                                                     envelope["simdjson"]["mb_per_s"], 3)
    if "wasm" in throughput:
        ratios["throughput_wasm_over_native"] = round(throughput["wasm"]["mb_per_s"] / t["mb_per_s"], 3)
        ratios["throughput_wasm_over_native_1thread"] = round(throughput["wasm"]["mb_per_s"] / single["mb_per_s"], 3)
        ratios["throughput_wasm_over_ajv"] = round(throughput["wasm"]["mb_per_s"] / a["mb_per_s"], 2)
    if throughput.get("wasm_chromium", {}).get("mb_per_s"):
        c = throughput["wasm_chromium"]
        ratios["throughput_chromium_over_native"] = round(c["mb_per_s"] / t["mb_per_s"], 3)
        ratios["throughput_chromium_feeding_over_native"] = round(c["in_process_mb_per_s"] / t["mb_per_s"], 3)
        ratios["throughput_chromium_over_ajv"] = round(c["mb_per_s"] / a["mb_per_s"], 2)
        ratios["throughput_chromium_over_native_1thread"] = round(c["mb_per_s"] / single["mb_per_s"], 3)
    ratios["goal_wasm_over_native"] = GOAL_WASM_OVER_NATIVE
    # "Under 64 MiB for any input size": the largest of every native run that validates (strict included).
    native_rss = [e["peak_rss_mib"] for k, e in throughput.items() if k.startswith("tdbraze")]
    native_rss += [e["peak_rss_mib"] for group in (large, envelope) for k, e in group.items() if k.startswith("tdbraze")]

    ajv_version = json.loads((bench / "node_modules" / "ajv" / "package.json").read_text())["version"]
    results = {
        "benchmark": "currents",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": describe_machine(load_before, memory_and_load_after=False),
        "software": {
            **describe_tdbraze(args.tdbraze, args.tdbraze_origin, repo),
            "node": sh("node --version"), "ajv": ajv_version, "python": platform.python_version(),
            "chromium": throughput.get("wasm_chromium", {}).get("chromium"),
            "simdjson": throughput.get("simdjson", {}).get("simdjson"),
            "simdjson_implementation": throughput.get("simdjson", {}).get("implementation"),
        },
        "native_threads": {"threads_option": threads_option,
                           "single_thread": "tdbraze_1thread" if threads_option else "tdbraze",
                           "how": "`tdbraze validate currents --threads 1` when its --help lists --threads; "
                                  "otherwise the default run, single-threaded already"},
        "payload": {"file": repo_relative(args.payload, repo),
                    "bytes": payload_bytes, "events": expected, "format": "JSON Lines, 100 events per envelope",
                    "seed": args.seed, "now": args.now},
        "units": {"throughput": "MB/s, 1 MB = 10^6 bytes, best wall time of the repetitions",
                  "memory": "peak resident set size in MiB (GNU time %M), largest of the repetitions"},
        "repetitions": args.reps,
        "throughput": throughput,
        "ratios": ratios,
        "large_input": {"bytes": big_bytes, "copies": args.copies, "how": f"{args.copies} copies of the payload "
                        "through a pipe into standard input", "rss_budget_mib": RSS_BUDGET_MIB,
                        "tdbraze_within_budget": large.get("tdbraze", {}).get("peak_rss_mib", 1e9) < RSS_BUDGET_MIB,
                        "tools": large},
        "tdbraze_peak_rss_mib_any_input": max(native_rss) if native_rss else None,
        "single_envelope": envelope,
        "problems": failures,
    }
    out_dir = bench / "results"
    out_dir.mkdir(exist_ok=True)
    save_json(out_dir / "currents.json", results)
    publish(out_dir, "currents", markdown(results), svg(results))
    return exit_status(failures)


def chromium_entry(label: str, command: str, runs: list[dict], payload_bytes: int) -> dict:
    """The browser's numbers come from inside the page (chromium_validate.mjs): its process also launches
    Chromium and loads a page, which a user has behind them before they pick a file. So do the page's Workers,
    which start when it opens: MB/s counts from picking the file to the report, the best run the one with the
    shortest such time; the Workers' start is shown beside it (load_seconds, and MB/s with it counted)."""
    timed = [r for r in runs if r["summary"].get("seconds")]
    if not timed:
        return {"label": label, "command": command, "mb_per_s": None, "peak_rss_mib": None, "events": None,
                "errors": None, "wall_seconds": [round(r["wall"], 4) for r in runs],
                "other_cpu_seconds": [r["other_cpu_seconds"] for r in runs], "best_seconds": None}
    best = min(timed, key=lambda r: r["summary"]["seconds"])
    s = best["summary"]
    return {
        "label": label,
        "command": command,
        "chromium": s.get("chromium"),
        "page_seconds": [r["summary"].get("page_seconds") for r in runs],
        "process_wall_seconds": [round(r["wall"], 4) for r in runs],
        "wall_seconds": [r["summary"].get("seconds") for r in runs],
        "cpu_seconds": [r["cpu_seconds"] for r in runs],
        "other_cpu_seconds": [r["other_cpu_seconds"] for r in runs],
        "best_seconds": s["seconds"],
        "mb_per_s": round(payload_bytes / MB / s["seconds"], 1),
        "with_start_mb_per_s": round(payload_bytes / MB / s["page_seconds"], 1),
        "in_process_seconds": s["seconds"],
        "in_process_mb_per_s": round(payload_bytes / MB / s["seconds"], 1) if s["seconds"] > 0 else None,
        "load_seconds": s.get("load_seconds"),
        "read_only_seconds": s.get("read_only_seconds"),
        # Chromium's page and Worker run in processes GNU time does not see (the browser's children), so
        # the largest resident set of the run says nothing about the validator: not reported.
        "peak_rss_mib": None,
        "events": s.get("events"),
        "errors": s.get("errors"),
        "how": "MB/s over the time in the page from posting the picked file to the Worker (started with the "
               "page, ready a second before) to the report; with_start: from `new Worker(worker.js)` (module load, "
               "compilation and warm-up of both Workers included); browser launch and page load in neither",
    }


def svg(r: dict) -> str:
    t = r["throughput"]
    keys = [k for k in ("simdjson", "tdbraze", "tdbraze_1thread", "tdbraze_strict", "wasm", "wasm_chromium", "ajv",
                        "ajv_strict", "parse_only") if k in t and t[k].get("mb_per_s")]
    short = {"simdjson": "simdjson (parse)", "tdbraze": "native", "tdbraze_1thread": "native, 1 thread",
             "tdbraze_strict": "native --strict", "wasm": "WASM, Node", "wasm_chromium": "WASM, Chromium",
             "ajv": "ajv", "ajv_strict": "ajv strict", "parse_only": "JSON.parse only"}
    native = t.get("tdbraze_1thread", t["tdbraze"])["mb_per_s"]
    goal = r["ratios"].get("goal_wasm_over_native", 0.5)
    return chart.grouped_bars(
        f"Currents validation, {fmt(r['payload']['bytes'] / MB, 0)} MB of JSON Lines",
        [short[k] for k in keys], [("MB/s, end to end", [t[k]["mb_per_s"] for k in keys])], "MB/s",
        note=f"best of {r['repetitions']}; {r['machine']['cpu']}, {r['machine']['cores']} cores; {r['date'][:10]}",
        reference=(f"goal for WebAssembly: {goal}x native on one thread ({native * goal:,.0f} MB/s)", native * goal))


def w_ok(entry: dict) -> bool:
    return entry.get("in_process_mb_per_s") is not None


def markdown(r: dict) -> str:
    t = r["throughput"]
    p = r["payload"]
    lines = [
        f"Currents validation, {fmt(p['bytes'] / MB)} MB of JSON Lines ({p['events']:,} events in envelopes of 100), "
        f"best of {r['repetitions']}; {r['machine']['cpu']} ({r['machine']['cores']} cores), "
        f"node {r['software']['node']}, ajv {r['software']['ajv']}, {r['software']['tdbraze']} "
        f"({r['software']['repository']}), {r['date'][:10]}.",
        "",
        "![MB/s](currents.svg)",
        "",
        "| tool | MB/s | peak RSS (MiB) | wall (s) | events | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, e in t.items():
        if e.get("mb_per_s") is None:
            lines.append(f"| {e['label']} | ? | ? | ? | ? | ? |")
            continue
        rss = fmt(e["peak_rss_mib"]) if e["peak_rss_mib"] is not None else "n/a"
        lines.append(f"| {e['label']} | {fmt(e['mb_per_s'])} | {rss} | {e['best_seconds']:.3f} | "
                     f"{e['events']:,} | {e['errors']} |" if e["events"] is not None else
                     f"| {e['label']} | {fmt(e['mb_per_s'])} | {rss} | {e['best_seconds']:.3f} | ? | ? |")
    ra = r["ratios"]
    a = t["ajv"]
    lines += ["", f"tdbraze / ajv: **{ra['throughput_tdbraze_over_ajv']}x** the throughput"
              + (f" ({ra['throughput_tdbraze_over_ajv_in_process']}x against ajv's own loop alone, "
                 f"{fmt(a['in_process_mb_per_s'])} MB/s without Node start-up and the "
                 f"{a.get('compile_seconds', 0):.2f} s schema compilation)" if w_ok(a) else "")
              + f", **{ra['memory_tdbraze_over_ajv']}x** the peak memory "
              f"(ajv needs {1 / ra['memory_tdbraze_over_ajv']:.0f}x as much)."]
    if "throughput_tdbraze_over_parse_only" in ra:
        lines.append(f"tdbraze / `JSON.parse` alone: **{ra['throughput_tdbraze_over_parse_only']}x** (goal of issue 25: "
                     f"at least 3x, **{'met' if ra['throughput_tdbraze_over_parse_only'] >= 3 else 'missed'}**).")
    if "throughput_tdbraze_over_simdjson" in ra:
        sj = t["simdjson"]
        lines.append(f"tdbraze / simdjson {r['software'].get('simdjson') or ''} (`parse_many` into its DOM on one thread, "
                     f"every value visited, the {sj.get('implementation', '?')} kernels; the file's load included: "
                     f"by its own clock {sj.get('load_seconds', 0):.3f} s loading and {sj.get('parse_seconds', 0):.3f} s "
                     f"parsing, {sj['best_seconds']:.3f} s the whole process): "
                     f"**{ra['throughput_tdbraze_over_simdjson']}x**"
                     + (f" ({ra['throughput_tdbraze_1thread_over_simdjson']}x with `--threads 1`)"
                        if "tdbraze_1thread" in t else "")
                     + f" (goal of issue 25: at least 1.0x, "
                     f"**{'met' if ra['throughput_tdbraze_over_simdjson'] >= 1 else 'missed'}**). "
                     f"simdjson only parses: it checks no field, type or id.")
    if "throughput_tdbraze_strict_over_ajv_strict" in ra:
        lines.append(f"With warnings as errors on both sides (tdbraze --strict, strict schema): "
                     f"{ra['throughput_tdbraze_strict_over_ajv_strict']}x.")
    if "wasm" in t and w_ok(t["wasm"]):
        w = t["wasm"]
        lines.append(f"WebAssembly in Node: {fmt(w['mb_per_s'])} MB/s end to end "
                     f"({fmt(w['in_process_mb_per_s'])} MB/s feeding alone), "
                     f"{ra['throughput_wasm_over_native']}x native, {ra['throughput_wasm_over_ajv']}x ajv.")
    if "throughput_chromium_over_native" in ra:
        c = t["wasm_chromium"]
        if "with_start_mb_per_s" in c:
            lines.append(f"WebAssembly in Chromium {c.get('chromium', '')}, in the page's Worker (web/worker.js, a picked "
                         f"file through its stream; 8 MB or more in two parts on two Workers): {fmt(c['mb_per_s'])} MB/s "
                         f"from picking the file to the report, **{ra['throughput_chromium_over_native']}x native**, "
                         f"{ra['throughput_chromium_over_ajv']}x ajv. The Workers start when the page opens "
                         f"({c['load_seconds']:.2f} s, both modules and their warm-up); counting that too, "
                         f"{fmt(c['with_start_mb_per_s'])} MB/s.")
        else:
            lines.append(f"WebAssembly in Chromium {c.get('chromium', '')}, in the page's Worker (web/worker.js, fed a "
                         f"picked file through its stream): {fmt(c['mb_per_s'])} MB/s from starting the Worker to the report "
                         f"(module load {c['load_seconds']:.2f} s included; {fmt(c['in_process_mb_per_s'])} MB/s feeding "
                         f"alone), **{ra['throughput_chromium_over_native']}x native** "
                         f"({ra['throughput_chromium_feeding_over_native']}x feeding alone), "
                         f"{ra['throughput_chromium_over_ajv']}x ajv.")
        if "goal_wasm_over_native" in ra:
            # Results from before issue 25 have neither the goal nor the single-thread ratio.
            one = ra.get("throughput_chromium_over_native_1thread", ra["throughput_chromium_over_native"])
            lines.append(f"Goal of issue 25: WebAssembly in Chromium at least {ra['goal_wasm_over_native']}x native on one "
                         f"thread ({'`--threads 1`' if 'tdbraze_1thread' in t else 'the default run, single-threaded'}): "
                         f"**{'met' if one >= ra['goal_wasm_over_native'] else 'missed'}** ({one}x).")
        else:
            lines.append(f"Goal of the issue: WebAssembly at least half of native speed: "
                         f"**{'met' if min(ra['throughput_chromium_over_native'], ra.get('throughput_wasm_over_native', 1)) >= 0.5 else 'missed'}** "
                         f"(Node {ra.get('throughput_wasm_over_native')}x, Chromium {ra['throughput_chromium_over_native']}x).")
    big = r["large_input"]
    lines += ["", f"Larger input: {fmt(big['bytes'] / MB)} MB ({big['copies']} copies of the payload through a pipe):", "",
              "| tool | MB/s | peak RSS (MiB) | events |", "|---|---:|---:|---:|"]
    for key, e in big["tools"].items():
        lines.append(f"| {e['label']} | {fmt(e['mb_per_s'])} | {fmt(e['peak_rss_mib'])} | "
                     f"{e['events']:,} |" if e["events"] is not None else f"| {e['label']} | ? | ? | ? |")
    tb = big["tools"].get("tdbraze")
    if tb:
        lines += ["", f"tdbraze peak memory on {fmt(big['bytes'] / MB)} MB: {fmt(tb['peak_rss_mib'])} MiB "
                  f"({'within' if big['tdbraze_within_budget'] else 'OVER'} the {big['rss_budget_mib']} MiB budget; "
                  f"{fmt(t['tdbraze']['peak_rss_mib'])} MiB on {fmt(p['bytes'] / MB)} MB)."]
    env = r["single_envelope"]
    if env:
        size = next(iter(env.values()))["bytes"]
        best_of = max(e.get("runs", 1) for e in env.values())
        lines += ["", f"One pretty-printed envelope of {fmt(size / MB)} MB (a single request body; not what Braze "
                  "sends, but what a hand-made export can look like)"
                  + (f"; tdbraze and simdjson best of {best_of}, the others one run" if best_of > 1 else "") + ":", "",
                  "| tool | MB/s | peak RSS (MiB) |", "|---|---:|---:|"]
        for key, e in env.items():
            lines.append(f"| {e['label']} | {fmt(e['mb_per_s'])} | {fmt(e['peak_rss_mib'])} |")
        if "envelope_tdbraze_over_simdjson" in ra:
            lines += ["", f"tdbraze / simdjson's DOM `parse` of the envelope (file load included): "
                      f"**{ra['envelope_tdbraze_over_simdjson']}x**"
                      + (f" ({ra['envelope_tdbraze_1thread_over_simdjson']}x with `--threads 1`)"
                         if "envelope_tdbraze_1thread_over_simdjson" in ra else "")
                      + f" (goal of issue 25: at least 1.0x, "
                      f"**{'met' if ra['envelope_tdbraze_over_simdjson'] >= 1 else 'missed'}**)."]
    # Starting processes and GNU time costs a few hundredths of a second of "other" CPU even on an idle
    # machine, hence the floor.
    # Chromium's own processes are not the tool's children as GNU time counts them, so its "other" CPU is the
    # browser itself: left out.
    if r.get("tdbraze_peak_rss_mib_any_input") is not None:
        lines += ["", f"tdbraze's largest peak RSS over every input above: {fmt(r['tdbraze_peak_rss_mib_any_input'])} MiB "
                  f"(goal: under {RSS_BUDGET_MIB} MiB for any input size, "
                  f"**{'met' if r['tdbraze_peak_rss_mib_any_input'] < RSS_BUDGET_MIB else 'missed'}**)."]
    noisy = [e["label"] for k, e in t.items() if k != "wasm_chromium" and e.get("best_seconds")
             and (other := at_best(e, "other_cpu_seconds")) > 0.1 and other > 0.1 * e["best_seconds"]]
    lines += other_cpu_lines(noisy, "currents.json") + problem_lines(r["problems"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
