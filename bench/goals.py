#!/usr/bin/env python3
"""The performance goals of issue 25, each with what the latest results measured and whether it is met.

Reads bench/results/{currents,cohort,sync}.json (whatever the benchmarks last wrote; nothing is measured
here), prints one line a goal and writes results/goals.{md,svg} and bench/README.md's goals block. The ratios
are computed from the raw numbers of each results file, not from its own verdicts, so a file written before
a goal existed is judged by the same rule (a goal whose reference was not measured in that run says so).
Every ratio is within one run: best against best, as the harnesses measure them.

    python3 bench/goals.py                  # every goal
    python3 bench/goals.py --only currents  # print only one benchmark's goals (the files are written whole)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chart  # noqa: E402  (bench/chart.py)
from common import publish  # noqa: E402

BENCHMARKS = ("currents", "cohort", "sync")


class Goal:
    """One goal: `measure(results)` gives the measured value, or None (with why) when its run lacks it."""

    def __init__(self, benchmark: str, key: str, text: str, target: float, at_most: bool = False,
                 unit: str = "x", short: str = ""):
        self.benchmark, self.key, self.text, self.target = benchmark, key, text, target
        self.at_most, self.unit, self.short = at_most, unit, short or key

    def met(self, value: float) -> bool:
        return value < self.target if self.at_most else value >= self.target

    def share(self, value: float) -> float:
        """How far along the goal is, 1.0 at the goal whichever way it points (for the chart)."""
        return self.target / value if self.at_most else value / self.target

    def shown(self, value: float) -> str:
        return f"{value:,.1f} MiB" if self.unit == "MiB" else f"{value:.2f}x"


def mbps(entry: dict | None) -> float | None:
    return (entry or {}).get("mb_per_s") or None


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def native_single(t: dict) -> dict:
    # A CLI without --threads ran on one thread already; its default run is the single-thread one.
    return t.get("tdbraze_1thread") or t["tdbraze"]


def currents_rss(r: dict) -> float | None:
    runs = [e for k, e in r["throughput"].items() if k.startswith("tdbraze")]
    runs += [e for k, e in r.get("large_input", {}).get("tools", {}).items() if k.startswith("tdbraze")]
    runs += [e for k, e in r.get("single_envelope", {}).items() if k.startswith("tdbraze")]
    values = [e["peak_rss_mib"] for e in runs if e.get("peak_rss_mib") is not None]
    return max(values) if values else None


def sync_end_to_end(r: dict) -> float | None:
    o = r.get("overhead") or {}
    per = o.get("per_threads", {}).get(str(o.get("capacity_threads")))
    return None if per is None else 1 - per


GOALS: list[tuple[Goal, object]] = [
    (Goal("currents", "lines_over_simdjson", "Currents JSON Lines: `validate currents` (default threads) at least 1.0x "
          "simdjson's single-thread DOM `parse_many` (file load included)", 1.0, short="JSONL / simdjson"),
     lambda r: ratio(mbps(r["throughput"]["tdbraze"]), mbps(r["throughput"].get("simdjson")))),
    (Goal("currents", "envelope_over_simdjson", "Currents, one pretty-printed envelope: `validate currents` at least "
          "1.0x simdjson's DOM `parse` (file load included)", 1.0, short="envelope / simdjson"),
     lambda r: ratio(mbps(r.get("single_envelope", {}).get("tdbraze")),
                     mbps(r.get("single_envelope", {}).get("simdjson")))),
    (Goal("currents", "lines_over_json_parse", "Currents JSON Lines: `validate currents` at least 3x Node "
          "`JSON.parse` alone", 3.0, short="JSONL / JSON.parse"),
     lambda r: ratio(mbps(r["throughput"]["tdbraze"]), mbps(r["throughput"].get("parse_only")))),
    (Goal("currents", "memory", "Currents: `validate currents` peak RSS under 64 MiB for any input size (JSON Lines, "
          "5 copies through a pipe, one big envelope)", 64, at_most=True, unit="MiB", short="memory"),
     currents_rss),
    (Goal("currents", "chromium_over_native_1thread", "WebAssembly in Chromium (the page's Worker, from picking the "
          "file to the report) at least 0.6x native on one thread, same file", 0.6, short="WASM / native"),
     lambda r: ratio(mbps(r["throughput"].get("wasm_chromium")), mbps(native_single(r["throughput"])))),
    (Goal("cohort", "validate_over_duckdb", "Cohort: `validate cohort` at least 1.5x DuckDB's count(DISTINCT) of "
          "both id columns from read_csv, 2 threads", 1.5, short="validate / DuckDB"),
     lambda r: ratio(mbps(r["tools"]["validate"]), mbps(r["tools"].get("duckdb")))),
    (Goal("cohort", "plan_over_duckdb", "Cohort: `plan cohort` at least 1.5x DuckDB, same query", 1.5,
          short="plan / DuckDB"),
     lambda r: ratio(mbps(r["tools"]["plan"]), mbps(r["tools"].get("duckdb")))),
    (Goal("cohort", "validate_over_pandas", "Cohort: `validate cohort` at least 15x pandas read_csv + "
          "drop_duplicates", 15, short="validate / pandas"),
     lambda r: ratio(mbps(r["tools"]["validate"]), mbps(r["tools"].get("pandas")))),
    (Goal("cohort", "plan_over_pandas", "Cohort: `plan cohort` at least 15x pandas", 15, short="plan / pandas"),
     lambda r: ratio(mbps(r["tools"]["plan"]), mbps(r["tools"].get("pandas")))),
    (Goal("sync", "end_to_end_over_capacity", "Sync: end to end at least 0.9x the emulator's capacity at 16 threads",
          0.9, short="sync / capacity"),
     sync_end_to_end),
]


def evaluate(results_dir: Path) -> list[dict]:
    rows = []
    loaded = {}
    for name in BENCHMARKS:
        path = results_dir / f"{name}.json"
        loaded[name] = json.loads(path.read_text()) if path.exists() else None
    for goal, measure in GOALS:
        r = loaded[goal.benchmark]
        value = None
        if r is not None:
            try:
                value = measure(r)
            except (KeyError, TypeError, ZeroDivisionError):
                value = None
        rows.append({"goal": goal, "value": value, "date": (r or {}).get("date", "")[:10],
                     "machine": (r or {}).get("machine", {}).get("cpu"),
                     "why": None if value is not None else
                     f"no results/{goal.benchmark}.json" if r is None else "not measured in the latest run"})
    return rows


def verdict(row: dict) -> str:
    return "not measured" if row["value"] is None else "met" if row["goal"].met(row["value"]) else "missed"


def markdown(rows: list[dict]) -> str:
    met = sum(verdict(r) == "met" for r in rows)
    lines = [f"{met} of {len(rows)} goals met, each a ratio within one run of its benchmark (best against best), "
             "from the latest results (`bench/goals.py`):", "",
             "![share of each goal reached](goals.svg)", "",
             "| goal | measured | result | run |", "|---|---:|---|---|"]
    for r in rows:
        g = r["goal"]
        shown = g.shown(r["value"]) if r["value"] is not None else "n/a"
        v = verdict(r)
        lines.append(f"| {g.text} | {shown} | {'**missed**' if v == 'missed' else v} | "
                     f"{g.benchmark}, {r['date'] or '?'} |")
    return "\n".join(lines) + "\n"


def svg(rows: list[dict]) -> str:
    # The memory budget is a ceiling, not a speed ratio, and met by a wide margin: its bar would only flatten
    # the others, so the chart has the ratios alone.
    measured = [r for r in rows if r["value"] is not None and not r["goal"].at_most]
    return chart.grouped_bars(
        "Goals of issue 25: each ratio as a share of its goal",
        [r["goal"].short for r in measured],
        [("measured ratio / the goal's ratio", [round(r["goal"].share(r["value"]), 3) for r in measured])],
        "share of the goal", note="1.0 = the goal met; each ratio within one run, best against best; bench/goals.py",
        width=max(720, 80 + 128 * len(measured)), reference=("goal", 1.0), reference_label_at="left")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", type=Path, default=Path(__file__).resolve().parent / "results")
    ap.add_argument("--only", choices=BENCHMARKS, help="print only this benchmark's goals")
    args = ap.parse_args()
    rows = evaluate(args.results)
    publish(args.results, "goals", markdown(rows), svg(rows), writer="goals.py", show=False)
    print("goals of issue 25 (bench/results/goals.md):")
    for r in rows:
        if args.only and r["goal"].benchmark != args.only:
            continue
        g = r["goal"]
        shown = g.shown(r["value"]) if r["value"] is not None else r["why"]
        print(f"  {verdict(r):12s} {g.text}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
