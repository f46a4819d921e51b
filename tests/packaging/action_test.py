#!/usr/bin/env python3
"""action.yml run the way a GitHub runner runs a composite action, without GitHub or a network: its steps'
`run:` scripts in bash (-eo pipefail, as `shell: bash`), with the runner's variables (GITHUB_WORKSPACE,
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, GITHUB_ACTION_PATH, INPUT_*) and the `${{ }}` expressions
the action uses substituted (inputs, github.action_path, steps.ID.outputs.NAME). An expression the
imitation does not know fails the test, so the action cannot rely on something untested here.
Checked: exit status, annotations printed, step outputs, the step summary and the SARIF log.

Usage: action_test.py --source DIR --tdbraze BIN --fixtures DIR --work DIR [--deb-from BUILD_DIR]"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run_action(action: dict, source: pathlib.Path, workspace: pathlib.Path, temp: pathlib.Path, inputs: dict):
    """Runs every step; returns (status, log, the action's outputs, the step summary)."""
    for name in inputs:
        check(name in action["inputs"], f"the test passes an input action.yml does not declare: {name}")
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(inputs)
    step_outputs, log, status = {}, "", 0
    temp.mkdir(parents=True, exist_ok=True)
    summary = temp / "summary.md"
    summary.write_text("")

    def evaluate(text):
        def one(m):
            expr = m.group(1)
            if expr.startswith("inputs."):
                return values[expr[len("inputs."):]]
            if expr == "github.action_path":
                return str(source)
            m2 = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
            if m2:
                return step_outputs.get(m2.group(1), {}).get(m2.group(2), "")
            raise Failure(f"an expression the runner imitation does not know: {expr}")
        return EXPRESSION.sub(one, str(text))

    path = os.environ["PATH"]
    for i, step in enumerate(action["runs"]["steps"]):
        check(step.get("shell") == "bash" and "run" in step and "if" not in step and "uses" not in step,
              f"step {i}: only `shell: bash` run steps without `if` are imitated")
        output_file = temp / f"output-{i}"
        output_file.write_text("")
        env = {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
               "GITHUB_WORKSPACE": str(workspace), "GITHUB_OUTPUT": str(output_file),
               "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(temp), "GITHUB_ACTION_PATH": str(source),
               "GITHUB_ACTIONS": "true", "CI": "true"}
        env.update({"INPUT_" + k.upper().replace("-", "_"): v for k, v in values.items()})
        env.update({k: evaluate(v) for k, v in (step.get("env") or {}).items()})
        script = temp / f"step-{i}.sh"
        script.write_text(evaluate(step["run"]))
        r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                           env=env, capture_output=True, text=True)
        log += r.stdout + r.stderr
        outputs = {}
        for line in output_file.read_text().splitlines():
            name, _, value = line.partition("=")
            outputs[name] = value
        step_outputs[step.get("id", str(i))] = outputs
        if r.returncode != 0:
            status = r.returncode
            break
    action_outputs = {k: evaluate(v["value"]) for k, v in action.get("outputs", {}).items()}
    return status, log, action_outputs, summary.read_text()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--tdbraze", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--deb-from", help="a native build tree to pack a .deb from (cpack) for the deb input")
    args = parser.parse_args()
    source, fixtures, work = (pathlib.Path(p).resolve() for p in (args.source, args.fixtures, args.work))
    action = yaml.safe_load((source / "action.yml").read_text())
    check(action["runs"]["using"] == "composite", "a composite action")

    shutil.rmtree(work, ignore_errors=True)
    workspace = work / "workspace"
    shutil.copytree(fixtures / "currents", workspace / "payloads")
    (workspace / "cohort").mkdir()
    shutil.copy(fixtures / "cohort/braze-emails.csv", workspace / "cohort/emails.csv")
    (workspace / "cohort/broken.csv").write_text("name\nann\n")  # neither the alias column nor an id
    (workspace / "sql").mkdir()
    (workspace / "sql/export.sql").write_text("SELECT email FROM customers WHERE segment = 'spring'\n")
    (workspace / "sql/forgot.sql").write_text("SELECT external_id, lower(x)\nFROM t\n")  # no email

    # Everything, with findings: the step fails with status 1 after printing annotations and writing the log.
    status, log, outputs, summary = run_action(action, source, workspace, work / "temp-1", {
        "currents": "payloads/*.json payloads/*.jsonl", "cohort": "cohort/*.csv",
        "cohort-options": "--cohort-id spring --alias-column email", "sql": "sql/*.sql",
        "sql-options": "--alias-column email", "sarif": "tdbraze.sarif", "tdbraze": args.tdbraze})
    check(status == 1, f"exit status {status} with findings:\n{log}")
    check(re.search(r"^::error file=payloads/problems\.json,line=\d+,col=\d+,title=[\w-]+::", log, re.M),
          f"no error annotation on payloads/problems.json:\n{log}")
    check(re.search(r"^::(error|warning) file=cohort/broken\.csv", log, re.M), f"no annotation on the table:\n{log}")
    check(re.search(r"^::(error|warning) file=sql/forgot\.sql", log, re.M), f"no annotation on the query:\n{log}")
    check(outputs == {"sarif": "tdbraze.sarif", "exit-code": "1"}, f"outputs {outputs}")
    sarif = json.loads((workspace / "tdbraze.sarif").read_text())
    check(sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1, "one SARIF run")
    run = sarif["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
            if r.get("locations")}
    check({"payloads/problems.json", "cohort/broken.csv", "sql/forgot.sql"} <= uris, f"SARIF results on {uris}")
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    check(len(rule_ids) == len(set(rule_ids)), "one rule per code in the merged run")
    check(all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"]), "ruleIndex points at ruleId")
    check("| currents |" in summary and "| cohort | `cohort/broken.csv` | findings |" in summary,
          f"step summary:\n{summary}")
    print(f"ok: findings: exit 1, {len(run['results'])} SARIF results, annotations, summary")

    # Clean files: exit 0, no error annotation, no SARIF asked for.
    status, log, outputs, _ = run_action(action, source, workspace, work / "temp-2", {
        "currents": "payloads/valid-batch.json", "cohort": "cohort/emails.csv",
        "cohort-options": "--cohort-id spring --alias-column email", "tdbraze": args.tdbraze})
    check(status == 0 and "::error" not in log, f"clean files: exit {status}\n{log}")
    check(outputs == {"sarif": "", "exit-code": "0"}, f"outputs {outputs}")
    # A glob that matches nothing is said, and no file at all is an error.
    status, log, _, _ = run_action(action, source, workspace, work / "temp-3",
                                   {"currents": "nothing/*.json", "tdbraze": args.tdbraze})
    check(status == 2 and "::warning title=tdbraze::no file matches nothing/*.json" in log, log)
    # A tdbraze already installed, named as a command on PATH.
    os.environ["PATH"] = str(pathlib.Path(args.tdbraze).resolve().parent) + os.pathsep + os.environ["PATH"]
    status, log, outputs, _ = run_action(action, source, workspace, work / "temp-5",
                                         {"currents": "payloads/valid-batch.json", "tdbraze": "tdbraze"})
    check(status == 0 and outputs["exit-code"] == "0", f"tdbraze from PATH: exit {status}\n{log}")
    print("ok: clean files exit 0; an empty glob is reported")

    # Installing from a .deb (unpacked, as on a runner without sudo), when a build tree to pack is given and
    # has its web site (the package holds it).
    if args.deb_from:
        build = pathlib.Path(args.deb_from)
        site = subprocess.run(["cmake", "-L", "-N", str(build)], capture_output=True, text=True, check=True).stdout
        site = pathlib.Path(site.split("TDBRAZE_SITE_DIR:PATH=")[1].split("\n")[0])
        if (site / "index.html").exists():
            subprocess.run(["cpack", "--config", str(build / "CPackConfig.cmake"), "-B", str(work / "deb")],
                           check=True, capture_output=True)
            deb = next((work / "deb").glob("tdbraze_*.deb"))
            status, log, outputs, _ = run_action(action, source, workspace, work / "temp-4", {
                "currents": "payloads/valid-batch.json", "deb": str(deb), "deb-install": "extract"})
            check(status == 0 and "tdbraze 0.1.0\ncommit " in log, f"from the .deb: exit {status}\n{log}")
            print("ok: installed from the .deb (extract)")
        else:
            print(f"the .deb run is left out: no web site in {site}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        sys.exit(1)
