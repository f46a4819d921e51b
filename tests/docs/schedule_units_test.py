#!/usr/bin/env python3
"""The schedule in docs/sync.md ("Running on a schedule") works as written: the systemd units parse and hold
what a oneshot service and its timer need, and their ExecStart (and the cron line) run against the emulator:
the first run mirrors the table, the next finds nothing to change and says so, both exit 0 with a JSON log
whose summary agrees.

  schedule_units_test.py --tdbraze build/native/bin/tdbraze --doc docs/sync.md
"""
import argparse
import configparser
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

UNIT = re.compile(r"^```ini unit=(\S+)\n(.*?)^```", re.S | re.M)
CRON = re.compile(r"^```text\n(\d+ \d+ \* \* \*\s+tdbraze sync cohort .*?)\n```", re.S | re.M)


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def parse_unit(text):
    # systemd's format is INI with repeatable keys and no interpolation ('%h' is a systemd specifier).
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read_string(text)
    return unit


def run(args, env, home):
    """Runs a documented command line with the built binary, the emulator's URL and a temporary home."""
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=home)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tdbraze", required=True)
    parser.add_argument("--doc", required=True)
    a = parser.parse_args()
    a.tdbraze = os.path.abspath(a.tdbraze)
    doc = open(a.doc, encoding="utf-8").read()

    units = {name: parse_unit(body) for name, body in UNIT.findall(doc)}
    service = next((u for n, u in units.items() if n.endswith(".service")), None)
    timer = next((u for n, u in units.items() if n.endswith(".timer")), None)
    if service is None or timer is None:
        fail("docs/sync.md must show a .service and a .timer unit (```ini unit=NAME)")
    if service["Service"].get("Type") != "oneshot":
        fail("the service must be Type=oneshot: a sync runs to its end, then the timer waits")
    for key in ("OnCalendar", "Persistent"):
        if key not in timer["Timer"]:
            fail(f"the timer lacks {key}")
    if timer["Install"].get("WantedBy") != "timers.target":
        fail("the timer must be WantedBy=timers.target")
    exec_start = shlex.split(service["Service"]["ExecStart"])
    cron = CRON.search(doc)
    if cron is None:
        fail("docs/sync.md must show the cron line")
    cron_command = shlex.split(cron.group(1).split(">>")[0])[5:]
    for name, command in (("ExecStart", exec_start[1:]), ("cron", cron_command[1:])):
        for needed in ("--operation", "mirror", "--resume", "--wait", "--log-format", "json"):
            if needed not in command:
                fail(f"{name} lacks {needed}")
        if any(secret in " ".join(command) for secret in ("partner_api_key", "client_secret", "TDBRAZE_")):
            fail(f"{name} holds a secret on its command line")

    emulator = subprocess.Popen([a.tdbraze, "emulate", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"http://\S+", emulator.stdout.readline()).group(0)
        with tempfile.TemporaryDirectory() as home:
            os.makedirs(os.path.join(home, "exports"))
            table = os.path.join(home, "exports", "spring.csv")
            with open(table, "w") as f:
                f.write("user_ids\n" + "".join(f"u-{i}\n" for i in range(2500)))
            env = dict(os.environ, HOME=home, XDG_STATE_HOME=os.path.join(home, "state"),
                       TDBRAZE_PARTNER_API_KEY="emulator-partner-key", TDBRAZE_CLIENT_SECRET="emulator-client-secret")

            def localise(command):
                out = [a.tdbraze if c in ("/usr/bin/tdbraze", "tdbraze") else c for c in command]
                out = [c.replace("%h", home).replace("/srv/exports", os.path.join(home, "exports")) for c in out]
                return [url if c.startswith("https://rest.") else c for c in out]

            for name, command, expected in (("ExecStart", exec_start, "completed"),
                                            ("ExecStart again", exec_start, "nothing-to-do"),
                                            ("cron", cron_command, "nothing-to-do")):
                r = run(localise(command), env, home)
                lines = r.stdout.strip().splitlines()
                try:
                    summary = json.loads(lines[-1])
                    for line in lines:
                        json.loads(line)
                except (ValueError, IndexError):
                    fail(f"{name}: the log is not JSON lines:\n{r.stdout}{r.stderr}")
                if r.returncode != 0 or summary.get("outcome") != expected:
                    fail(f"{name}: exit {r.returncode}, outcome {summary.get('outcome')} (want 0, {expected}):\n"
                         f"{r.stdout}{r.stderr}")
                print(f"ok   {name}: {expected}: {summary.get('message')}")
    finally:
        emulator.terminate()
        emulator.wait()
    print(f"ok   units parsed: {', '.join(units)}")


if __name__ == "__main__":
    main()
