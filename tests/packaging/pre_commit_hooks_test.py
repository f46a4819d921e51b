#!/usr/bin/env python3
""".pre-commit-hooks.yaml: each hook's entry run the way pre-commit runs a `language: system` hook (the entry's
words, then the hook's args, then the staged files its `files` regex matches), on clean and broken files:
exit 0 for clean ones, 1 for findings, and the findings printed.

Usage: pre_commit_hooks_test.py --source DIR --bin DIR_OF_TDBRAZE --fixtures DIR --work DIR"""
import argparse
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import yaml


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("--source", "--bin", "--fixtures", "--work"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    fixtures, work = pathlib.Path(args.fixtures), pathlib.Path(args.work)
    hooks = {h["id"]: h for h in yaml.safe_load((pathlib.Path(args.source) / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"tdbraze-currents", "tdbraze-cohort", "tdbraze-sql"}, hooks.keys()

    shutil.rmtree(work, ignore_errors=True)
    (work / "currents").mkdir(parents=True)
    (work / "cohorts").mkdir()
    (work / "queries").mkdir()
    shutil.copy(fixtures / "currents/valid-batch.json", work / "currents/valid.json")
    shutil.copy(fixtures / "currents/problems.json", work / "currents/problems.json")
    shutil.copy(fixtures / "cohort/braze-emails.csv", work / "cohorts/emails.csv")
    (work / "cohorts/broken.csv").write_text("name\nann\n")  # neither the alias column nor an id
    (work / "queries/export.sql").write_text("SELECT email FROM customers\n")
    (work / "queries/forgot.sql").write_text("SELECT external_id, lower(x)\nFROM t\n")  # no email
    (work / "README.md").write_text("not checked\n")
    staged = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file())
    env = {**os.environ, "PATH": args.bin + os.pathsep + os.environ["PATH"]}

    def run(hook_id, files, hook_args=()):
        hook = hooks[hook_id]
        assert hook["language"] == "system", hook
        matched = [f for f in files if re.search(hook["files"], f)]
        r = subprocess.run(shlex.split(hook["entry"]) + list(hook_args) + matched, cwd=work, env=env,
                           capture_output=True, text=True)
        return r.returncode, matched, r.stdout + r.stderr

    failures = []

    def expect(hook_id, files, hook_args, status, matched_expected, text=None):
        code, matched, out = run(hook_id, files, hook_args)
        if code != status or matched != matched_expected or (text and text not in out):
            failures.append(f"{hook_id} on {files} {list(hook_args)}: exit {code} (want {status}), files {matched} "
                            f"(want {matched_expected})\n{out}")

    # Which staged files each hook takes.
    expect("tdbraze-currents", staged, [], 1, ["currents/problems.json", "currents/valid.json"], "problems.json:")
    expect("tdbraze-currents", ["currents/valid.json"], [], 0, ["currents/valid.json"])
    cohort_args = ["--cohort-id=spring", "--alias-column=email"]
    expect("tdbraze-cohort", staged, cohort_args, 1, ["cohorts/broken.csv", "cohorts/emails.csv"], "broken.csv")
    expect("tdbraze-cohort", ["cohorts/emails.csv"], cohort_args, 0, ["cohorts/emails.csv"])
    expect("tdbraze-cohort", ["cohorts/emails.csv"], [], 2, ["cohorts/emails.csv"], "tdbraze: ")  # no cohort id
    expect("tdbraze-sql", staged, ["--alias-column=email"], 1, ["queries/export.sql", "queries/forgot.sql"],
           "forgot.sql")
    expect("tdbraze-sql", ["queries/export.sql"], ["--alias-column=email"], 0, ["queries/export.sql"])
    if failures:
        print("FAIL:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("ok: the three hooks take their files and pass or fail as tdbraze does")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
