#!/usr/bin/env python3
"""Acceptance test of tdbraze-desktop: the real app, in a virtual X server, syncs a table to the emulator.

  1. starts `tdbraze emulate --port 0` and reads the port from its first line;
  2. writes a table of 2,000 user_ids;
  3. runs `xvfb-run -a tdbraze-desktop --autorun --open TABLE --endpoint URL --cohort-id desk
     --screenshot-dir DIR` (plus a Currents payload to check and replay) with the emulator's keys in the
     environment and Mesa's software OpenGL; the app must exit 0 (the sync completed);
  4. asks the emulator for the cohort (GET /_emulator/cohorts/desk): its members must be the table, exactly;
  5. checks that every panel's screenshot is a PNG of the whole window with real content;
  6. presses keys through the window (--keys): Ctrl+3 and Ctrl+Enter on a table with an error (refused, with
     the reason the disabled Sync button shows), and an arrow key (the keyboard focus is drawn);
  7. runs `--screenshot` once more with --gl2: the OpenGL 2 fallback renders too.

  desktop_acceptance.py --tdbraze build/native/bin/tdbraze --desktop build/native/bin/tdbraze-desktop \\
      --fixtures tests/fixtures --work /tmp/desktop-acceptance

With --docs DIR it makes the manual's screenshots instead (DIR/desktop-*.png): a larger demo table with an
alias column, an emulator with latency, 503s and a rate limit (so the plots show retries and 429s), and a
Currents payload with problems.

Python 3 standard library only. HTTP to the emulator bypasses any proxy.
"""
import argparse
import json
import os
import random
import select
import shutil
import struct
import subprocess
import sys
import time
import urllib.request
import zlib

KEY, SECRET = "emulator-partner-key", "emulator-client-secret"
PANELS = ["connection", "cohort", "requests", "sync", "currents"]
WINDOW = (1280, 800)


def log(message):
    print(f"desktop_acceptance: {message}", flush=True)


class Emulator:
    """`tdbraze emulate` on a free port, stopped on exit."""

    def __init__(self, tdbraze, extra=()):
        env = {k: v for k, v in os.environ.items() if not k.startswith("TDBRAZE_EMULATOR_")}
        self.process = subprocess.Popen([tdbraze, "emulate", "--port", "0", *extra], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 15)
        line = self.process.stdout.readline() if ready else ""
        if "listening on " not in line:
            self.stop()
            raise SystemExit(f"the emulator did not start: {line!r} {self.process.stderr.read()}")
        self.url = line.split("listening on ", 1)[1].strip()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy

    def get(self, path):
        with self.opener.open(self.url + path, timeout=10) as response:
            return json.load(response)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def app_environment(work):
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("TDBRAZE_"):
            del env[name]
    env.update({
        "TDBRAZE_PARTNER_API_KEY": KEY,
        "TDBRAZE_CLIENT_SECRET": SECRET,
        "LIBGL_ALWAYS_SOFTWARE": "1",  # Mesa's llvmpipe: no GPU needed
        "XDG_CONFIG_HOME": os.path.join(work, "config"),  # the app leaves the user's files alone
        "XDG_STATE_HOME": os.path.join(work, "state"),
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    })
    return env


def run_app(desktop, args, work, timeout=240):
    """The app under `xvfb-run -a` (or on the display there is, without xvfb-run). Returns (code, output)."""
    xvfb = shutil.which("xvfb-run")
    if xvfb:
        command = [xvfb, "-a", "-s", "-screen 0 1600x1000x24", desktop, *args]
    elif os.environ.get("DISPLAY"):
        command = [desktop, *args]
    else:
        raise SystemExit("neither xvfb-run nor a display: install xvfb and xauth (scripts/setup.sh does)")
    started = time.monotonic()
    result = subprocess.run(command, env=app_environment(work), capture_output=True, text=True, timeout=timeout)
    output = result.stdout + result.stderr
    for line in output.splitlines():
        print("  | " + line)
    log(f"tdbraze-desktop exited {result.returncode} after {time.monotonic() - started:.1f} s")
    return result.returncode, output


def read_png(path):
    """(width, height, pixels as rows of bytes) of an 8-bit, non-interlaced RGB or RGBA PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"{path} is not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise AssertionError(f"{path}: unexpected PNG format {header}")
    bpp = 4 if colour_type == 6 else 3
    raw, stride = zlib.decompress(idat), width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for x in range(stride):
            a = row[x - bpp] if x >= bpp else 0
            b = previous[x]
            c = previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                row[x] = (row[x] + a) & 255
            elif kind == 2:
                row[x] = (row[x] + b) & 255
            elif kind == 3:
                row[x] = (row[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[x] = (row[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(row))
        previous = row
    return width, height, rows, bpp


def check_screenshot(path, size=WINDOW):
    """The PNG shows the whole window with real content: many colours, text-like detail all over it."""
    if not os.path.isfile(path):
        raise AssertionError(f"no screenshot {path}")
    width, height, rows, bpp = read_png(path)
    if (width, height) != size:
        raise AssertionError(f"{path} is {width}x{height}, expected {size[0]}x{size[1]}")
    colours, busy_bands = set(), 0
    band = height // 8
    for b in range(8):
        band_colours = set()
        for y in range(b * band, (b + 1) * band, 3):
            row = rows[y]
            for x in range(0, width * bpp, bpp * 3):
                band_colours.add(row[x:x + 3])
        colours |= band_colours
        busy_bands += len(band_colours) > 8
    if len(colours) < 64 or busy_bands < 6:
        raise AssertionError(f"{path} looks empty: {len(colours)} colours, {busy_bands} of 8 bands with content")
    return len(colours)


def write_users(path, count):
    ids = [f"desk-user-{i:05d}" for i in range(count)]
    random.Random(7).shuffle(ids)  # any order: the cohort is a set
    with open(path, "w", encoding="utf-8") as f:
        f.write("user_ids\n")
        f.writelines(i + "\n" for i in ids)
    return ids


def write_demo_table(path, rows):
    """user_ids, an alias column, a column not sent and a near miss (device_id); empty cells, a duplicate."""
    rng = random.Random(2025)
    with open(path, "w", encoding="utf-8") as f:
        f.write("user_ids,email,segment,device_id\n")
        for i in range(rows):
            user = f"td-{i:06d}" if i % 13 else ""
            email = f"fan{i}@example.com" if i % 9 else ""
            f.write(f"{user if i != 42 else 'td-000041'},{email},{rng.choice(['vip', 'new', 'lapsed'])},{100000 + i}\n")


def acceptance(a):
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    shots = os.path.join(work, "screenshots")
    table = os.path.join(work, "users.csv")
    ids = write_users(table, 2000)
    payload = os.path.join(a.fixtures, "currents", "valid-batch.json")
    started = time.monotonic()
    emulator = Emulator(a.tdbraze)
    try:
        log(f"emulator at {emulator.url}")
        code, output = run_app(a.desktop, [
            "--autorun", "--open", table, "--endpoint", emulator.url, "--cohort-id", "desk",
            "--screenshot-dir", shots, "--currents", payload, "--replay-url", emulator.url + "/currents"], work)
        if code != 0:
            raise AssertionError(f"tdbraze-desktop --autorun exited {code}")
        if "sync completed" not in output:
            raise AssertionError("the app did not report a completed sync")

        cohort = emulator.get("/_emulator/cohorts/desk")
        members = cohort["members"]
        if sorted(members["user_ids"]) != sorted(ids) or members["device_ids"] or members["aliases"]:
            missing = set(ids) - set(members["user_ids"])
            extra = set(members["user_ids"]) - set(ids)
            raise AssertionError(f"cohort desk differs from the table: {len(missing)} missing, {len(extra)} extra")
        log(f"cohort desk has exactly the table's {len(ids)} user_ids")
        currents = emulator.get("/_emulator/currents")
        if currents["events_accepted"] != 3:
            raise AssertionError(f"the replay delivered {currents['events_accepted']} events, not 3")
        log("the Currents replay delivered the payload's 3 events")
    finally:
        emulator.stop()

    for panel in PANELS:
        path = os.path.join(shots, f"desktop-{panel}.png")
        log(f"{os.path.basename(path)}: {check_screenshot(path)} colours")

    keyboard_and_blockers(a, work)

    # One screenshot and exit, with the OpenGL 2 backend (the fallback when OpenGL 3 is missing).
    single = os.path.join(work, "cohort-gl2.png")
    code, output = run_app(a.desktop, ["--screenshot", single, "--open", table, "--cohort-id", "desk",
                                       "--panel", "cohort", "--gl2"], work)
    if code != 0 or "OpenGL 2" not in output:
        raise AssertionError(f"--screenshot --gl2 failed ({code})")
    log(f"{os.path.basename(single)}: {check_screenshot(single)} colours")
    log(f"passed in {time.monotonic() - started:.1f} s")


def keyboard_and_blockers(a, work):
    """Keys pressed through the real window's input: Ctrl+3 shows the Sync panel, Ctrl+Enter on a table with
    an error is refused with the reason the greyed-out Sync button shows; an arrow key makes the focus visible."""
    table = os.path.join(work, "no-identifier.csv")
    with open(table, "w", encoding="utf-8") as f:
        f.write("name,age\nann,3\n")
    blocked = os.path.join(work, "sync-blocked.png")
    code, output = run_app(a.desktop, ["--screenshot", blocked, "--open", table, "--cohort-id", "desk",
                                       "--panel", "cohort", "--keys", "ctrl+3,ctrl+enter"], work)
    if code != 0:
        raise AssertionError(f"--screenshot --keys failed ({code})")
    if "panel: sync" not in output:
        raise AssertionError("Ctrl+3 did not show the Sync panel")
    if "status: The table has 1 error (see the Cohort panel)" not in output:
        raise AssertionError("Ctrl+Enter on a table with an error was not refused with the reason")
    log(f"{os.path.basename(blocked)}: {check_screenshot(blocked)} colours; Sync refused with the reason")

    # The same window without and with the keyboard focus on its first control: they must differ.
    shots = []
    for keys in ([], ["--keys", "down"]):
        path = os.path.join(work, f"focus-{len(keys)}.png")
        code, _ = run_app(a.desktop, ["--screenshot", path, "--panel", "connection", *keys], work)
        if code != 0:
            raise AssertionError(f"--screenshot {' '.join(keys)} failed ({code})")
        shots.append(read_png(path)[2])
    if shots[0] == shots[1]:
        raise AssertionError("an arrow key shows no keyboard focus")
    log("the keyboard focus is drawn")


def docs(a):
    """The manual's screenshots: a larger table, an emulator with latency, faults and a rate limit."""
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    table = os.path.join(work, "spring-sale.csv")
    write_demo_table(table, 60000)
    emulator = Emulator(a.tdbraze, ["--faults", "503=0.04,latency_ms=40", "--rate-limit", "25", "--rate-window", "2",
                                    "--seed", "3"])
    try:
        code, output = run_app(a.desktop, [
            "--autorun", "--open", table, "--endpoint", emulator.url, "--cohort-id", "spring-sale",
            "--cohort-name", "Spring sale 2025", "--alias-column", "email", "--screenshot-dir", a.docs,
            "--currents", os.path.join(a.fixtures, "currents", "problems.json"),
            "--replay-url", emulator.url + "/currents"], work, timeout=600)
    finally:
        emulator.stop()
    # The payload has problems on purpose, so the replay drops events and the app exits 1; the sync must
    # still have completed.
    if "sync completed" not in output:
        raise SystemExit(f"the demo sync did not complete ({code})")
    for panel in PANELS + ["sync-running"]:
        path = os.path.join(a.docs, f"desktop-{panel}.png")
        if os.path.isfile(path):
            log(f"{path}: {check_screenshot(path)} colours")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tdbraze", required=True, help="the tdbraze CLI (for tdbraze emulate)")
    parser.add_argument("--desktop", required=True, help="tdbraze-desktop")
    parser.add_argument("--fixtures", required=True, help="tests/fixtures")
    parser.add_argument("--work", required=True, help="a scratch folder (emptied first)")
    parser.add_argument("--docs", help="make the manual's screenshots in this folder instead of testing")
    a = parser.parse_args()
    try:
        docs(a) if a.docs else acceptance(a)
    except AssertionError as failure:
        log(f"FAILED: {failure}")
        sys.exit(1)


if __name__ == "__main__":
    main()
