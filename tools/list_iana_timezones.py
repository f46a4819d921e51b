#!/usr/bin/env python3
"""Print every IANA time zone name (zones and their links) known to the system's tzdata.

The core cannot read /usr/share/zoneinfo (no I/O, and the browser has none), so the list is checked in
as assets/iana-timezones.txt and compiled into the core by tools/generate_tables.py.
"""
import sys

TZDATA = "/usr/share/zoneinfo/tzdata.zi"


def main() -> int:
    names = {"UTC"}
    version = "unknown"
    with open(TZDATA, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "#" and len(parts) > 2 and parts[1] == "version":
                version = parts[2]
            elif parts[0] == "Z":
                names.add(parts[1])
            elif parts[0] == "L":
                names.add(parts[2])
    print(f"# IANA time zone names (zones and links) from tzdata {version}.")
    print("# Regenerate: python3 tools/list_iana_timezones.py > assets/iana-timezones.txt")
    for name in sorted(names):
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
