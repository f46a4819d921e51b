#!/usr/bin/env python3
"""The peer of `tdbraze sql currents --dialect sqlite --materialize`: the script a user would write instead to
turn a Postback table `currents(time INTEGER, events TEXT)` (one row per Currents batch, its events as JSON
text) into one table per event type, with Python's json and sqlite3 modules only.

Straightforward on purpose, as a user would write it: read the rows in arrival order, `json.loads` each
row's events, keep the first copy of each event id per type (Currents delivers at least once, and tdbraze's
tables do the same), and insert each event as a row of its type's table with `executemany`, a few thousand
rows at a time, in one transaction. The columns are the catalogue's fields of that type (a user would copy
them from Braze's documentation), named and typed as tdbraze names them (docs/currents.md, "Names"), so that
the two results can be compared table by table; objects and arrays are stored as their JSON text, booleans
as 1/0. Unlike tdbraze's SQL it does not check that each value has its field's type: it stores what it finds.

    python3 python_flatten.py capture.db --event-type users.messages.email.Open ...   # default: every type
"""
from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "assets" / "currents-catalogue.json"
SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}  # else TEXT (JSON)
COMMON_USER_FIELDS = ("user_id", "external_user_id", "device_id", "timezone")  # any event may carry these
FLUSH_ROWS = 5000


def name_of(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "_", text.lower())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db")
    ap.add_argument("--event-type", action="append", help="the types to flatten (repeatable; default: all)")
    ap.add_argument("--source-table", default="currents")
    args = ap.parse_args()

    catalogue = json.loads(CATALOGUE.read_text(encoding="utf-8"))["events"]
    wanted = args.event_type or sorted(catalogue)

    # Per type: its table, its columns as (column, where in the event, catalogue type), its INSERT.
    tables = {}
    conn = sqlite3.connect(args.db)
    for event_type in wanted:
        spec = catalogue[event_type]
        user = dict.fromkeys(COMMON_USER_FIELDS, "string") | {f: s["json_type"] for f, s in spec["user"].items()}
        columns = [("id", None, "string"), ("event_type", None, "string"), ("time", None, "integer")]
        columns += [(f"user_{name_of(f)}", ("user", f), t) for f, t in sorted(user.items())]
        columns += [(f"properties_{name_of(f)}", ("properties", f), s["json_type"])
                    for f, s in sorted(spec["properties"].items())]
        table = name_of(event_type)
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} (" +
                     ", ".join(f"{c} {SQL_TYPES.get(t, 'TEXT')}" for c, _, t in columns) + ")")
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})"
        tables[event_type] = (columns, insert, [], set())

    def flush(insert: str, pending: list) -> None:
        conn.executemany(insert, pending)
        pending.clear()

    def cell(value):
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return int(value) if isinstance(value, bool) else value

    reader = conn.cursor()  # reading one table while the same connection writes the others
    reader.execute(f"SELECT events FROM {args.source_table} ORDER BY time, rowid")
    written = 0
    for (events_text,) in reader:
        try:
            events = json.loads(events_text)
        except (TypeError, ValueError):
            continue  # not a batch
        if not isinstance(events, list):
            continue
        for event in events:
            if not isinstance(event, dict) or event.get("event_type") not in tables:
                continue
            columns, insert, pending, seen = tables[event["event_type"]]
            event_id = event.get("id")
            if event_id is not None:
                if event_id in seen:
                    continue
                seen.add(event_id)
            row = []
            for column, where, _ in columns:
                if where is None:
                    value = event.get(column)
                else:
                    part = event.get(where[0])
                    value = part.get(where[1]) if isinstance(part, dict) else None
                row.append(cell(value))
            pending.append(row)
            written += 1
            if len(pending) >= FLUSH_ROWS:
                flush(insert, pending)
    for _, insert, pending, _ in tables.values():
        if pending:
            flush(insert, pending)
    conn.commit()
    conn.close()
    print(json.dumps({"tables": len(tables), "rows": written}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
