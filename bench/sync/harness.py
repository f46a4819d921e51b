#!/usr/bin/env python3
"""Measure `tdbraze sync cohort` against the local emulator's own capacity and write the results (called by
bench/sync/run.sh).

One emulator (`tdbraze emulate`, loopback, a --users file so every id exists, no faults, no rate limit)
serves the whole run. Its capacity is what it answers when a minimal client (loadgen.cpp: pre-built bodies,
one keep-alive connection per thread, nothing else) sends it the same plan the sync sends; the sync is then
run on the same table at the same thread counts, with a fresh state file each time, and the cohort is
emptied (POST /_emulator/reset) before every run so that each one does the same work on the server side.
Repetitions are interleaved (loadgen and sync, thread count by thread count) and the best wall time counts.

Beside them, in the same rounds and against the same emulator, the script a user would write instead of
tdbraze (python_sync.py: Python 3, the csv module, requests and a thread pool), timed the same way, end to end.
After every run at the most threads the emulator's cohort must hold exactly the table's distinct ids.

The timing is bench/common.py's: wall time from the clock around the process, peak RSS from GNU time's %M,
a wait for an idle moment before each run.
"""
from __future__ import annotations

import csv
import datetime
import json
import math
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import chart  # noqa: E402  (bench/chart.py)
from common import (MB, MIB, argument_parser, as_typed, at_best, describe_machine, describe_tdbraze,  # noqa: E402
                    exit_status, fmt, last_json, load_average, measure, other_cpu_lines, problem_lines,
                    publish, repo_relative, save_json, sh, short_sha256, wait_for_quiet)

MAX_IDS_PER_REQUEST = 1000
GOAL_OVERHEAD = 0.10     # "the client adds under 10% over the emulator's limit at 16 threads"
# Braze's documented limit for the partner endpoints, 250,000 requests an hour: the emulator's own rate limit
# in the runs at the limit, and the client's default.
BRAZE_LIMIT_PER_HOUR = 250_000
GOAL_RSS_MB = 50         # "under 50 MB of memory for a 10 million id sync"
# The secrets the emulator expects and the client sends. Test values: the emulator only runs on loopback.
PARTNER_KEY, CLIENT_SECRET = "bench-partner-key", "bench-client-secret"
COHORT = "bench-sync"


def remove_state(state: Path) -> None:
    """A state file and its SQLite companions (-wal, -shm), so that the next run starts from nothing."""
    for p in state.parent.glob(state.name + "*"):
        p.unlink()


class Emulator:
    """`tdbraze emulate` as a child process, with its CPU time readable from /proc."""

    def __init__(self, tdbraze: str, users: Path | None, preload: str | None = None, extra: list[str] | None = None):
        env = {**os.environ, "TDBRAZE_EMULATOR_PARTNER_API_KEY": PARTNER_KEY,
               "TDBRAZE_EMULATOR_CLIENT_SECRET": CLIENT_SECRET}
        if preload:
            env["LD_PRELOAD"] = preload
        started = time.perf_counter()
        # Without --users every identifier exists (the big send: ten million users would take minutes to load).
        users_args = ["--users", str(users)] if users else []
        self.proc = subprocess.Popen([tdbraze, "emulate", "--port", "0", *users_args, *(extra or [])], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on (http://\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"the emulator did not start: {line!r} {self.proc.stderr.read()[-500:]}")
        self.url = m.group(1)
        self.start_seconds = time.perf_counter() - started  # mostly reading the users file

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
        with urllib.request.urlopen(req, timeout=30) as r:
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


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        return render(Path(sys.argv[2]))
    ap = argument_parser("harness.py --render results/sync.json: only rewrite the Markdown and chart")
    ap.add_argument("--loadgen", required=True, help="the minimal client (bench/sync/loadgen.cpp, built)")
    ap.add_argument("--table", type=Path, required=True, help="the CSV sent for real; its .meta.json next to it")
    ap.add_argument("--users", type=Path, required=True, help="the emulator's users: every user id of --table")
    ap.add_argument("--big-table", type=Path, help="the table of the memory run (--dry-run)")
    ap.add_argument("--big-send", type=int, default=1, help="also send --big-table for real (peak memory)")
    ap.add_argument("--at-limit", type=int, default=1,
                    help="also sync against the emulator with Braze's rate limit switched on (about 15 s a run)")
    ap.add_argument("--work-dir", type=Path, required=True, help="state files and the plan (emptied per run)")
    ap.add_argument("--threads", default="1,4,16")
    ap.add_argument("--emulator", help="the tdbraze that runs `emulate` (default: --tdbraze), e.g. a variant build")
    ap.add_argument("--emulator-preload", help="LD_PRELOAD for the emulator only (bench/sync/nodelay_shim.c)")
    ap.add_argument("--emulator-note", default="", help="what is different about --emulator, for the results")
    ap.add_argument("--name", default="sync",
                    help="results/NAME.{json,md,svg}; only the default name updates bench/README.md")
    ap.add_argument("--perf", type=int, default=1, help="profile one sync at the most threads with perf")
    ap.add_argument("--heaptrack", type=int, default=1, help="profile the memory of one --dry-run with heaptrack")
    ap.add_argument("--python-peer", type=int, default=1,
                    help="also run python_sync.py, what a user would write instead (Python + requests)")
    ap.add_argument("--python", default="/usr/bin/python3", help="the Python with requests (Debian's)")
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

    table = args.table.resolve()
    meta = json.loads(table.with_name(table.name + ".meta.json").read_text())
    ids = meta["user_ids"]["distinct"] + meta["device_ids"]["distinct"]
    expected_requests = math.ceil(ids / MAX_IDS_PER_REQUEST)
    os.environ["TDBRAZE_PARTNER_API_KEY"] = PARTNER_KEY
    os.environ["TDBRAZE_CLIENT_SECRET"] = CLIENT_SECRET
    # The same secrets under the names python_sync.py reads (a user's script has its own).
    os.environ["BRAZE_PARTNER_API_KEY"] = PARTNER_KEY
    os.environ["BRAZE_CLIENT_SECRET"] = CLIENT_SECRET
    python_sync = Path(__file__).resolve().parent / "python_sync.py"
    sh(f"cat {q(str(table))} > /dev/null")  # into the page cache: the runs measure sending, not the disk

    # The plan the loadgen sends: the sync's own requests, written by `tdbraze plan cohort`.
    plan_dir = work / "plan"
    shutil.rmtree(plan_dir, ignore_errors=True)
    subprocess.run([args.tdbraze, "plan", "cohort", str(table), "--cohort-id", COHORT, "--out", str(plan_dir),
                    "--format", "json"], check=True, capture_output=True)
    plan_file = plan_dir / "requests.jsonl"
    plan_lines = sum(1 for _ in plan_file.open())
    if plan_lines != expected_requests + 1:
        problem(f"the plan has {plan_lines} requests, expected {expected_requests} + the naming call")

    print(f"sync: starting the emulator with {args.users.name}", file=sys.stderr)
    emu = Emulator(args.emulator or args.tdbraze, args.users, args.emulator_preload)
    print(f"  {emu.url}, {emu.start_seconds:.1f} s to start", file=sys.stderr)

    sync_base = (f"{q(args.tdbraze)} sync cohort {q(str(table))} --endpoint {emu.url} --cohort-id {COHORT} "
                 f"--rate-limit 1000000000 --log-format json")

    def shown(cmd: str) -> str:
        return as_typed(cmd.replace(emu.url, "http://127.0.0.1:PORT"), repo,
                        {args.tdbraze: args.tdbraze_origin} if args.tdbraze_origin else {})

    def check_emulator(what: str) -> dict:
        st = emu.call("GET", "/_emulator/stats")
        if st.get("membership_applied") != expected_requests or st.get("members_added") != ids:
            problem(f"{what}: the emulator applied {st.get('membership_applied')} membership requests and added "
                    f"{st.get('members_added')} members (expected {expected_requests} and {ids}); "
                    f"by status {st.get('by_status')}")
        return st

    table_ids: set[str] = set()

    def check_members(what: str) -> None:
        """The cohort itself, not only the counters: exactly the table's distinct user ids, nothing else."""
        if not table_ids:  # read once, with the csv module: the table's user ids, empty cells left out
            with table.open(newline="", encoding="utf-8") as f:
                table_ids.update(v for row in csv.DictReader(f) if (v := (row.get("user_ids") or "").strip()))
            if meta["device_ids"]["distinct"]:
                problem("the table has device ids: the cohort check compares user ids only")
        c = emu.call("GET", f"/_emulator/cohorts/{COHORT}")
        members = c.get("members", {})
        got = members.get("user_ids", [])
        extra = [x for x in got if x not in table_ids]
        if len(got) != len(table_ids) or extra or members.get("device_ids") or members.get("aliases"):
            problem(f"{what}: the cohort holds {len(got):,} user ids ({len(extra):,} not in the table), "
                    f"{len(members.get('device_ids', [])):,} device ids and {len(members.get('aliases', [])):,} "
                    f"aliases; the table has {len(table_ids):,} distinct user ids")

    def run_one(kind: str, t: int, rep: int) -> dict:
        emu.reset()
        state = work / f"state-{kind}-{t}.db"
        remove_state(state)
        if kind == "loadgen":
            cmd = f"{{time}} {q(args.loadgen)} --url {emu.url} --requests {q(str(plan_file))} --threads {t}"
        elif kind == "sync":
            cmd = f"{{time}} {sync_base} --threads {t} --state {q(str(state))}"
        elif kind == "python":
            cmd = (f"{{time}} {q(args.python)} {q(str(python_sync))} {q(str(table))} --endpoint {emu.url} "
                   f"--cohort-id {COHORT} --threads {t}")
        else:  # dry run: the validation pass alone, what the sync does before it sends anything
            cmd = f"{{time}} {sync_base} --threads {t} --state {q(str(state))} --dry-run"
        cpu0 = emu.cpu_seconds()
        r = measure(cmd, args.quiet_wait)
        r["emulator_cpu_seconds"] = round(emu.cpu_seconds() - cpu0, 3)
        r["command"] = shown(cmd)
        if kind == "loadgen":
            s = last_json(r["stdout"])
            r["summary"] = s
            if r["status"] != 0 or s.get("ok") != expected_requests or s.get("ids") != ids:
                problem(f"loadgen {t} threads, run {rep}: exit {r['status']}, {s.get('ok')} ok, {s.get('failed')} "
                        f"failed, {s.get('ids')} ids: {r['stderr'][-300:]}")
            check_emulator(f"loadgen {t} threads, run {rep}")
        elif kind == "sync":
            s = last_json(r["stdout"], lambda d: d.get("event") == "summary")
            r["summary"] = s
            if r["status"] != 0 or s.get("outcome") != "completed" or s.get("sent") != expected_requests \
                    or s.get("ids_sent") != ids:
                problem(f"sync {t} threads, run {rep}: exit {r['status']}, {s or r['stdout'][-300:]} "
                        f"{r['stderr'][-300:]}")
            if s.get("retried"):
                problem(f"sync {t} threads, run {rep}: {s['retried']} retries (there should be none without faults)")
            check_emulator(f"sync {t} threads, run {rep}")
            if t == max(threads):
                check_members(f"sync {t} threads, run {rep}")
        elif kind == "python":
            s = last_json(r["stdout"], lambda d: "requests" in d)
            r["summary"] = s
            if r["status"] != 0 or s.get("failed") != 0 or s.get("requests") != expected_requests \
                    or s.get("ids_sent") != ids:
                problem(f"python_sync.py {t} threads, run {rep}: exit {r['status']}, {s or r['stdout'][-300:]} "
                        f"{r['stderr'][-300:]}")
            check_emulator(f"python_sync.py {t} threads, run {rep}")
            if t == max(threads):
                check_members(f"python_sync.py {t} threads, run {rep}")
        else:
            s = last_json(r["stdout"], lambda d: d.get("event") == "summary")
            r["summary"] = s
            if r["status"] != 0 or s.get("outcome") != "completed":
                problem(f"sync --dry-run, run {rep}: exit {r['status']}, {s}")
        remove_state(state)
        return r

    # --- throughput: loadgen and sync at each thread count, interleaved ---------------------------------
    print(f"sync: {table.name} ({ids:,} ids, {expected_requests:,} requests), threads {threads}, best of "
          f"{args.reps}", file=sys.stderr)
    runs: dict[tuple[str, int], list[dict]] = {}
    kinds = ("loadgen", "sync", "python") if args.python_peer else ("loadgen", "sync")
    for rep in range(1, args.reps + 1):
        dry = run_one("dry", max(threads), rep)
        runs.setdefault(("dry", 0), []).append(dry)
        print(f"  run {rep} dry-run          {dry['wall']:7.3f} s  {dry['rss_mib']:7.1f} MiB", file=sys.stderr)
        for t in threads:
            for kind in kinds:
                r = run_one(kind, t, rep)
                runs.setdefault((kind, t), []).append(r)
                print(f"  run {rep} {kind:8s} {t:2d} thr  {r['wall']:7.3f} s  {expected_requests / r['wall']:8.1f} req/s"
                      f"  {r['rss_mib']:7.1f} MiB  cpu {r['cpu_seconds']:.2f} s, emulator cpu "
                      f"{r['emulator_cpu_seconds']:.2f} s, other {r['other_cpu_seconds']:.2f} s", file=sys.stderr)
    profile = None
    if args.perf and shutil.which("perf"):
        emu.reset()
        profile = profile_sync(args, f"{sync_base} --threads {max(threads)}", work)
        check_emulator("the profiled sync")
    emulator_peak_rss = emu.rss_mib()
    emu.stop()

    # --- at Braze's rate limit: the emulator answers 429 beyond it, the client runs with its defaults ------
    at_limit = None
    if args.at_limit:
        per_second = BRAZE_LIMIT_PER_HOUR / 3600
        ideal = expected_requests / per_second
        print(f"sync: at Braze's rate limit ({BRAZE_LIMIT_PER_HOUR:,} requests an hour, {per_second:.1f} a second; "
              f"{ideal:.1f} s for {expected_requests:,} requests at best), {max(threads)} threads", file=sys.stderr)

        def limited_runs(emulator_args: list[str], client_args: str, label: str) -> dict:
            """REPS syncs of the table at the most threads against an emulator that holds a rate limit."""
            limited = Emulator(args.emulator or args.tdbraze, None, None, emulator_args)
            at_runs = []
            try:
                for rep in range(1, args.reps + 1):
                    state = work / "state-at-limit.db"
                    remove_state(state)
                    cmd = (f"{{time}} {q(args.tdbraze)} sync cohort {q(str(table))} --endpoint {limited.url} "
                           f"--cohort-id {COHORT}-{label}-{rep} --state {q(str(state))} --threads {max(threads)} "
                           f"--log-format json{client_args}")
                    r = measure(cmd, args.quiet_wait)
                    s = last_json(r["stdout"], lambda d: d.get("event") == "summary")
                    if r["status"] != 0 or s.get("outcome") != "completed" or s.get("ids_sent") != ids:
                        problem(f"sync at the rate limit ({label}), run {rep}: exit {r['status']}, {s}")
                    at_runs.append({"seconds": round(r["wall"], 3), "retries": s.get("retried"),
                                    "peak_rss_mib": round(r["rss_mib"], 1)})
                    print(f"  run {rep} sync {max(threads):2d} thr  {r['wall']:7.3f} s  "
                          f"{expected_requests / r['wall']:8.1f} req/s  {s.get('retried')} retries ({label})",
                          file=sys.stderr)
                    remove_state(state)
                stats = limited.call("GET", "/_emulator/stats")
                shown_cmd = shown(cmd).replace(limited.url, "http://127.0.0.1:PORT")
            finally:
                limited.stop()
            best = min(a["seconds"] for a in at_runs)
            return {"runs": at_runs, "best_seconds": best, "emulator_rate_limited": stats.get("rate_limited"),
                    "emulator": " ".join(emulator_args), "command": shown_cmd}

        # Braze's documented limit is per hour, so an emulator counting in one window of an hour never refuses
        # the 1,000 requests here: the client's own limit (its default is the same) paces them.
        hourly = limited_runs(["--rate-limit", str(BRAZE_LIMIT_PER_HOUR), "--rate-window", "3600"], "", "hourly")
        at_limit = {"per_hour": BRAZE_LIMIT_PER_HOUR, "threads": max(threads), "ideal_seconds": round(ideal, 3),
                    **hourly, "overhead": round(hourly["best_seconds"] / ideal - 1, 3)}
        # The emulator's limit itself pacing the client: the same rate counted in windows of a second, so that
        # any burst above it is answered 429, and the client's own limit lifted. Only the emulator's answers
        # (X-RateLimit-Remaining, X-RateLimit-Reset, 429) slow the client down.
        per_window = math.floor(per_second)
        binding_ideal = binding_ideal_seconds(expected_requests + 1, per_window)  # the naming call counts too
        binding = limited_runs(["--rate-limit", str(per_window), "--rate-window", "1"],
                               " --rate-limit 1000000000", "per-second")
        at_limit["per_second_window"] = {"per_second": per_window, "ideal_seconds": round(binding_ideal, 3),
                                         **binding, "overhead": round(binding["best_seconds"] / binding_ideal - 1, 3)}

    def entry(kind: str, t: int) -> dict:
        rs = runs[(kind, t)]
        best = min(rs, key=lambda r: r["wall"])
        e = {
            "threads": t,
            "command": best["command"],
            "wall_seconds": [round(r["wall"], 3) for r in rs],
            "cpu_seconds": [r["cpu_seconds"] for r in rs],
            "emulator_cpu_seconds": [r["emulator_cpu_seconds"] for r in rs],
            "other_cpu_seconds": [r["other_cpu_seconds"] for r in rs],
            "best_seconds": round(best["wall"], 3),
            "peak_rss_mib": round(max(r["rss_mib"] for r in rs), 1),
            "requests_per_s": round(expected_requests / best["wall"], 1),
            "ids_per_s": round(ids / best["wall"]),
            "best_cpu_seconds": best["cpu_seconds"],
            "best_emulator_cpu_seconds": best["emulator_cpu_seconds"],
        }
        if kind == "loadgen":
            # The loadgen's own clock starts after it built its bodies: the emulator's rate alone.
            e["in_process_seconds_runs"] = [r["summary"].get("seconds") for r in rs]
            inner = best["summary"].get("seconds")
            if inner:
                e["in_process_seconds"] = round(inner, 3)
                e["in_process_requests_per_s"] = round(expected_requests / inner, 1)
        if kind == "python":
            # Its own clock, like the sync's: reading the table, then from the naming call to the last answer.
            e["retried"] = [r["summary"].get("retried") for r in rs]
            if best["summary"].get("sending_seconds"):
                e["read_seconds"] = best["summary"].get("read_seconds")
                e["sending_seconds"] = best["summary"]["sending_seconds"]
                e["sending_requests_per_s"] = round(expected_requests / e["sending_seconds"], 1)
        if kind == "sync":
            # The sync's own clock, like the loadgen's: from its first request (the naming call) to its last
            # answer, after the check of the table (check_seconds) that comes before anything is sent.
            e["sending_seconds_runs"] = [r["summary"].get("sending_seconds") for r in rs]
            e["check_seconds_runs"] = [r["summary"].get("check_seconds") for r in rs]
            sending = best["summary"].get("sending_seconds")
            if sending:
                e["check_seconds"] = best["summary"].get("check_seconds")
                e["sending_seconds"] = sending
                e["sending_requests_per_s"] = round(expected_requests / sending, 1)
        return e

    dry = entry("dry", 0)
    loadgen = {t: entry("loadgen", t) for t in threads}
    sync = {t: entry("sync", t) for t in threads}
    python = {t: entry("python", t) for t in threads} if args.python_peer else {}
    for t in threads:
        if "sending_seconds" not in sync[t]:  # a tdbraze older than the summary's times: the old estimate
            send = sync[t]["best_seconds"] - dry["best_seconds"]
            sync[t]["sending_seconds"] = round(send, 3)
            sync[t]["sending_requests_per_s"] = round(expected_requests / send, 1) if send > 0 else None
    t_hi = max(threads)
    overhead = compute_overhead({str(t): e for t, e in loadgen.items()}, {str(t): e for t, e in sync.items()})

    # --- memory: a large table ---------------------------------------------------------------------------
    memory: dict = {"real_send": {"ids": ids, "threads": t_hi, "peak_rss_mib": sync[t_hi]["peak_rss_mib"],
                                  "peak_rss_mib_any_threads": max(sync[t]["peak_rss_mib"] for t in threads)},
                    "dry_run_same_table_mib": dry["peak_rss_mib"]}
    idle = measure(f"{{time}} {q(args.tdbraze)} --version", 0)
    memory["idle_rss_mib"] = round(idle["rss_mib"], 1)
    if args.big_table and args.big_table.exists():
        big = args.big_table.resolve()
        big_meta = json.loads(big.with_name(big.name + ".meta.json").read_text())
        big_ids = big_meta["user_ids"]["distinct"] + big_meta["device_ids"]["distinct"]
        print(f"memory: --dry-run of {big.name} ({big_ids:,} ids)", file=sys.stderr)
        sh(f"cat {q(str(big))} > /dev/null")
        state = work / "state-big.db"
        remove_state(state)
        cmd = (f"{{time}} {q(args.tdbraze)} sync cohort {q(str(big))} --endpoint http://127.0.0.1:9 "
               f"--cohort-id {COHORT} --state {q(str(state))} --dry-run --log-format json")
        r = measure(cmd, args.quiet_wait)
        s = last_json(r["stdout"], lambda d: d.get("event") == "summary")
        if r["status"] != 0 or s.get("planned") != math.ceil(big_ids / MAX_IDS_PER_REQUEST):
            problem(f"--dry-run of {big.name}: exit {r['status']}, {s}")
        print(f"  {r['wall']:.1f} s, {r['rss_mib']:.1f} MiB", file=sys.stderr)
        memory["dry_run"] = {"table": big.name, "bytes": big.stat().st_size, "rows": big_meta["rows"],
                             "ids": big_ids, "distinct_id_bytes": big_meta["distinct_id_bytes"],
                             "seconds": round(r["wall"], 2), "peak_rss_mib": round(r["rss_mib"], 1),
                             "bytes_per_id": round((r["rss_mib"] - idle["rss_mib"]) * MIB / big_ids, 1),
                             "command": shown(cmd)}
        remove_state(state)
        if args.big_send:
            # The same table sent for real at the most threads: the goal is about a whole sync, not only its check.
            print(f"memory: real send of {big.name} at {t_hi} threads", file=sys.stderr)
            emulator = Emulator(args.emulator or args.tdbraze, None)
            try:
                cmd = (f"{{time}} {q(args.tdbraze)} sync cohort {q(str(big))} --endpoint {emulator.url} "
                       f"--cohort-id {COHORT} --state {q(str(state))} --threads {t_hi} --rate-limit 1000000000 "
                       f"--log-format json")
                r = measure(cmd, args.quiet_wait)
            finally:
                emulator_rss = emulator.rss_mib()
                emulator.stop()
            s = last_json(r["stdout"], lambda d: d.get("event") == "summary")
            if r["status"] != 0 or s.get("ids_sent") != big_ids:
                problem(f"real send of {big.name}: exit {r['status']}, {s}")
            print(f"  {r['wall']:.1f} s, {r['rss_mib']:.1f} MiB", file=sys.stderr)
            memory["big_send"] = {"table": big.name, "ids": big_ids, "threads": t_hi, "seconds": round(r["wall"], 2),
                                  "peak_rss_mib": round(r["rss_mib"], 1), "ids_sent": s.get("ids_sent"),
                                  "emulator_peak_rss_mib": round(emulator_rss, 1), "command": shown(cmd)}
            remove_state(state)
    if args.heaptrack and shutil.which("heaptrack"):
        # On the table of the real sends, not the big one: heaptrack records every allocation (about 4 per
        # row here), which would take minutes on 10 million rows, and the set's share scales with the ids.
        print(f"memory: heaptrack of a --dry-run of {table.name}", file=sys.stderr)
        memory["heaptrack"] = heaptrack_profile(args, table, work / "state-heaptrack.db", work)
        memory["heaptrack"]["ids"] = ids
    big_runs = [memory[k]["peak_rss_mib"] for k in ("dry_run", "big_send") if k in memory]
    worst_10m = max(big_runs) if big_runs else None
    goal = {
        "overhead": f"the client adds under {GOAL_OVERHEAD:.0%} over the emulator's limit at {t_hi} threads",
        "memory": f"under {GOAL_RSS_MB} MB of memory for a 10 million id sync",
        "overhead_met_end_to_end": overhead["end_to_end"] < GOAL_OVERHEAD,
        "overhead_met_sending_phase": overhead["sending_phase"] is not None and overhead["sending_phase"] < GOAL_OVERHEAD,
        "overhead_met_sending_phase_paired": bool(overhead.get("paired"))
        and overhead["paired"]["sending_phase"] < GOAL_OVERHEAD,
        "overhead_met_at_rate_limit": at_limit is not None and at_limit["overhead"] < GOAL_OVERHEAD,
        "overhead_met_at_emulator_limit": at_limit is not None and "per_second_window" in at_limit
        and at_limit["per_second_window"]["overhead"] < GOAL_OVERHEAD,
        "memory_met": worst_10m is not None and worst_10m * MIB < GOAL_RSS_MB * MB,
    }

    results = {
        "benchmark": "sync",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": describe_machine(load_before),
        "software": {
            **describe_tdbraze(args.tdbraze, args.tdbraze_origin, repo),
            "commit": sh("git rev-parse HEAD", cwd=repo),
            "libcurl": sh("curl-config --version"),
        },
        "table": {"file": repo_relative(table, repo),
                  "bytes": table.stat().st_size, "rows": meta["rows"], "ids": ids, "requests": expected_requests,
                  "generator": meta["generator"]},
        "name": args.name,
        "emulator": {"command": f"tdbraze emulate --port 0 --users {args.users.name}", "note": args.emulator_note,
                     "binary_sha256": short_sha256(Path(args.emulator)) if args.emulator else None,
                     "users": ids, "start_seconds": round(emu.start_seconds, 2),
                     "peak_rss_mib": round(emulator_peak_rss, 1)},
        "loadgen": {"what": "bench/sync/loadgen.cpp: libcurl easy handles, one keep-alive connection per thread, "
                            "the plan's bodies built before the clock starts, no retries or bookkeeping"},
        "units": {"rates": "requests (membership calls, 1,000 ids each) and ids per second of wall time, best of the "
                           "repetitions, process start-up included",
                  "memory": "peak resident set size in MiB (GNU time %M), largest of the repetitions"},
        "repetitions": args.reps,
        "dry_run": dry,
        "loadgen_runs": {str(t): e for t, e in loadgen.items()},
        "sync_runs": {str(t): e for t, e in sync.items()},
        "python_peer": {
            "what": "bench/sync/python_sync.py, what a user would write instead of tdbraze: the csv module, "
                    "repeats dropped with a set, the naming call, then batches of 1,000 user ids on a "
                    "concurrent.futures thread pool, a requests.Session per thread, up to 3 retries on "
                    "429/5xx/connection errors",
            "python": sh(f"{q(args.python)} --version"),
            "requests": sh(f"{q(args.python)} -c 'import requests; print(requests.__version__)'"),
            "urllib3": sh(f"{q(args.python)} -c 'import urllib3; print(urllib3.__version__)'"),
            "tdbraze_speedup": {str(t): round(python[t]["best_seconds"] / sync[t]["best_seconds"], 2)
                                for t in python},
        } if python else None,
        "python_runs": {str(t): e for t, e in python.items()},
        "overhead": overhead,
        "at_rate_limit": at_limit,
        "memory": memory,
        "profile": profile,
        "goal": goal,
        "problems": failures,
    }
    out_dir = bench / "results"
    out_dir.mkdir(exist_ok=True)
    save_json(out_dir / f"{args.name}.json", results)
    write_outputs(results, out_dir)
    return exit_status(failures)


def capacity_of(e: dict) -> float:
    """The emulator's rate under the minimal client: its own clock, which starts once every body is built
    (the process's wall time also holds reading the plan, about half a second)."""
    return e.get("in_process_requests_per_s") or e["requests_per_s"]


def compute_overhead(loadgen: dict, sync: dict) -> dict:
    """How far the sync stays below the emulator's capacity, the best the minimal client got at any thread
    count; also per thread count, against the minimal client at the same count."""
    capacity_t = max(loadgen, key=lambda t: capacity_of(loadgen[t]))
    capacity = capacity_of(loadgen[capacity_t])
    t_hi = max(sync, key=int)
    return {
        "capacity_requests_per_s": capacity,
        "capacity_threads": int(capacity_t),
        "how": "1 - sync requests/s at the most threads / capacity; capacity = the minimal client's best rate "
               "timed from its first request to its last answer",
        "end_to_end": round(1 - sync[t_hi]["requests_per_s"] / capacity, 3),
        "sending_phase": round(1 - sync[t_hi]["sending_requests_per_s"] / capacity, 3)
        if sync[t_hi]["sending_requests_per_s"] else None,
        "per_threads": {t: round(1 - sync[t]["requests_per_s"] / capacity_of(loadgen[t]), 3) for t in sync},
        "paired": paired_overhead(loadgen[t_hi], sync[t_hi]),
    }


def binding_ideal_seconds(requests: int, per_window: int) -> int:
    """The least time `requests` take against an emulator allowing `per_window` in windows of a second: as many
    windows as they fill, of which the first, opened by the first request, ends on the next whole second and
    can be as short as the client is quick."""
    return math.ceil(requests / per_window) - 1


def paired_overhead(loadgen: dict, sync: dict) -> dict | None:
    """The same comparison round by round: the minimal client and the sync run back to back in each round, so
    the VM's speed, which drifts by a third between minutes on this machine, is nearly the same for both. The
    best of each side can come from different rounds (a fast minute for one, a slow one for the other); the
    median of the rounds' ratios does not mix them."""
    lg = loadgen.get("in_process_seconds_runs") or []
    send = sync.get("sending_seconds_runs") or []
    walls = sync.get("wall_seconds") or []
    rounds = [(c, s, w) for c, s, w in zip(lg, send, walls) if c and s and w]
    if not rounds:
        return None
    sending = [round(c / s, 3) for c, s, _ in rounds]  # sync sending rate / capacity in the same round
    end_to_end = [round(c / w, 3) for c, _, w in rounds]
    return {"how": "per round: the minimal client's time from first request to last answer / the sync's (its "
                   "sending phase, or its whole process); the median over rounds",
            "sending_phase_ratios": sending, "end_to_end_ratios": end_to_end,
            "sending_phase": round(1 - statistics.median(sending), 3),
            "end_to_end": round(1 - statistics.median(end_to_end), 3)}


def profile_sync(args, command: str, work: Path) -> dict:
    """Where one sync's CPU goes, by shared object and by function (perf, self time, all threads)."""
    state = work / "state-perf.db"
    data = work / "sync-perf.data"
    remove_state(state)
    wait_for_quiet(args.quiet_wait)
    rec = subprocess.run(["perf", "record", "-F", "999", "-o", str(data), "--", *shlex.split(command),
                          "--state", str(state)], capture_output=True, text=True)
    remove_state(state)
    if not data.exists():
        return {"error": rec.stderr[-500:]}

    def top(sort: str, limit: int) -> list[dict]:
        rep = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio", "--sort", sort],
                             capture_output=True, text=True)
        out = []
        for line in rep.stdout.splitlines():
            m = re.match(r"\s+([\d.]+)%\s+(.*?)\s*$", line)
            if m and float(m.group(1)) >= 0.5:
                what = re.sub(r"(\s+-)+\s*$", "", re.sub(r"\s{2,}", " ", m.group(2)))
                out.append({"percent": float(m.group(1)), "what": what})
        return out[:limit]

    by_dso, by_symbol = top("dso", 8), top("dso,symbol", 15)
    data.unlink(missing_ok=True)
    return {"how": "perf record -F 999 of one `tdbraze sync cohort` at the most threads; self time", "by_dso": by_dso,
            "by_symbol": by_symbol}


def heaptrack_profile(args, big: Path, state: Path, work: Path) -> dict:
    """Where the --dry-run's memory goes at its peak: heaptrack's peak contributions by allocation site."""
    remove_state(state)
    out = work / "sync-heaptrack"
    for p in work.glob(out.name + "*"):
        p.unlink()
    rec = subprocess.run(["heaptrack", "-o", str(out), args.tdbraze, "sync", "cohort", str(big), "--endpoint",
                          "http://127.0.0.1:9", "--cohort-id", COHORT, "--state", str(state), "--dry-run"],
                         capture_output=True, text=True)
    files = sorted(work.glob(out.name + "*"))
    if not files:
        return {"error": (rec.stdout + rec.stderr)[-500:]}
    rep = subprocess.run(["heaptrack_print", "--print-peaks", "1", "--print-allocators", "0",
                          "--print-temporary", "0", "--print-leaks", "0", "--peak-limit", "8", "--sub-peak-limit",
                          "3", str(files[0])], capture_output=True, text=True)
    for p in files:
        p.unlink()
    text = rep.stdout
    peak = re.search(r"peak heap memory consumption:\s*(\S+)", text)
    sites = []
    # Lines like "512.00M peak memory consumed over 6 calls from" followed by the function name.
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\S+) peak memory consumed over (\d+) calls from", line)
        if m and i + 1 < len(lines):
            where = lines[i + 1].strip()
            sites.append({"peak": m.group(1), "calls": int(m.group(2)), "function": re.sub(r"\s+in /.*$", "", where)})
    return {"how": "heaptrack of one `tdbraze sync cohort --dry-run`; heaptrack_print "
                   "--print-peaks (the largest contributions to the heap at its peak)",
            "peak_heap": peak.group(1) if peak else None, "sites": sites[:8],
            "summary": "\n".join(l for l in lines if l.startswith(("total runtime", "calls to allocation", "peak heap",
                                                                   "peak RSS", "total memory leaked")))}


def write_outputs(results: dict, out_dir: Path) -> None:
    name = results.get("name", "sync")
    # Variants (another emulator, NAME=...) are kept beside the main results, not in the README.
    publish(out_dir, name, markdown(results), svg(results), readme=name == "sync")


def render(results_json: Path) -> int:
    r = json.loads(results_json.read_text())
    # Recomputed, so that a change in how the overhead is defined applies to stored results too.
    r["overhead"] = compute_overhead(r["loadgen_runs"], r["sync_runs"])
    r["goal"]["overhead_met_end_to_end"] = r["overhead"]["end_to_end"] < GOAL_OVERHEAD
    r["goal"]["overhead_met_sending_phase"] = (r["overhead"]["sending_phase"] is not None
                                               and r["overhead"]["sending_phase"] < GOAL_OVERHEAD)
    pw = (r.get("at_rate_limit") or {}).get("per_second_window")
    if pw:
        pw["ideal_seconds"] = binding_ideal_seconds(r["table"]["requests"] + 1, pw["per_second"])
        pw["overhead"] = round(pw["best_seconds"] / pw["ideal_seconds"] - 1, 3)
        r["goal"]["overhead_met_at_emulator_limit"] = pw["overhead"] < GOAL_OVERHEAD
    paired = r["overhead"].get("paired")
    r["goal"]["overhead_met_sending_phase_paired"] = bool(paired) and paired["sending_phase"] < GOAL_OVERHEAD
    save_json(results_json, r)
    write_outputs(r, results_json.parent)
    return 0


def svg(r: dict) -> str:
    lg, sy, o, py = r["loadgen_runs"], r["sync_runs"], r["overhead"], r.get("python_runs") or {}
    ts = list(lg)
    series = [("emulator capacity (minimal client)", [capacity_of(lg[t]) for t in ts]),
              ("tdbraze sync, end to end", [sy[t]["requests_per_s"] for t in ts]),
              ("tdbraze sync, sending phase", [sy[t]["sending_requests_per_s"] for t in ts])]
    width = 0  # chart.py's default
    if py:
        series.append(("Python + requests, end to end", [py[t]["requests_per_s"] if t in py else None for t in ts]))
        # Wide enough for the legend, which chart.py lays out on one line (28 px + 7 px a character per entry).
        width = max(720, 64 + 16 + sum(28 + 7 * len(name) for name, _ in series))
    return chart.grouped_bars(
        f"Cohort sync against the local emulator: {r['table']['ids']:,} ids, {r['table']['requests']:,} requests",
        [f"{t} thread{'s' if t != '1' else ''}" for t in ts],
        series,
        "requests per second (1,000 ids each)", width=width,
        note=f"{r['machine']['cores']} cores shared by emulator and client; best of {r['repetitions']}; "
             f"{r['date'][:10]}",
        reference=(f"goal: 90% of capacity ({o['capacity_requests_per_s'] * (1 - GOAL_OVERHEAD):,.0f}/s)",
                   o["capacity_requests_per_s"] * (1 - GOAL_OVERHEAD)), reference_label_at="left")


def sending_phase_sentence(s: dict, o: dict) -> str:
    if s.get("check_seconds") is not None:  # timed by the sync itself
        return (f"{o['sending_phase']:.1%} in its sending phase, timed as the minimal client is: from its first "
                f"request to its last answer ({s['sending_seconds']:.2f} s, after {s['check_seconds']:.2f} s checking "
                f"the table, which comes before anything is sent).")
    return (f"{o['sending_phase']:.1%} in its sending phase taken as wall time less the dry run (a table checked on "
            f"disk is planned while it is sent, so the dry run holds work the real send overlaps with sending: this "
            f"figure flatters the sending phase and only compares with earlier runs).")


def paired_lines(p: dict | None, t_hi: str, g: dict) -> list[str]:
    """The round-by-round comparison (paired_overhead), when the results hold each run's clocks."""
    if not p:
        return []
    ratios = lambda xs: ", ".join(f"{x:.2f}" for x in xs)
    return [f"Round by round at {t_hi} threads (the minimal client and the sync back to back, so both meet the VM "
            f"at nearly the same speed; the best of each side above can come from different rounds): the sending "
            f"phase at {ratios(p['sending_phase_ratios'])} of the minimal client's rate in the same round, median "
            f"**{1 - p['sending_phase']:.2f}** (goal 0.9: "
            f"**{'met' if g.get('overhead_met_sending_phase_paired') else 'missed'}**); end to end, the whole "
            f"process against the minimal client's sending alone, {ratios(p['end_to_end_ratios'])}, median "
            f"{1 - p['end_to_end']:.2f}."]


def speedup_words(python_seconds: float, tdbraze_seconds: float) -> str:
    x = python_seconds / tdbraze_seconds
    return f"{x:.2f}x faster" if x >= 1 else f"{1 / x:.2f}x slower"


def python_lines(r: dict) -> list[str]:
    """The peer a user would write instead of tdbraze: its table and a sentence at the most threads."""
    py, sy, pp = r.get("python_runs") or {}, r["sync_runs"], r.get("python_peer") or {}
    if not py:
        return []
    lines = [
        f"Python + requests (what a user would write instead: `bench/sync/python_sync.py`, {pp.get('python')} and "
        f"requests {pp.get('requests')}; the csv module, a set for repeats, the naming call, then batches of 1,000 "
        f"on a `concurrent.futures` thread pool with a `requests.Session` per thread and a few retries on 429, 5xx "
        f"and connection errors), the same emulator in the same rounds, best of {r['repetitions']}, timed the same "
        f"way (process start to exit):",
        "",
        "| threads | Python req/s | Python ids/s | tdbraze end to end vs Python | Python sending phase req/s | "
        "Python peak RSS (MiB) | Python CPU (s) | tdbraze CPU (s) | emulator CPU (s) | Python retries |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t, p in py.items():
        s = sy[t]
        lines.append(f"| {t} | {fmt(p['requests_per_s'])} | {p['ids_per_s']:,} | tdbraze "
                     f"**{speedup_words(p['best_seconds'], s['best_seconds'])}** "
                     f"({s['best_seconds']:.2f} s against {p['best_seconds']:.2f} s) | "
                     f"{fmt(p['sending_requests_per_s']) if p.get('sending_requests_per_s') else '?'} | "
                     f"{fmt(p['peak_rss_mib'])} | {p['best_cpu_seconds']:.2f} | {s['best_cpu_seconds']:.2f} | "
                     f"{p['best_emulator_cpu_seconds']:.2f} | {sum(x or 0 for x in p.get('retried', []))} |")
    t_hi = max(py, key=int)
    p, s = py[t_hi], sy[t_hi]
    read = (f"; the script reads and deduplicates the table in {p['read_seconds']:.2f} s before its first request"
            if p.get("read_seconds") is not None else "")
    lines += ["", f"At {t_hi} threads tdbraze is **{speedup_words(p['best_seconds'], s['best_seconds'])}** end to "
              f"end than the Python script ({s['best_seconds']:.2f} s against {p['best_seconds']:.2f} s), using "
              f"{s['best_cpu_seconds'] / p['best_cpu_seconds']:.2f}x its CPU time and "
              f"{s['peak_rss_mib'] / p['peak_rss_mib']:.2f}x its peak memory{read}. After every run of either at "
              f"{t_hi} threads the emulator's cohort is checked to hold exactly the table's distinct ids.", ""]
    return lines


def markdown(r: dict) -> str:
    tb, lg, sy, o, m, g = r["table"], r["loadgen_runs"], r["sync_runs"], r["overhead"], r["memory"], r["goal"]
    sw = r["software"]
    t_hi = max(lg, key=int)
    lines = [
        f"Cohort sync, {tb['ids']:,} ids ({fmt(tb['bytes'] / MB)} MB of CSV, {tb['requests']:,} membership requests of "
        f"1,000 ids) to `tdbraze emulate` on loopback ({r['emulator']['users']:,} users, no faults, no rate limit), "
        f"best of {r['repetitions']}; {r['machine']['cpu']} ({r['machine']['cores']} cores, shared by the emulator "
        f"and the client), {sw['tdbraze']} ({sw['repository']}), {sw['libcurl']}, {r['date'][:10]}."
        + (f" Emulator: {r['emulator']['note']}." if r["emulator"].get("note") else ""),
        "",
        f"![requests per second]({r.get('name', 'sync')}.svg)",
        "",
        "| threads | emulator capacity (req/s) | sync req/s | sync ids/s | sync / capacity | sending phase req/s | "
        "sync peak RSS (MiB) | sync CPU (s) | emulator CPU (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in lg:
        a, s = lg[t], sy[t]
        lines.append(f"| {t} | {fmt(capacity_of(a))} | {fmt(s['requests_per_s'])} | {s['ids_per_s']:,} | "
                     f"{s['requests_per_s'] / capacity_of(a):.2f} | "
                     f"{fmt(s['sending_requests_per_s']) if s['sending_requests_per_s'] else '?'} | "
                     f"{fmt(s['peak_rss_mib'])} | {s['best_cpu_seconds']:.2f} | {s['best_emulator_cpu_seconds']:.2f} |")
    d = r["dry_run"]
    lines += [
        "",
        f"Emulator capacity: {fmt(o['capacity_requests_per_s'])} requests/s "
        f"({o['capacity_requests_per_s'] * MAX_IDS_PER_REQUEST:,.0f} ids/s), the best of the minimal client "
        f"(`bench/sync/loadgen.cpp`) at {o['capacity_threads']} threads, timed from its first request to its last "
        f"answer ({fmt(lg[str(o['capacity_threads'])]['requests_per_s'])} requests/s over its whole process, reading "
        f"the plan included); its CPU at that rate: "
        f"{lg[str(o['capacity_threads'])]['best_cpu_seconds']:.2f} s against the emulator's "
        f"{lg[str(o['capacity_threads'])]['best_emulator_cpu_seconds']:.2f} s.",
        f"The sync at {t_hi} threads: **{o['end_to_end']:.1%} below capacity** end to end (start-up and the "
        f"validation pass before anything is sent included: the `--dry-run` alone takes {d['best_seconds']:.2f} s), "
        + sending_phase_sentence(sy[t_hi], o),
        f"Goal of the issue: the client adds under {GOAL_OVERHEAD:.0%} over the emulator's limit at {t_hi} threads: "
        f"**{'met' if g['overhead_met_end_to_end'] else 'missed'}** end to end against its capacity (on two cores "
        f"shared with the emulator), **{'met' if g.get('overhead_met_sending_phase') else 'missed'}** in the "
        f"sending phase.",
    ]
    lines += paired_lines(o.get("paired"), t_hi, g)
    lines += [""]
    lines += python_lines(r)
    al = r.get("at_rate_limit")
    if al:
        each = ", ".join(f"{a['seconds']:.2f} s with {a['retries']} retries" for a in al["runs"])
        lines += [
            f"At Braze's rate limit (the emulator limited to Braze's documented {al['per_hour']:,} requests an hour, "
            f"no users file; the client with its defaults, whose own limit is the same) at {al['threads']} threads: "
            f"{al['best_seconds']:.2f} s for {tb['requests']:,} requests, where the limit allows "
            f"{al['ideal_seconds']:.2f} s at best: **{al['overhead']:+.1%}**, start-up and the check of the table "
            f"before the first request included (runs: {each}; the emulator answered "
            f"{al['emulator_rate_limited']} requests with 429). Goal at Braze's limit: "
            f"**{'met' if g.get('overhead_met_at_rate_limit') else 'missed'}** (an emulator counting in windows of "
            f"an hour refuses none of these requests: the client's own limit paces them).",
            "",
        ]
        pw = al.get("per_second_window")
        if pw:
            each = ", ".join(f"{a['seconds']:.2f} s with {a['retries']} retries" for a in pw["runs"])
            lines += [
                f"At the emulator's own limit, binding: the same rate counted in windows of one second "
                f"(`{pw['emulator']}`: a burst above {pw['per_second']} requests in a second is answered 429), the "
                f"client's own limit lifted (`--rate-limit 1000000000`), so that only the emulator's answers "
                f"(`X-RateLimit-Remaining`, `X-RateLimit-Reset`, 429) pace it, at {al['threads']} threads: "
                f"{pw['best_seconds']:.2f} s for {tb['requests']:,} requests and the naming call, where the "
                f"emulator's limit allows {pw['ideal_seconds']:.2f} s at best (they fill "
                f"{pw['ideal_seconds'] + 1:.0f} windows, and the first, opened by the first request, ends on the "
                f"next whole second): **{pw['overhead']:+.1%}**, start-up "
                f"and the check included (runs: {each}; the emulator answered {pw['emulator_rate_limited']} requests "
                f"with 429). Goal against the emulator's limit: "
                f"**{'met' if g.get('overhead_met_at_emulator_limit') else 'missed'}**.",
                "",
            ]
    lines += [
        "Memory:",
        "",
        "| run | ids | peak RSS (MiB) |",
        "|---|---:|---:|",
        f"| `tdbraze --version` (the binary and its libraries) | 0 | {fmt(m['idle_rss_mib'])} |",
        f"| real send, {m['real_send']['threads']} threads | {m['real_send']['ids']:,} | "
        f"{fmt(m['real_send']['peak_rss_mib'])} |",
        f"| `--dry-run`, same table | {m['real_send']['ids']:,} | {fmt(m['dry_run_same_table_mib'])} |",
    ]
    if "dry_run" in m:
        b = m["dry_run"]
        lines.append(f"| `--dry-run` ({fmt(b['bytes'] / MB)} MB of CSV, {b['seconds']:.1f} s) | {b['ids']:,} | "
                     f"**{fmt(b['peak_rss_mib'])}** |")
        worst = b["peak_rss_mib"]
        if "big_send" in m:
            bs = m["big_send"]
            lines.append(f"| real send of the same table, {bs['threads']} threads ({bs['seconds']:.1f} s; the emulator "
                         f"peaked at {fmt(bs['emulator_peak_rss_mib'])} MiB) | {bs['ids']:,} | "
                         f"**{fmt(bs['peak_rss_mib'])}** |")
            worst = max(worst, bs["peak_rss_mib"])
        lines += ["", f"Goal of the issue: under {GOAL_RSS_MB} MB for a 10 million id sync: "
                  f"**{'met' if g['memory_met'] else 'missed'}** ({fmt(worst * MIB / MB)} MB at the most at "
                  f"{b['ids']:,} ids; the ids themselves are {b['distinct_id_bytes'] / b['ids']:.1f} bytes on average "
                  f"and {fmt(b['distinct_id_bytes'] / MB)} MB together: tables over 16 MiB are checked for "
                  f"duplicates through a temporary file, see docs/sync.md#large-tables)."]
    h = m.get("heaptrack")
    if h and h.get("sites"):
        lines += ["", f"Where the memory goes (heaptrack of a `--dry-run` of the {h['ids']:,}-id table, peak heap "
                  f"{h['peak_heap']}): " + "; ".join(
            f"{s['peak']} from `{s['function'][:90]}`" for s in h["sites"][:5]) + "."]
    prof = r.get("profile") or {}
    if prof.get("by_dso"):
        lines += ["", f"Where the sync's CPU goes at {t_hi} threads (perf, self time): " + ", ".join(
            f"{e['what']} {e['percent']:.0f}%" for e in prof["by_dso"][:5]) + "; by function: " + ", ".join(
            f"{e['what']} {e['percent']:.0f}%" for e in prof["by_symbol"][:6]) + "."]
    lines += ["", f"The emulator itself peaked at {fmt(r['emulator']['peak_rss_mib'])} MiB holding {tb['ids']:,} "
              f"users and the cohort, and took {r['emulator']['start_seconds']:.1f} s to start (reading the users)."]
    noisy = [f"{k} {t}" for k, runs in (("loadgen", lg), ("sync", sy), ("python", r.get("python_runs") or {}))
             for t, e in runs.items()
             if at_best(e, "other_cpu_seconds") > 0.1 * e["best_seconds"] + e["best_emulator_cpu_seconds"] + 0.5]
    lines += other_cpu_lines(noisy, "sync.json", "Other processes (besides the emulator)")
    lines += problem_lines(r["problems"])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
