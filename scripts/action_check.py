#!/usr/bin/env python3
"""The checking step of action.yml: runs tdbraze on the files the inputs' globs match, prints GitHub
annotations (--format github), writes one SARIF log of every finding when asked, and reports to the runner
(GITHUB_OUTPUT, GITHUB_STEP_SUMMARY). Reads the action's inputs from INPUT_* variables; TDBRAZE is the binary.
Exit status: the worst of tdbraze's (0 clean, 1 findings, 2 a file could not be checked)."""
import glob
import json
import os
import shlex
import subprocess
import sys


def files_of(patterns: str) -> list:
    out = []
    for pattern in patterns.split():
        matched = sorted(glob.glob(pattern, recursive=True))
        if not matched:
            print(f"::warning title=tdbraze::no file matches {pattern}")
        out += [m for m in matched if m not in out and os.path.isfile(m)]
    return out


def merge_sarif(logs: list) -> dict:
    """One run of all the logs' results: code scanning takes one run per tool and category."""
    rules, results = [], []
    for log in logs:
        for run in log["runs"]:
            known = {rule["id"]: i for i, rule in enumerate(rules)}
            for result in run.get("results", []):
                rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
                if rule["id"] not in known:
                    known[rule["id"]] = len(rules)
                    rules.append(rule)
                results.append({**result, "ruleIndex": known[rule["id"]]})
    merged = json.loads(json.dumps(logs[0]))
    run = merged["runs"][0]
    run["tool"]["driver"]["rules"] = rules
    run["results"] = results
    merged["runs"] = [run]
    return merged


def main() -> int:
    tdbraze = os.environ["TDBRAZE"]
    strict = ["--strict"] if os.environ.get("INPUT_STRICT", "false") == "true" else []
    sarif_path = os.environ.get("INPUT_SARIF", "")
    calls = []  # (kind, files, argv without --format)
    currents = files_of(os.environ.get("INPUT_CURRENTS", ""))
    if currents:
        calls.append(("currents", currents, ["validate", "currents", *strict, *currents]))
    cohort_options = shlex.split(os.environ.get("INPUT_COHORT_OPTIONS", ""))
    for table in files_of(os.environ.get("INPUT_COHORT", "")):
        calls.append(("cohort", [table], ["validate", "cohort", *cohort_options, *strict, table]))
    sql_options = shlex.split(os.environ.get("INPUT_SQL_OPTIONS", ""))
    for query in files_of(os.environ.get("INPUT_SQL", "")):
        calls.append(("sql", [query], ["check", "sql", *sql_options, *strict, query]))
    status, logs, rows = 0, [], []
    if not calls:
        print("::error title=tdbraze::no file to check: set currents, cohort or sql to globs that match files")
        status = 2
    for kind, files, argv in calls:
        sys.stdout.flush()
        code = subprocess.run([tdbraze, *argv[:2], "--format", "github", *argv[2:]]).returncode
        rows.append(f"| {kind} | {', '.join(f'`{f}`' for f in files)} | "
                    f"{['ok', 'findings', 'not checked'][min(code, 2)]} |")
        status = max(status, min(code, 2))
        if sarif_path:
            r = subprocess.run([tdbraze, *argv[:2], "--format", "sarif", *argv[2:]], capture_output=True, text=True)
            if r.stdout.strip():
                logs.append(json.loads(r.stdout))

    outputs = {"exit-code": str(status), "sarif": ""}
    if sarif_path and logs:
        with open(sarif_path, "w", encoding="utf-8") as f:
            json.dump(merge_sarif(logs), f)
        outputs["sarif"] = sarif_path
    if "GITHUB_OUTPUT" in os.environ:
        with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
            f.writelines(f"{k}={v}\n" for k, v in outputs.items())
    if "GITHUB_STEP_SUMMARY" in os.environ:
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
            f.write("### tdbraze\n\n| check | files | result |\n|---|---|---|\n" + "\n".join(rows) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
