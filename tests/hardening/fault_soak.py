#!/usr/bin/env python3
"""Fault soak: the cohort sync against the emulator under heavy faults and repeated SIGKILL/resume.

For a bounded time, cycle after cycle: a fresh cohort gets an `add` of a random table, then a `remove` of a
random part of it. Each sync is started, killed with SIGKILL at a random moment (several times), and resumed
with --resume until it finishes. The emulator answers with 429/500/502/503/423 faults, drops connections
before and after applying a change, and has latency spikes. After every cycle:
  - the cohort holds exactly the expected members (GET /_emulator/cohorts/{id});
  - no confirmed batch was sent again: during each resume the emulator applied at most as many membership
    requests as the state database had unconfirmed batches, plus the answers it dropped after applying;
  - the final sync exits 0 and its run is 'completed' in the state database.

  tests/hardening/fault_soak.py --bin build/native/bin --seconds 60 [--json out.json] [--seed N]

Prints one line per cycle and a summary; --json writes the summary for docs/reliability.md.
"""
import argparse
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

FAULTS = ("429=0.12,500=0.06,502=0.04,503=0.04,423=0.02,drop_before=0.05,drop_after=0.05,"
          "latency_ms=2,latency_jitter_ms=150")
KEY, SECRET = "soak-partner-key", "soak-client-secret"
QUIET_SECONDS = 0.5  # longer than the largest injected latency (latency_ms + latency_jitter_ms)


def get_json(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy: loopback
    with opener.open(url, timeout=30) as response:
        return json.load(response)


class Emulator:
    def __init__(self, binary, seed):
        env = dict(os.environ, TDBRAZE_EMULATOR_PARTNER_API_KEY=KEY, TDBRAZE_EMULATOR_CLIENT_SECRET=SECRET)
        self.process = subprocess.Popen([binary, "emulate", "--port", "0", "--faults", FAULTS, "--seed", str(seed),
                                         "--rate-limit", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        env=env)
        line = self.process.stdout.readline().decode()
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if not match:
            raise SystemExit(f"the emulator did not start: {line}")
        self.url = match.group(1)

    def stats(self):
        return get_json(self.url + "/_emulator/stats")

    def members(self, cohort):
        return set(get_json(f"{self.url}/_emulator/cohorts/{cohort}")["members"]["user_ids"])

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def confirmed_batches(state, cohort, operation):
    """Membership batches of the cohort's unfinished `operation` run that are confirmed; None when there is no
    such run (the kill came before the run was stored). The engine stores batches as it plans them, so the
    count of unconfirmed ones must come from the table, not from the database."""
    if not os.path.exists(state):
        return None
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30)
    try:
        row = db.execute("SELECT id, operation, status FROM runs WHERE cohort_scope LIKE ? ORDER BY id DESC LIMIT 1",
                         (f"%{cohort}%",)).fetchone()
        if row is None or row[1] != operation or row[2] == "completed":
            return None
        (confirmed,) = db.execute(
            "SELECT COUNT(*) FROM batches WHERE run_id = ? AND kind != 'name' AND status = 'confirmed'",
            (row[0],)).fetchone()
        return confirmed
    except sqlite3.OperationalError:
        return None
    finally:
        db.close()


class Soak:
    def __init__(self, binary, emulator, work, rng):
        self.binary, self.emulator, self.work, self.rng = binary, emulator, work, rng
        self.totals = {"cycles": 0, "syncs": 0, "kills": 0, "resumes": 0, "ids_sent": 0}
        self.failures = []

    def sync(self, table, cohort, operation, state, ids):
        """One sync, killed a few times and resumed until it finishes. Checks the no-resend bound on
        every resume."""
        threads = self.rng.choice([1, 4, 8, 16])
        per_request = self.rng.choice([50, 200, 1000])
        batches = -(-ids // per_request)  # distinct short ids: the id limit is what splits them
        args = [self.binary, "sync", "cohort", table, "--endpoint", self.emulator.url, "--cohort-id", cohort,
                "--operation", operation, "--threads", str(threads), "--state", state, "--rate-limit", "10000000",
                "--retry-base-ms", "5", "--retry-cap-ms", "200", "--max-attempts", "1000", "--timeout", "10",
                "--max-ids-per-request", str(per_request), "--log-format", "json"]
        env = dict(os.environ, TDBRAZE_PARTNER_API_KEY=KEY, TDBRAZE_CLIENT_SECRET=SECRET)
        kills_left = self.rng.randint(0, 3)
        resume = False
        self.totals["syncs"] += 1
        for attempt in range(20):
            confirmed = confirmed_batches(state, cohort, operation) if resume else None
            pending = None if confirmed is None else batches - confirmed
            before = self.emulator.stats()
            # Each attempt picks where the duplicate check runs: a resume must find the same plan either way.
            dedupe = ["--dedupe", self.rng.choice(["memory", "disk"])]
            process = subprocess.Popen(args + dedupe + (["--resume"] if resume else []), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, env=env)
            if kills_left > 0:
                try:
                    process.wait(timeout=self.rng.uniform(0.05, 1.5))
                except subprocess.TimeoutExpired:
                    process.send_signal(signal.SIGKILL)
                    kills_left -= 1
                    self.totals["kills"] += 1
            try:
                _, err = process.communicate(timeout=600)
            except subprocess.TimeoutExpired:
                process.kill()
                self.failures.append(f"{cohort} {operation}: did not finish in 600 s")
                return False
            after = self.emulator.stats()
            if pending is not None:
                applied = after["membership_applied"] - before["membership_applied"]
                dropped_after = after["faults"]["drop_after"] - before["faults"]["drop_after"]
                if applied > pending + dropped_after:
                    self.failures.append(f"{cohort} {operation}: a resume applied {applied} requests with only "
                                         f"{pending} of {batches} batches unconfirmed and {dropped_after} dropped "
                                         "answers: a confirmed batch was sent again")
            if process.returncode == 0:
                return True
            if process.returncode == -signal.SIGKILL:
                # Requests the killed client had sent may still be in the emulator's injected latency: let them
                # land before the next resume's counts start, or they would be blamed on it.
                time.sleep(QUIET_SECONDS)
                resume = True
                self.totals["resumes"] += 1
                continue
            text = err.decode("utf-8", "replace")
            if "--resume" in text:  # stopped by a refusal that asks for --resume
                resume = True
                self.totals["resumes"] += 1
                continue
            self.failures.append(f"{cohort} {operation}: exit {process.returncode}: {text[-600:]}")
            return False
        self.failures.append(f"{cohort} {operation}: still unfinished after 20 attempts")
        return False

    def cycle(self, number):
        cohort = f"soak-{number}"
        size = self.rng.randint(2_000, 40_000)
        ids = [f"u{number}-{k}" for k in range(size)]
        table = os.path.join(self.work, f"{cohort}.csv")
        with open(table, "w") as f:
            f.write("user_ids\n" + "\n".join(ids) + "\n")
        state = os.path.join(self.work, f"{cohort}.db")
        if not self.sync(table, cohort, "add", state, size):
            return
        removed = set(self.rng.sample(ids, self.rng.randint(0, size // 2)))
        with open(table, "w") as f:
            f.write("user_ids\n" + "\n".join(sorted(removed)) + "\n")
        if removed and not self.sync(table, cohort, "remove", state, len(removed)):
            return
        expected = set(ids) - removed
        got = self.emulator.members(cohort)
        if got != expected:
            self.failures.append(f"{cohort}: {len(got - expected)} unexpected and {len(expected - got)} missing members")
        self.totals["cycles"] += 1
        self.totals["ids_sent"] += size + len(removed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="folder holding the tdbraze binary")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", help="write the summary here")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 31)
    rng = random.Random(seed)
    binary = os.path.abspath(os.path.join(args.bin, "tdbraze"))
    emulator = Emulator(binary, seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tdbraze-soak-") as work:
        soak = Soak(binary, emulator, work, rng)
        number = 0
        try:
            while time.monotonic() - started < args.seconds and not soak.failures:
                number += 1
                soak.cycle(number)
                t = soak.totals
                print(f"cycle {number}: {t['cycles']} exact so far, {t['kills']} kills, {t['resumes']} resumes",
                      flush=True)
            stats = emulator.stats()
        finally:
            emulator.stop()
    faults = stats["faults"]
    summary = dict(soak.totals, seed=seed, seconds=round(time.monotonic() - started, 1), faults_spec=FAULTS,
                   requests=stats["requests_total"], membership_applied=stats["membership_applied"],
                   duplicate_applied=stats["duplicate_applied"], injected_statuses=faults["statuses"],
                   dropped_before=faults["drop_before"], dropped_after=faults["drop_after"],
                   failures=soak.failures)
    print(json.dumps(summary, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    if soak.totals["cycles"] == 0 and not soak.failures:
        soak.failures.append("no cycle finished in the time given")
    for failure in soak.failures:
        print("FAIL", failure)
    return 1 if soak.failures else 0


if __name__ == "__main__":
    sys.exit(main())
