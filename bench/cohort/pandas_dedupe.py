#!/usr/bin/python3
"""The peer of the cohort benchmark: the "validate and dedupe" a user would script with pandas.

Reads the query result with read_csv (every column, as text, so that ids with leading zeros survive),
selects the two identifier columns, drops empty cells (read_csv makes them NaN) and duplicates per column,
and counts what is left. Prints one JSON line: the counts, and the seconds spent reading and deduplicating.

Run it with Debian's python3 (/usr/bin/python3 and python3-pandas): `--usecols` reads only the two
identifier columns, what a user who knows pandas well would do.
"""
import argparse
import json
import sys
import time

start = time.perf_counter()
import pandas as pd  # noqa: E402  (its import is part of the cost, and timed apart)

COLUMNS = ["user_ids", "device_ids"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("table")
    ap.add_argument("--usecols", action="store_true", help="read only the identifier columns")
    args = ap.parse_args()
    imported = time.perf_counter()
    df = pd.read_csv(args.table, dtype=str, usecols=COLUMNS if args.usecols else None)
    read = time.perf_counter()
    ids = df[COLUMNS]
    counts = {}
    for column in COLUMNS:
        cells = ids[column].dropna()
        distinct = cells.drop_duplicates()
        counts[column] = {"distinct": int(len(distinct)), "duplicates": int(len(cells) - len(distinct)),
                          "empty": int(len(ids) - len(cells))}
    done = time.perf_counter()
    print(json.dumps({"rows": int(len(df)), **counts, "pandas": pd.__version__,
                      "import_seconds": round(imported - start, 3), "read_seconds": round(read - imported, 3),
                      "dedupe_seconds": round(done - read, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
