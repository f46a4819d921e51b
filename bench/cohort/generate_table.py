#!/usr/bin/env python3
"""Writes a realistic Treasure Data cohort mapping table (a query result as CSV) for the cohort benchmark.

The table is what `SELECT external_id AS user_ids, device_id AS device_ids, email, segment, last_seen FROM
customers LEFT JOIN devices ...` returns for a large audience:

- user_ids: external ids of a CRM, mostly "cust-" and eight digits ("cust-00012345"), the newer accounts
  v4 UUIDs (--uuid-user-share); every row has one.
- device_ids: Braze SDK device ids, v4 UUIDs (upper case from iOS, lower case from Android and web); empty
  for users without a known device (--no-device-share).
- about 5% of the rows repeat an earlier user (--duplicate-share), as a join with a device table makes them:
  mostly with a second device, sometimes with the same device again (a fully repeated id pair) or none.
- email, segment and last_seen (Unix seconds, Treasure Data's `time`) are ignored by the export: they
  are there because a user selects more than the export needs, and they make up the bulk of a real result.

No value needs quotes; empty cells are empty strings, as Treasure Data writes NULL into CSV. Python stdlib
only; --seed makes the output byte-for-byte reproducible. Next to the table, FILE.meta.json records
what the table holds by construction (rows, distinct ids per column, duplicate and empty cells, and the
bytes of the distinct ids), so that the harness can check every tool's counts without a second pass.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

GENERATOR_VERSION = 1

FIRST = ("yuki haruto sakura ren aoi hina sota yui riku mio emma liam olivia noah ava lucas mia ethan sofia "
         "leo chloe mateo lena finn anna jonas marie paul clara felix hana kenji mei wei jun min seo ji "
         "carlos lucia diego elena omar amira ivan olga raj priya").split()
LAST = ("sato suzuki takahashi tanaka watanabe ito yamamoto nakamura kobayashi kato smith johnson williams "
        "brown jones garcia miller davis martin bernard dubois muller schmidt schneider fischer weber rossi "
        "russo kim lee park chen wang li zhang nguyen tran silva santos kowalski novak").split()
DOMAINS = (("gmail.com", 40), ("yahoo.co.jp", 12), ("outlook.com", 10), ("icloud.com", 10), ("docomo.ne.jp", 5),
           ("ezweb.ne.jp", 4), ("hotmail.com", 5), ("example.co.jp", 8), ("example.com", 6))
SEGMENTS = (("active", 30), ("lapsed", 18), ("new", 14), ("loyal", 12), ("at_risk", 10), ("vip", 4),
            ("churned", 7), ("winback", 5))


def weighted(pairs: tuple[tuple[str, int], ...], n: int = 1000) -> list[str]:
    """A lookup list in which each value appears in proportion to its weight (rng.choice on it is fast)."""
    total = sum(w for _, w in pairs)
    out: list[str] = []
    for value, w in pairs:
        out += [value] * round(n * w / total)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=20251124)
    ap.add_argument("--now", type=int, default=1763976600, help="last_seen is in the year before (2025-11-24)")
    ap.add_argument("--duplicate-share", type=float, default=0.05, help="rows that repeat an earlier user id")
    ap.add_argument("--uuid-user-share", type=float, default=0.2, help="user ids that are UUIDs, not cust-NNNNNNNN")
    ap.add_argument("--no-device-share", type=float, default=0.3, help="users without a device id")
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    bits = rng.getrandbits
    rand = rng.random
    choice = rng.choice
    domains = weighted(DOMAINS)
    segments = weighted(SEGMENTS)

    def uuid4() -> str:
        # Version 4, variant 10xx, as uuid.uuid4() would write it, from the seeded generator.
        h = "%032x" % ((bits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60))
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    # "cust-" numbers: a multiplicative permutation of 0..10^8-1, so they look scattered and never repeat.
    modulus, multiplier, offset = 100_000_000, 48_271_387, 10_000_019
    cust_count = 0

    # Users seen so far that a later row may repeat: (user id, its device id); a window of recent ones, as
    # rows of one user come close together in a join's output but not always next to each other.
    window: list[tuple[str, str]] = []
    window_size = 1 << 16

    stats = {"rows": 0, "user_ids": {"distinct": 0, "duplicates": 0, "empty": 0, "distinct_bytes": 0},
             "device_ids": {"distinct": 0, "duplicates": 0, "empty": 0, "distinct_bytes": 0}}
    su, sd = stats["user_ids"], stats["device_ids"]
    start_time = args.now - 365 * 86400

    out_path = args.output
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        out.write("user_ids,device_ids,email,segment,last_seen\n")
        lines: list[str] = []
        for _ in range(args.rows):
            if window and rand() < args.duplicate_share:
                user, first_device = window[int(rand() * len(window))]
                su["duplicates"] += 1
                r = rand()
                if r < 0.25 and first_device:  # the same pair again
                    device = first_device
                    sd["duplicates"] += 1
                elif r < 0.85:  # a second device of the same user
                    device = uuid4()
                    if rand() < 0.4:
                        device = device.upper()
                    sd["distinct"] += 1
                    sd["distinct_bytes"] += len(device)
                else:
                    device = ""
                    sd["empty"] += 1
            else:
                if rand() < args.uuid_user_share:
                    user = uuid4()
                else:
                    user = "cust-%08d" % ((cust_count * multiplier + offset) % modulus)
                    cust_count += 1
                su["distinct"] += 1
                su["distinct_bytes"] += len(user)
                if rand() < args.no_device_share:
                    device = ""
                    sd["empty"] += 1
                else:
                    device = uuid4()
                    if rand() < 0.4:
                        device = device.upper()
                    sd["distinct"] += 1
                    sd["distinct_bytes"] += len(device)
                if len(window) < window_size:
                    window.append((user, device))
                else:
                    window[int(rand() * window_size)] = (user, device)
            if rand() < 0.08:
                email = ""
            else:
                email = f"{choice(FIRST)}.{choice(LAST)}{int(rand() * 1000)}@{choice(domains)}"
            lines.append(f"{user},{device},{email},{choice(segments)},{start_time + int(rand() * 31_536_000)}")
            if len(lines) >= 100_000:
                lines.append("")
                out.write("\n".join(lines))
                lines.clear()
        if lines:
            lines.append("")
            out.write("\n".join(lines))
    stats["rows"] = args.rows
    stats["bytes"] = out_path.stat().st_size
    stats["distinct_id_bytes"] = su["distinct_bytes"] + sd["distinct_bytes"]
    stats["columns"] = ["user_ids", "device_ids", "email", "segment", "last_seen"]
    stats["generator"] = {"version": GENERATOR_VERSION, "seed": args.seed, "now": args.now,
                          "duplicate_share": args.duplicate_share, "uuid_user_share": args.uuid_user_share,
                          "no_device_share": args.no_device_share}
    meta = out_path.with_name(out_path.name + ".meta.json")
    meta.write_text(json.dumps(stats, indent=2) + "\n")
    print(f"{out_path}: {stats['rows']:,} rows, {stats['bytes'] / 1e6:,.1f} MB; {su['distinct']:,} distinct user ids, "
          f"{sd['distinct']:,} distinct device ids, {stats['distinct_id_bytes'] / 1e6:,.1f} MB of distinct ids",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
