#!/usr/bin/env python3
"""Loads a capture of Currents batches (generate_payload.py's JSON Lines, one `{"events":[...]}` body per
line) into a SQLite database as Treasure Data's Postback API stores them: a table `currents(time INTEGER,
events TEXT)`, one row per batch, `events` the batch's array as its JSON text (the body's own bytes, as the
emulator keeps them), `time` the arrival time (one second apart, the last at --now). This is the input of
the flattening benchmark; what it holds goes to DB.meta.json (rows, events, distinct event ids per type) for
the harness to check both flattenings against.

    python3 load_postback_rows.py capture.jsonl -o capture.db --now 1793491200
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections import Counter

PREFIX, SUFFIX = '{"events":', "}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("capture")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--now", type=int, required=True)
    args = ap.parse_args()

    with open(args.capture, encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    if os.path.exists(args.output):
        os.unlink(args.output)
    conn = sqlite3.connect(args.output)
    conn.execute("CREATE TABLE currents (time INTEGER, events TEXT)")
    by_type: Counter[str] = Counter()
    ids: dict[str, set] = {}
    events = 0
    rows = []
    with open(args.capture, encoding="utf-8") as f:
        for i, line in enumerate(f):
            line = line.rstrip("\n")
            if not (line.startswith(PREFIX) and line.endswith(SUFFIX)):
                raise SystemExit(f"line {i + 1} is not one {PREFIX}[...]{SUFFIX} body")
            array = line[len(PREFIX):-len(SUFFIX)]
            for e in json.loads(array):  # parsed only to know what the table holds
                events += 1
                by_type[e["event_type"]] += 1
                ids.setdefault(e["event_type"], set()).add(e["id"])
            rows.append((args.now - (lines - 1 - i), array))
            if len(rows) >= 1000:
                conn.executemany("INSERT INTO currents VALUES (?, ?)", rows)
                rows.clear()
    conn.executemany("INSERT INTO currents VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    meta = {"capture": os.path.basename(args.capture), "rows": lines, "events": events,
            "events_by_type": dict(sorted(by_type.items())),
            "distinct_ids_by_type": {t: len(s) for t, s in sorted(ids.items())}}
    with open(args.output + ".meta.json", "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    print(f"load_postback_rows: {lines} rows, {events} events, {len(by_type)} event types -> {args.output}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
