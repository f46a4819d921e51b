#!/usr/bin/python3
"""The peer of the sync benchmark: the script a data engineer would write instead of using tdbraze.

Reads the query result (CSV) with the csv module, takes the `user_ids` column (empty cells skipped, repeats
dropped, the first occurrence kept), names the cohort, then adds the ids in batches of 1,000 through Braze's
partner cohort endpoints on N threads (concurrent.futures), with one requests.Session per thread so that
connections are kept alive. A batch answered 429 or 5xx, or whose connection failed, is tried again a few
times after a short sleep. Exits 1 if the naming call or any batch finally failed.

The partner API key and the client secret come from the environment, never from the command line:

    BRAZE_PARTNER_API_KEY=... BRAZE_CLIENT_SECRET=... \
      python3 python_sync.py result.csv --endpoint http://127.0.0.1:PORT --cohort-id spring --threads 16

Prints one JSON line at the end, what the benchmark reads: requests and ids sent, failed, retried, and its
own times (reading the table; sending, from the naming call to the last answer).

Written with Debian's python3 and python3-requests in mind (/usr/bin/python3).
"""
import argparse
import concurrent.futures
import csv
import datetime
import json
import os
import sys
import threading
import time

import requests

BATCH_SIZE = 1000       # Braze's limit: at most 1,000 identifiers per membership request
ATTEMPTS = 4            # one try and three retries
RETRY_SLEEP = 0.5       # seconds, times the attempt number
RETRY_STATUS = {429, 500, 502, 503, 504}

thread_local = threading.local()


def session() -> requests.Session:
    """This thread's session: its connections stay open between the requests the thread sends."""
    if not hasattr(thread_local, "session"):
        thread_local.session = requests.Session()
    return thread_local.session


def post(url: str, body: dict) -> tuple[bool, int]:
    """POSTs body as JSON, retrying 429, 5xx and connection errors; returns (succeeded, retries)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = session().post(url, json=body, timeout=60)
            if 200 <= response.status_code < 300:
                return True, attempt - 1
            if response.status_code not in RETRY_STATUS:
                print(f"{url}: {response.status_code} {response.text[:200]}", file=sys.stderr)
                return False, attempt - 1
            problem = f"{response.status_code}"
        except (requests.ConnectionError, requests.Timeout) as e:
            problem = type(e).__name__
        if attempt < ATTEMPTS:
            time.sleep(RETRY_SLEEP * attempt)
    print(f"{url}: giving up after {ATTEMPTS} attempts ({problem})", file=sys.stderr)
    return False, ATTEMPTS - 1


def read_user_ids(path: str) -> list[str]:
    """The table's distinct user ids, in the order they first appear."""
    seen = set()
    ids = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            user_id = (row.get("user_ids") or "").strip()
            if user_id and user_id not in seen:
                seen.add(user_id)
                ids.append(user_id)
    return ids


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("table", help="CSV with a user_ids column")
    ap.add_argument("--endpoint", required=True, help="Braze REST endpoint, e.g. https://rest.iad-01.braze.com")
    ap.add_argument("--cohort-id", required=True)
    ap.add_argument("--cohort-name", help="defaults to the cohort id")
    ap.add_argument("--partner", default="treasuredata")
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()

    api_key = os.environ.get("BRAZE_PARTNER_API_KEY")
    client_secret = os.environ.get("BRAZE_CLIENT_SECRET")
    if not api_key or not client_secret:
        print("set BRAZE_PARTNER_API_KEY and BRAZE_CLIENT_SECRET", file=sys.stderr)
        return 2

    started = time.perf_counter()
    user_ids = read_user_ids(args.table)
    read_seconds = time.perf_counter() - started

    base = f"{args.endpoint.rstrip('/')}/partners/{args.partner}/cohorts"
    credentials = {"partner_api_key": api_key, "client_secret": client_secret, "cohort_id": args.cohort_id}

    sending_started = time.perf_counter()
    named, retried = post(base, {**credentials, "name": args.cohort_name or args.cohort_id,
                                 "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat()})
    if not named:
        print("the naming call failed", file=sys.stderr)
        return 1

    batches = [user_ids[i:i + BATCH_SIZE] for i in range(0, len(user_ids), BATCH_SIZE)]

    def send(batch: list[str]) -> tuple[bool, int]:
        return post(f"{base}/users", {**credentials, "cohort_changes": [{"user_ids": batch}]})

    ok = failed = ids_sent = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
        for batch, (succeeded, retries) in zip(batches, pool.map(send, batches)):
            retried += retries
            if succeeded:
                ok += 1
                ids_sent += len(batch)
            else:
                failed += 1
    sending_seconds = time.perf_counter() - sending_started

    print(json.dumps({"requests": len(batches), "ok": ok, "failed": failed, "retried": retried,
                      "ids": len(user_ids), "ids_sent": ids_sent, "threads": args.threads,
                      "read_seconds": round(read_seconds, 3), "sending_seconds": round(sending_seconds, 3)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
