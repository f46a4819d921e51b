#!/usr/bin/env python3
"""Writes the emulator's --users file for a cohort table: one identified user per distinct `user_ids` cell.

With it the emulator knows every identifier the sync sends, so each membership request does what it does at
Braze for an existing audience (look the user up, add it to the cohort) instead of counting unknown ids.
Python stdlib only.

    python3 make_users.py table.csv -o users.jsonl
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    seen: set[str] = set()
    with open(args.table, newline="", encoding="utf-8") as f, open(args.output, "w", encoding="utf-8") as out:
        rows = csv.reader(f)
        column = next(rows).index("user_ids")
        for row in rows:
            user = row[column]
            if user and user not in seen:
                seen.add(user)
                out.write(json.dumps({"external_id": user}) + "\n")
    print(f"{args.output}: {len(seen):,} users", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
