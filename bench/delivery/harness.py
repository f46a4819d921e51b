#!/usr/bin/env python3
"""Measure `tdbraze send currents` against the emulator's Postback receiver and its capacity, and tdbraze's
SQLite flattening against the Python script a user would write instead; write the results (called by
bench/delivery/run.sh).

Delivery. One emulator (`tdbraze emulate`, loopback, a Treasure Data write key, no faults) serves the runs.
Its capacity is what it answers when a minimal client (postclient.cpp: the payload's lines, already batches
of 100 events, POSTed as they are, one keep-alive connection per thread) sends it the same payload;
`tdbraze send currents` then sends the same file at the same thread counts, with a fresh state file each
time. The Postback table is emptied (POST /_emulator/reset) before every run and read back after it (GET
/_emulator/postback/DB/TABLE): every event id of the payload must be in it exactly once. Repetitions are
interleaved (client and tdbraze, thread count by thread count), the best wall time counts. Then one send of
a larger payload at the most threads for peak memory (the issue's budget: under 64 MiB for 300 MB).

Flattening. A SQLite database of Postback rows (load_postback_rows.py) is copied afresh before each run,
then flattened into one table per event type present: by tdbraze's generated SQL (`tdbraze sql currents
--dialect sqlite --materialize`, run by the sqlite3 shell) and by python_flatten.py; both must give each
type's table exactly the distinct events of that type.

The timing is bench/common.py's: wall time from the clock around the process, peak RSS from GNU time's %M,
a wait for an idle moment before each run.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import chart  # noqa: E402  (bench/chart.py)
from common import (MB, argument_parser, as_typed, at_best, describe_machine, describe_tdbraze,  # noqa: E402
                    exit_status, fmt, last_json, load_average, measure, other_cpu_lines, problem_lines,
                    publish, repo_relative, save_json, sh)

GOAL_RSS_MIB = 64  # "a 300 MB file sent with peak RSS under 64 MiB"
# The key the emulator expects and both clients send. A test value: the emulator only runs on loopback.
WRITE_KEY = "bench-td-write-key"
DATABASE, TABLE = "bench", "currents"
HERE = Path(__file__).resolve().parent


def remove_state(state: Path) -> None:
    """A state file and its SQLite companions (-wal, -shm), so that the next run starts from nothing."""
    for p in state.parent.glob(state.name + "*"):
        p.unlink()


class Emulator:
    """`tdbraze emulate` as a child process, with its CPU time and peak memory readable from /proc."""

    def __init__(self, tdbraze: str):
        env = {**os.environ, "TDBRAZE_EMULATOR_TD_WRITE_KEY": WRITE_KEY}
        self.proc = subprocess.Popen([tdbraze, "emulate", "--port", "0"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = m.group(1)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return -1.0

    def call(self, method: str, path: str) -> dict:
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())

    def reset(self) -> None:
        self.call("POST", "/_emulator/reset")
        # The emulator keeps idle connections open for a second; waiting that out means no run inherits
        # another's connections or their server threads.
        time.sleep(1.2)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def payload_facts(path: Path) -> dict:
    """What a payload holds: bytes, bodies (lines), events and the count of each event id."""
    ids: Counter[str] = Counter()
    lines = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            lines += 1
            ids.update(e["id"] for e in json.loads(line)["events"])
    return {"bytes": path.stat().st_size, "bodies": lines, "events": sum(ids.values()), "ids": ids}


def landed(emu: Emulator, expected: Counter) -> str | None:
    """None when the Postback table holds every expected event id exactly once and nothing else; else why not."""
    rows = emu.call("GET", f"/_emulator/postback/{DATABASE}/{TABLE}")["rows"]
    got: Counter[str] = Counter()
    for row in rows:
        got.update(e["id"] for e in json.loads(row["events"]))
    if got == expected:
        return None
    missing = sum((expected - got).values())
    extra = sum((got - expected).values())
    return f"{len(rows):,} rows hold {sum(got.values()):,} events: {missing:,} missing, {extra:,} extra or repeated"


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        r = json.loads(Path(sys.argv[2]).read_text())
        write_outputs(r, Path(sys.argv[2]).parent)
        return 0
    ap = argument_parser("harness.py --render results/delivery.json: only rewrite the Markdown and chart")
    ap.add_argument("--postclient", required=True, help="the minimal client (bench/delivery/postclient.cpp, built)")
    ap.add_argument("--payload", type=Path, required=True, help="JSON Lines of Currents batches, sent for speed")
    ap.add_argument("--big-payload", type=Path, help="a larger payload, sent once for peak memory")
    ap.add_argument("--now", type=int, required=True, help="the payloads' --now (Treasure Data's time window)")
    ap.add_argument("--threads", default="1,4,16")
    ap.add_argument("--flatten-db", type=Path, help="Postback rows in SQLite (load_postback_rows.py); meta beside it")
    ap.add_argument("--flatten-reps", type=int, default=0, help="repetitions of the flattening (default: --reps)")
    ap.add_argument("--sqlite3", default="/usr/bin/sqlite3")
    ap.add_argument("--python", default="/usr/bin/python3", help="the Python that runs python_flatten.py")
    ap.add_argument("--work-dir", type=Path, required=True, help="state files and database copies")
    args = ap.parse_args()

    load_before = load_average()
    bench = args.bench_dir.resolve()
    repo = bench.parent
    q = shlex.quote
    work = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    failures: list[str] = []

    def problem(text: str) -> None:
        failures.append(text)
        print(f"  !! {text}", file=sys.stderr)

    originals = {args.tdbraze: args.tdbraze_origin} if args.tdbraze_origin else {}
    os.environ["TDBRAZE_TD_WRITE_KEY"] = WRITE_KEY

    # --- delivery -------------------------------------------------------------------------------------------
    payload = args.payload.resolve()
    facts = payload_facts(payload)
    sh(f"cat {q(str(payload))} > /dev/null")  # into the page cache: the runs measure sending, not the disk
    emu = Emulator(args.tdbraze)
    url = f"{emu.url}/postback/v3/event/{DATABASE}/{TABLE}"

    def shown(cmd: str) -> str:
        return as_typed(cmd.replace(emu.url, "http://127.0.0.1:PORT"), repo, originals)

    def send_command(path: Path, t: int, state: Path) -> str:
        return (f"{{time}} {q(args.tdbraze)} send currents {q(str(path))} --url {url} --threads {t} "
                f"--state {q(str(state))} --now {args.now} --log-format json")

    def run_one(kind: str, t: int, rep: int) -> dict:
        emu.reset()
        state = work / f"state-{t}.db"
        remove_state(state)
        if kind == "client":
            cmd = f"{{time}} {q(args.postclient)} --url {url} --bodies {q(str(payload))} --threads {t}"
        else:
            cmd = send_command(payload, t, state)
        cpu0 = emu.cpu_seconds()
        r = measure(cmd, args.quiet_wait)
        r["emulator_cpu_seconds"] = round(emu.cpu_seconds() - cpu0, 3)
        r["command"] = shown(cmd)
        what = f"{kind} {t} threads, run {rep}"
        if kind == "client":
            s = r["summary"] = last_json(r["stdout"])
            if r["status"] != 0 or s.get("ok") != facts["bodies"] or s.get("bytes") != facts["bytes"] - facts["bodies"]:
                problem(f"{what}: exit {r['status']}, {s}: {r['stderr'][-300:]}")
        else:
            s = r["summary"] = last_json(r["stdout"], lambda d: d.get("event") == "summary")
            if r["status"] != 0 or s.get("outcome") != "completed" or s.get("accepted") != facts["events"] \
                    or s.get("skipped") or s.get("retries"):
                problem(f"{what}: exit {r['status']}, {s or r['stdout'][-300:]} {r['stderr'][-300:]}")
        why = landed(emu, facts["ids"])
        if why:
            problem(f"{what}: {why}")
        remove_state(state)
        return r

    print(f"delivery: {payload.name} ({facts['bytes'] / MB:.1f} MB, {facts['events']:,} events in "
          f"{facts['bodies']:,} bodies), threads {threads}, best of {args.reps}", file=sys.stderr)
    runs: dict[tuple[str, int], list[dict]] = {}
    for rep in range(1, args.reps + 1):
        for t in threads:
            for kind in ("client", "tdbraze"):
                r = run_one(kind, t, rep)
                runs.setdefault((kind, t), []).append(r)
                print(f"  run {rep} {kind:8s} {t:2d} thr  {r['wall']:7.3f} s  {facts['bytes'] / MB / r['wall']:7.1f} MB/s"
                      f"  {r['rss_mib']:7.1f} MiB  cpu {r['cpu_seconds']:.2f} s, emulator cpu "
                      f"{r['emulator_cpu_seconds']:.2f} s, other {r['other_cpu_seconds']:.2f} s", file=sys.stderr)

    def entry(kind: str, t: int) -> dict:
        rs = runs[(kind, t)]
        best = min(rs, key=lambda r: r["wall"])
        e = {"threads": t, "command": best["command"],
             "wall_seconds": [round(r["wall"], 3) for r in rs],
             "cpu_seconds": [r["cpu_seconds"] for r in rs],
             "emulator_cpu_seconds": [r["emulator_cpu_seconds"] for r in rs],
             "other_cpu_seconds": [r["other_cpu_seconds"] for r in rs],
             "best_seconds": round(best["wall"], 3),
             "peak_rss_mib": round(max(r["rss_mib"] for r in rs), 1),
             "mb_per_s": round(facts["bytes"] / MB / best["wall"], 1),
             "events_per_s": round(facts["events"] / best["wall"]),
             "best_cpu_seconds": best["cpu_seconds"],
             "best_emulator_cpu_seconds": best["emulator_cpu_seconds"]}
        if kind == "client":
            # Its own clock starts once the file is in memory: the emulator's rate alone.
            e["in_process_seconds_runs"] = [r["summary"].get("seconds") for r in rs]
            inner = best["summary"].get("seconds")
            if inner:
                e["in_process_seconds"] = round(inner, 3)
                e["in_process_mb_per_s"] = round(facts["bytes"] / MB / inner, 1)
                e["in_process_events_per_s"] = round(facts["events"] / inner)
        else:
            e["own_seconds_runs"] = [r["summary"].get("seconds") for r in rs]
        return e

    client = {str(t): entry("client", t) for t in threads}
    send = {str(t): entry("tdbraze", t) for t in threads}
    idle = measure(f"{{time}} {q(args.tdbraze)} --version", 0)

    memory = {"idle_rss_mib": round(idle["rss_mib"], 1)}
    if args.big_payload and args.big_payload.exists():
        big = args.big_payload.resolve()
        big_facts = payload_facts(big)
        t_hi = max(threads)
        print(f"memory: {big.name} ({big_facts['bytes'] / MB:.1f} MB, {big_facts['events']:,} events) at {t_hi} "
              f"threads", file=sys.stderr)
        sh(f"cat {q(str(big))} > /dev/null")
        emu.reset()
        state = work / "state-big.db"
        remove_state(state)
        cmd = send_command(big, t_hi, state)
        r = measure(cmd, args.quiet_wait)
        s = last_json(r["stdout"], lambda d: d.get("event") == "summary")
        if r["status"] != 0 or s.get("outcome") != "completed" or s.get("accepted") != big_facts["events"]:
            problem(f"send of {big.name}: exit {r['status']}, {s}")
        why = landed(emu, big_facts["ids"])
        if why:
            problem(f"send of {big.name}: {why}")
        remove_state(state)
        print(f"  {r['wall']:.1f} s, {r['rss_mib']:.1f} MiB", file=sys.stderr)
        memory["big_send"] = {"payload": big.name, "bytes": big_facts["bytes"], "events": big_facts["events"],
                              "threads": t_hi, "seconds": round(r["wall"], 2),
                              "mb_per_s": round(big_facts["bytes"] / MB / r["wall"], 1),
                              "peak_rss_mib": round(r["rss_mib"], 1), "command": shown(cmd),
                              "goal_met": 0 < r["rss_mib"] < GOAL_RSS_MIB}
        emu.reset()
    emulator_peak = emu.rss_mib()
    emu.stop()

    # --- flattening -----------------------------------------------------------------------------------------
    flatten = flatten_runs(args, work, problem, originals) if args.flatten_db else None

    results = {
        "benchmark": "delivery",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": describe_machine(load_before),
        "software": {**describe_tdbraze(args.tdbraze, args.tdbraze_origin, repo),
                     "commit": sh("git rev-parse HEAD", cwd=repo), "libcurl": sh("curl-config --version"),
                     "sqlite3": sh(f"{q(args.sqlite3)} --version").split(" ")[0],
                     "python": sh(f"{q(args.python)} --version")},
        "payload": {"file": repo_relative(payload, repo), "bytes": facts["bytes"], "bodies": facts["bodies"],
                    "events": facts["events"], "now": args.now},
        "emulator": {"command": "tdbraze emulate --port 0 (TDBRAZE_EMULATOR_TD_WRITE_KEY set)",
                     "peak_rss_mib": round(emulator_peak, 1)},
        "client": {"what": "bench/delivery/postclient.cpp: the payload's lines (batches of 100 events) POSTed as "
                           "they are with libcurl, one keep-alive connection per thread, the file read before the "
                           "clock starts, no parsing, retries or bookkeeping"},
        "units": {"rates": "MB (10^6 bytes) of the input file and events per second of wall time, best of the "
                           "repetitions, process start-up included; the client's capacity also on its own clock",
                  "memory": "peak resident set size in MiB (GNU time %M), largest of the repetitions"},
        "repetitions": args.reps,
        "client_runs": client,
        "send_runs": send,
        "memory": memory,
        "flatten": flatten,
        "problems": failures,
    }
    out_dir = bench / "results"
    out_dir.mkdir(exist_ok=True)
    save_json(out_dir / "delivery.json", results)
    write_outputs(results, out_dir)
    return exit_status(failures)


def table_name(event_type: str) -> str:
    """docs/currents.md's rule: lower case, every character not an ASCII letter or digit becomes `_`."""
    return re.sub(r"[^a-z0-9]", "_", event_type.lower())


def flatten_runs(args, work: Path, problem, originals: dict) -> dict:
    """tdbraze's SQL (run by the sqlite3 shell) and python_flatten.py on fresh copies of the same database,
    interleaved; each result's tables checked against what the database holds."""
    q = shlex.quote
    base = args.flatten_db.resolve()
    meta = json.loads(base.with_name(base.name + ".meta.json").read_text())
    types = list(meta["events_by_type"])
    type_args = " ".join(f"--event-type {t}" for t in types)
    sql_file = work / "flatten.sql"
    gen_cmd = f"{q(args.tdbraze)} sql currents --dialect sqlite --source-table currents --materialize {type_args}"
    started = time.perf_counter()
    sql_file.write_text(subprocess.run(shlex.split(gen_cmd), capture_output=True, text=True, check=True).stdout)
    gen_seconds = time.perf_counter() - started
    copy = work / "flatten.db"
    peer = HERE / "python_flatten.py"
    commands = {
        "tdbraze": f"{{time}} {q(args.sqlite3)} {q(str(copy))} < {q(str(sql_file))}",
        "python": f"{{time}} {q(args.python)} {q(str(peer))} {q(str(copy))} {type_args}",
    }
    reps = args.flatten_reps or args.reps
    print(f"flattening: {base.name} ({meta['events']:,} events in {meta['rows']:,} rows, {len(types)} event types), "
          f"best of {reps}", file=sys.stderr)
    runs: dict[str, list[dict]] = {}
    for rep in range(1, reps + 1):
        for kind, cmd in commands.items():
            for p in work.glob(copy.name + "*"):
                p.unlink()
            shutil.copyfile(base, copy)  # and so into the page cache, for both alike
            r = measure(cmd, args.quiet_wait)
            if r["status"] != 0:
                problem(f"flattening by {kind}, run {rep}: exit {r['status']}: {r['stderr'][-300:]}")
            counts = table_counts(args.sqlite3, copy, types)
            wrong = {t: (counts.get(t), meta["distinct_ids_by_type"][t]) for t in types
                     if counts.get(t) != meta["distinct_ids_by_type"][t]}
            if wrong:
                problem(f"flattening by {kind}, run {rep}: {len(wrong)} tables with other row counts than the "
                        f"distinct events of their type (got, expected): {dict(list(wrong.items())[:5])}")
            r["rows"] = sum(v for v in counts.values() if v)
            r["db_bytes"] = copy.stat().st_size
            runs.setdefault(kind, []).append(r)
            print(f"  run {rep} {kind:8s} {r['wall']:8.2f} s  {r['rss_mib']:7.1f} MiB  cpu {r['cpu_seconds']:.2f} s, "
                  f"other {r['other_cpu_seconds']:.2f} s, {r['rows']:,} rows", file=sys.stderr)
    for p in work.glob(copy.name + "*"):
        p.unlink()
    out = {"database": base.name, "bytes": base.stat().st_size, "rows": meta["rows"], "events": meta["events"],
           "event_types": len(types), "sql_bytes": sql_file.stat().st_size,
           "sql_generation_seconds": round(gen_seconds, 3), "repetitions": reps,
           "sql_command": as_typed(gen_cmd.replace(type_args, "--event-type TYPE ..."), args.bench_dir.resolve().parent,
                                   originals)}
    for kind, rs in runs.items():
        best = min(rs, key=lambda r: r["wall"])
        out[kind] = {"command": as_typed(commands[kind].replace(type_args, "--event-type TYPE ..."),
                                         args.bench_dir.resolve().parent, originals),
                     "wall_seconds": [round(r["wall"], 2) for r in rs],
                     "cpu_seconds": [r["cpu_seconds"] for r in rs],
                     "other_cpu_seconds": [r["other_cpu_seconds"] for r in rs],
                     "best_seconds": round(best["wall"], 2), "best_cpu_seconds": best["cpu_seconds"],
                     "peak_rss_mib": round(max(r["rss_mib"] for r in rs), 1),
                     "events_per_s": round(meta["events"] / best["wall"]), "rows": best["rows"],
                     "db_bytes_after": best["db_bytes"]}
    return out


def table_counts(sqlite3: str, db: Path, types: list[str]) -> dict[str, int]:
    """Rows of each type's table, None for a table that is missing."""
    sql = "".join(f"SELECT '{t}', count(*) FROM {table_name(t)};\n" for t in types)
    proc = subprocess.run([sqlite3, "-bail", str(db)], input=sql, capture_output=True, text=True)
    return {t: int(n) for t, n in (line.rsplit("|", 1) for line in proc.stdout.splitlines())}


# --- results ----------------------------------------------------------------------------------------------------

def capacity(e: dict) -> float:
    """The emulator's rate under the minimal client, in MB/s: its own clock (from the first request to the
    last answer, the file already in memory) when it reported one."""
    return e.get("in_process_mb_per_s") or e["mb_per_s"]


def write_outputs(r: dict, out_dir: Path) -> None:
    publish(out_dir, "delivery", markdown(r), svg(r))


def svg(r: dict) -> str:
    c, s = r["client_runs"], r["send_runs"]
    ts = list(c)
    series = [("emulator capacity (minimal client, own clock)", [capacity(c[t]) for t in ts]),
              ("minimal client, whole process", [c[t]["mb_per_s"] for t in ts]),
              ("tdbraze send currents, whole process", [s[t]["mb_per_s"] for t in ts])]
    return chart.grouped_bars(
        f"Currents to the emulator's Postback receiver: {r['payload']['bytes'] / MB:,.0f} MB, "
        f"{r['payload']['events']:,} events",
        [f"{t} thread{'s' if t != '1' else ''}" for t in ts],
        series, "MB/s of input",
        # Wide enough for the legend, which chart.py lays out on one line (28 px + 7 px a character per entry).
        width=max(720, 64 + 16 + sum(28 + 7 * len(name) for name, _ in series)),
        note=f"{r['machine']['cores']} cores shared by emulator and client; best of {r['repetitions']}; {r['date'][:10]}")


def markdown(r: dict) -> str:
    p, c, s, m, sw = r["payload"], r["client_runs"], r["send_runs"], r["memory"], r["software"]
    lines = [
        f"Currents delivery, {fmt(p['bytes'] / MB)} MB of JSON Lines ({p['events']:,} events in {p['bodies']:,} "
        f"batches of 100, `generate_payload.py --td-postback`) to the Postback receiver of `tdbraze emulate` on "
        f"loopback (no faults), best of {r['repetitions']}; {r['machine']['cpu']} ({r['machine']['cores']} cores, "
        f"shared by the emulator and the client), {sw['tdbraze']} ({sw['repository']}), {sw['libcurl']}, "
        f"{r['date'][:10]}.",
        "",
        "![MB/s](delivery.svg)",
        "",
        "| threads | capacity MB/s (minimal client, own clock) | minimal client MB/s (whole process) | tdbraze MB/s | "
        "tdbraze events/s | tdbraze / capacity | tdbraze / client (whole process) | tdbraze peak RSS (MiB) | "
        "tdbraze CPU (s) | emulator CPU (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in c:
        a, b = c[t], s[t]
        lines.append(f"| {t} | {fmt(capacity(a))} | {fmt(a['mb_per_s'])} | {fmt(b['mb_per_s'])} | "
                     f"{b['events_per_s']:,} | **{b['mb_per_s'] / capacity(a):.2f}** | "
                     f"{b['mb_per_s'] / a['mb_per_s']:.2f} | {fmt(b['peak_rss_mib'])} | {b['best_cpu_seconds']:.2f} | "
                     f"{b['best_emulator_cpu_seconds']:.2f} |")
    t_hi = max(c, key=int)
    lines += [
        "",
        f"tdbraze's times are its whole process: start-up, the check pass over the file (the findings "
        f"`validate currents` would print), then the sending pass that cuts the batches and records each one in "
        f"its state file. The minimal client (`bench/delivery/postclient.cpp`) reads the file into memory first and "
        f"posts each line as it is; its peak RSS is the file ({fmt(c[t_hi]['peak_rss_mib'])} MiB). After every "
        f"run the emulator's Postback table is read back: every event id of the payload was in it exactly once"
        + (" (except where listed under Problems)." if r["problems"] else "."),
        "",
    ]
    b = m.get("big_send")
    lines += [f"Memory: `tdbraze --version` alone is {fmt(m['idle_rss_mib'])} MiB."]
    if b:
        lines[-1] += (f" Sending {fmt(b['bytes'] / MB)} MB ({b['events']:,} events) at {b['threads']} threads: "
                      f"**{fmt(b['peak_rss_mib'])} MiB** peak RSS, {fmt(b['mb_per_s'])} MB/s ({b['seconds']:.1f} s). "
                      f"Goal of the issue, under {GOAL_RSS_MIB} MiB for a 300 MB file: "
                      f"**{'met' if b['goal_met'] else 'missed'}**.")
    lines += [f"The emulator itself peaked at {fmt(r['emulator']['peak_rss_mib'])} MiB (it keeps every row until "
              f"a reset)."]
    f = r.get("flatten")
    if f:
        td, py = f["tdbraze"], f["python"]
        lines += [
            "",
            f"Flattening {f['events']:,} events ({f['rows']:,} Postback rows of 100, {fmt(f['bytes'] / MB)} MB of "
            f"SQLite, {f['event_types']} event types) into one table per type, each run on a fresh copy of the "
            f"database, best of {f['repetitions']}; SQLite {sw['sqlite3']}, {sw['python']}:",
            "",
            "| tool | wall (s) | events/s | CPU (s) | peak RSS (MiB) | rows written |",
            "|---|---:|---:|---:|---:|---:|",
            f"| tdbraze's SQL (`sql currents --dialect sqlite --materialize`, {f['sql_bytes'] / 1000:,.0f} kB of "
            f"SQL) in the sqlite3 shell | {td['best_seconds']:.2f} | {td['events_per_s']:,} | "
            f"{td['best_cpu_seconds']:.2f} | {fmt(td['peak_rss_mib'])} | {td['rows']:,} |",
            f"| Python `json` + `sqlite3` (`bench/delivery/python_flatten.py`) | {py['best_seconds']:.2f} | "
            f"{py['events_per_s']:,} | {py['best_cpu_seconds']:.2f} | {fmt(py['peak_rss_mib'])} | {py['rows']:,} |",
            "",
            f"tdbraze's SQL / Python: **{py['best_seconds'] / td['best_seconds']:.2f}x** the speed "
            f"({td['best_seconds']:.2f} s against {py['best_seconds']:.2f} s; generating the SQL took "
            f"{f['sql_generation_seconds']:.2f} s more). Both wrote each type's table with exactly the distinct "
            f"events of that type" + (" (except where listed under Problems)." if r["problems"] else "."),
        ]
    noisy = [f"{k} {t}" for k, rs in (("client", c), ("tdbraze", s)) for t, e in rs.items()
             if at_best(e, "other_cpu_seconds") > 0.1 * e["best_seconds"] + e["best_emulator_cpu_seconds"] + 0.5]
    if f:
        noisy += [f"flattening by {k}" for k in ("tdbraze", "python")
                  if at_best(f[k], "other_cpu_seconds") > 0.1 * f[k]["best_seconds"] + 0.5]
    lines += other_cpu_lines(noisy, "delivery.json", "Other processes (besides the emulator)")
    lines += problem_lines(r["problems"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
