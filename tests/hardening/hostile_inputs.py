#!/usr/bin/env python3
"""Hostile inputs against every entry point of the tdbraze binary, with a memory bound.

Each case streams an input made to hurt (deep nesting, huge strings, NUL bytes, invalid UTF-8, gigabyte
lines, repetition, numbers out of range) into one command through a pipe, so that nothing of that size is
ever held by this script or written to disk. A case passes when the command
  - ends by itself with a report, not by a signal (no crash, no abort, no sanitizer report),
  - names the problem: its output holds the diagnostic code the case expects,
  - stayed within a peak resident size (wait4's ru_maxrss) that does not grow with the input.
The emulator's two HTTP entry points get the same treatment over real HTTP on 127.0.0.1, and `tdbraze web`
is asked for files outside the folder it serves.

  tests/hardening/hostile_inputs.py --bin build/native/bin [--scale 1.0] [--only NAME]

--scale shrinks the big inputs (the sanitizer run uses a smaller scale: ASan is several times slower), and
--no-memory-bound skips the peak-memory check (ASan's shadow memory and quarantine make it meaningless).
"""
import argparse
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

GIB = 1 << 30
MIB = 1 << 20


def repeat(piece, total):
    """Yields `piece` repeated to `total` bytes (rounded up to whole pieces), in chunks of about a megabyte."""
    piece = piece.encode() if isinstance(piece, str) else piece
    per_chunk = max(1, MIB // len(piece))
    chunk = piece * per_chunk
    sent = 0
    while sent < total:
        part = chunk if total - sent >= len(chunk) else piece * ((total - sent + len(piece) - 1) // len(piece))
        yield part
        sent += len(part)


def stream(*parts):
    """Concatenates bytes and generators of bytes into one generator."""
    for part in parts:
        if isinstance(part, (bytes, str)):
            yield part.encode() if isinstance(part, str) else part
        else:
            yield from part


# A table row is read whole (rows are the unit the planner works on) up to the reader's 64 MiB row limit, in a
# buffer that grows by doubling: a row at the limit may hold twice that. Everything else streams.
ROW_BOUND_MIB = 160


class Case:
    def __init__(self, name, args, body, expect, max_rss_mib=96, exit_codes=(1,)):
        self.name, self.args, self.body, self.expect = name, args, body, expect
        self.max_rss_mib, self.exit_codes = max_rss_mib, exit_codes


def cases(scale):
    big = int(GIB * scale)        # the "1 GB line" cases
    large = int(256 * MIB * scale)  # everything else that is large
    cohort = ["validate", "cohort", "-", "--cohort-id", "hostile", "--format", "json"]
    currents = ["validate", "currents", "-", "--format", "json"]
    sql = ["check", "sql", "-", "--format", "json"]
    deep = 10_000_000 if scale >= 1 else int(10_000_000 * scale) + 1000
    return [
        # --- Currents payloads
        Case("currents: 1 GB string on one line", currents,
             stream('{"events":[{"name":"users.messages.email.Send","data":"', repeat("a", big), '"}]}'),
             r'"code":"value-too-large"'),
        Case("currents: 1 GB of whitespace-free garbage on one line", currents, repeat("x", big),
             r'"code":"json-syntax"'),
        Case("currents: nesting ten million deep", currents,
             stream('{"events":[', repeat("[", deep)), r'"code":"json-syntax"'),
        Case("currents: NUL bytes inside a string", currents,
             b'{"events":[{"id":"a\x00b","name":"users.messages.email.Send"}]}\n', r'"code":"json-syntax"'),
        Case("currents: invalid UTF-8 in a key and a value", currents,
             b'{"events":[{"\xff\xfe":"\xc3\x28","name":"users.messages.email.Send"}]}',
             r'"code":"json-syntax","message":"invalid UTF-8'),
        Case("currents: one key repeated ten million times", currents,
             stream('{"events":[{', repeat('"id":"1",', int(100 * MIB * scale) + 1000), '"id":"1"}]}'),
             r'"code":"json-syntax","message":"more than \d+ values in one event'),
        Case("currents: millions of empty events", currents,
             stream('{"events":[{}', repeat(",{}", int(16 * MIB * scale) + 1000), "]}"), r'"code":"missing-member"'),
        Case("currents: numbers out of range", currents,
             b'{"events":[{"event_type":"users.messages.email.Send","id":"1","time":1e999999,'
             b'"user":{"user_id":"u"},"properties":{"n":-1e400,"m":' + b"9" * 5000 + b"}},"
             b'{"event_type":"users.messages.email.Send","id":"2","time":' + b"9" * 5000 + b',"user":{},'
             b'"properties":{}}]}',
             r'"code":"member-type".*"code":"time-out-of-range"'),
        # --- Cohort tables, each format
        Case("cohort csv: 1 GB line", cohort, stream("user_ids\n", repeat("a", big)),
             r'"code":"row-too-large"', max_rss_mib=ROW_BOUND_MIB),
        Case("cohort csv: 1 GB quoted field that never closes", cohort, stream('user_ids\n"', repeat("a", big)),
             r'"code":"(row-too-large|table-syntax)"', max_rss_mib=ROW_BOUND_MIB),
        Case("cohort tsv: 1 GB line", cohort + ["--table-format", "tsv"],
             stream("user_ids\tx\n", repeat("a\t", big // 2)), r'"code":"(row-too-large|row-width)"', max_rss_mib=ROW_BOUND_MIB),
        Case("cohort json: nesting ten million deep", cohort + ["--table-format", "json"],
             stream('[{"user_ids":', repeat("[", deep)), r'"code":"(row-too-large|table-syntax|nested-value)"'),
        Case("cohort jsonl: 1 GB string", cohort + ["--table-format", "jsonl"],
             stream('{"user_ids":"', repeat("a", big), '"}\n'), r'"code":"(row-too-large|identifier-too-large)"', max_rss_mib=ROW_BOUND_MIB),
        Case("cohort csv: NUL bytes and control characters", cohort,
             b"user_ids\nab\x00c\nd\x07e\n", r'"code":"control-character"'),
        Case("cohort csv: invalid UTF-8", cohort, b"user_ids\n\xc3\x28\n\xff\n", r'"code":"invalid-utf8"'),
        Case("cohort csv: the same id fifty million times", cohort,
             stream("user_ids\n", repeat("u1\n", int(150 * MIB * scale))), r'"code":"duplicate-identifier"',
             exit_codes=(0,)),
        Case("cohort jsonl: numbers out of range", cohort + ["--table-format", "jsonl"],
             b'{"user_ids":1e999999}\n{"user_ids":' + b"9" * 5000 + b'}\n{"user_ids":-1e-400}\n',
             r'"code":"(float-formatted-id|nested-value|invalid-value|long-identifier)"', exit_codes=(0, 1)),
        Case("cohort csv: a million columns in the header", cohort,
             stream(repeat("c,", int(8 * MIB * scale) + 100), "user_ids\nx\n"), r'"code":"(ignored-columns|row-too-large)"',
             exit_codes=(0, 1)),
        # --- SQL (Trino refuses queries over 1,000,000 characters; so does the check, after reading no more)
        Case("sql: 1 GB identifier", sql, stream("SELECT ", repeat("a", big), " AS user_ids FROM t"),
             r'"code":"sql-unreadable","message":"[^"]*longer than 1000000 characters'),
        Case("sql: parentheses 900,000 deep, never closed", sql, stream("SELECT ", repeat("(", 900_000), "x AS user_ids"),
             r'"code":"sql-unreadable","message":"[^"]*not closed'),
        Case("sql: subqueries 60,000 deep", sql, stream("SELECT * FROM ", repeat("(SELECT * FROM ", 60_000 * 15), "t"),
             r'"code":"sql-unreadable","message":"[^"]*nested deeper than'),
        Case("sql: NUL and invalid UTF-8", sql, b"SELECT \x00\xff AS user_ids FROM t",
             r'"code":"sql-unreadable","message":"[^"]*not valid UTF-8'),
        Case("sql: 50,000 WITH queries", sql,
             stream("WITH ", repeat("a AS (SELECT 1), ", 50_000 * 17), "b AS (SELECT * FROM a) SELECT * FROM b"),
             r'"code":"sql-unnamed-column"'),
    ]


def run_case(binary, case, memory_bound=True):
    """Runs one case; returns (ok, message)."""
    process = subprocess.Popen([binary] + case.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    output = []
    reader = threading.Thread(target=lambda: output.append(process.stdout.read()))
    reader.start()
    sent = 0
    body = [case.body] if isinstance(case.body, bytes) else case.body
    try:
        for chunk in body:
            process.stdin.write(chunk)
            sent += len(chunk)
    except BrokenPipeError:
        pass  # the command may stop reading once it has seen enough: that is fine
    try:
        process.stdin.close()
    except BrokenPipeError:
        pass
    _, status, usage = os.wait4(process.pid, 0)
    reader.join()
    text = output[0].decode("utf-8", "replace") if output else ""
    rss_mib = usage.ru_maxrss / 1024
    where = f"{sent / MIB:.0f} MiB in, peak {rss_mib:.1f} MiB"
    if os.WIFSIGNALED(status):
        return False, f"killed by signal {os.WTERMSIG(status)} ({where})\n{text[-2000:]}"
    code = os.WEXITSTATUS(status)
    if code not in case.exit_codes:
        return False, f"exit {code}, expected {case.exit_codes} ({where})\n{text[-2000:]}"
    if not re.search(case.expect, text):
        return False, f"output lacks /{case.expect}/ ({where})\n{text[-2000:]}"
    if memory_bound and rss_mib > case.max_rss_mib:
        return False, f"peak memory {rss_mib:.1f} MiB over the bound of {case.max_rss_mib} MiB ({where})"
    return True, where


def post(port, path, chunks, headers):
    """POSTs a streamed body with chunked transfer encoding; returns (status, body) or (None, error)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except (ConnectionError, http.client.HTTPException) as error:
        return None, str(error)
    finally:
        connection.close()


def run_emulator_cases(binary, scale, memory_bound=True):
    """The emulator's partner and Currents endpoints: hostile bodies get a 4xx with a JSON message, the
    emulator keeps serving, and its memory stays bounded."""
    process = subprocess.Popen([binary, "emulate", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = process.stdout.readline().decode()
    match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not match:
        process.kill()
        return [("emulator: start", False, line)]
    port = int(match.group(1))
    auth = '"partner_api_key":"emulator-partner-key","client_secret":"emulator-client-secret","cohort_id":"c"'
    big = int(GIB * scale)
    deep = 10_000_000 if scale >= 1 else int(10_000_000 * scale) + 1000
    json_headers = {"Content-Type": "application/json"}
    bodies = [
        ("emulator partner: 1 GB body", "/partners/treasuredata/cohorts/users", repeat("a", big), {413}),
        ("emulator partner: nesting ten million deep", "/partners/treasuredata/cohorts/users",
         stream("{" + auth + ',"cohort_changes":', repeat("[", min(deep, 3_000_000))), {400, 413}),
        ("emulator partner: NUL and invalid UTF-8", "/partners/treasuredata/cohorts/users",
         iter([("{" + auth + ',"cohort_changes":[{"user_ids":["a').encode() + b"\x00\xff" + b'"]}]}']), {400}),
        ("emulator partner: numbers out of range", "/partners/treasuredata/cohorts",
         iter([("{" + auth + ',"name":1e99999,"created_at":-1e400}').encode()]), {400}),
        ("emulator currents: 1 GB body", "/currents", repeat("[", big), {413}),
        ("emulator currents: invalid UTF-8", "/currents", iter([b'{"events":[{"id":"\xff"}]}']), {400}),
    ]
    results = []
    for name, path, chunks, statuses in bodies:
        status, body = post(port, path, chunks, json_headers)
        ok = status in statuses and body.lstrip().startswith("{") and '"message"' in body
        results.append((name, ok, f"status {status}: {body[:300]}"))
    # Still serving after all that?
    status, body = post(port, "/partners/treasuredata/cohorts",
                        iter([("{" + auth + ',"name":"n","created_at":"2025-11-24T09:30:00Z"}').encode()]), json_headers)
    results.append(("emulator: still serves a good request", status == 201 or status == 200, f"status {status}: {body[:200]}"))
    process.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(process.pid, 0)
    rss_mib = usage.ru_maxrss / 1024
    results.append(("emulator: exits cleanly with bounded memory",
                    os.WIFEXITED(status) and (rss_mib < 96 or not memory_bound),
                    f"exit status {status}, peak {rss_mib:.1f} MiB"))
    return results


def run_web_cases(binary):
    """`tdbraze web` serves a folder: no request path may reach a file outside it."""
    with tempfile.TemporaryDirectory(prefix="tdbraze-web-") as work:
        site = os.path.join(work, "site")
        os.mkdir(site)
        with open(os.path.join(site, "index.html"), "w") as f:
            f.write("<!doctype html><title>site</title>")
        with open(os.path.join(work, "secret.txt"), "w") as f:
            f.write("outside the site")
        process = subprocess.Popen([binary, "web", "--port", "0", "--root", site], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        match = re.search(r"http://127\.0\.0\.1:(\d+)", process.stdout.readline().decode())
        if not match:
            process.kill()
            return [("web: start", False, "no address printed")]
        port = int(match.group(1))
        results = []
        for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/.%2e/secret.txt",
                     "//../secret.txt", "/index.html/../../secret.txt"]:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
            status = answer.split(b"\r\n", 1)[0].decode("latin-1")
            results.append((f"web: {path} stays inside the site", b"outside the site" not in answer, status))
        status, _ = get_status(port, "/index.html")
        results.append(("web: the site itself is served", status == 200, f"status {status}"))
        process.terminate()
        process.wait(timeout=30)
        return results


def get_status(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", required=True, help="folder holding the tdbraze binary")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument("--no-memory-bound", dest="memory_bound", action="store_false")
    args = parser.parse_args()
    binary = os.path.join(args.bin, "tdbraze")
    failures = 0
    for case in cases(args.scale):
        if args.only and args.only not in case.name:
            continue
        started = time.monotonic()
        ok, message = run_case(binary, case, args.memory_bound)
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {case.name}: {message} in {time.monotonic() - started:.1f}s", flush=True)
    if not args.only or "emulator" in args.only:
        for name, ok, message in run_emulator_cases(binary, args.scale, args.memory_bound):
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {message}", flush=True)
    if not args.only or "web" in args.only:
        for name, ok, message in run_web_cases(binary):
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {name}: {message}", flush=True)
    print(f"{failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
