#!/usr/bin/env python3
"""Check (or refill) the examples in docs/*.md against the real tdbraze binary.

An example is a `console` block: its lines starting with "$ " are shell commands, the other lines are what
they print, standard output and standard error together, as a terminal shows them. The input blocks before a
console block (```json, jsonl, csv, tsv, sql, whatever their tag, except ```jsonl requests) are written, in
order, to the distinct file names with those extensions that the block's commands mention, in the order they
are first mentioned, matched by kind (a .csv file takes the next csv block, a .json or .jsonl file the next
json or jsonl block, ...), from the blocks after the previous console block in the same section; blocks no
command names are only shown here (tools/doc_check.py checks them). Each example runs in a fresh folder with the tdbraze binary first on PATH.
In an output line, `{n}` stands for any number: the times and rates a run prints.

  tools/doc_examples.py --bin build/native/bin docs/*.md          # check: exit 1 on any difference
  tools/doc_examples.py --bin build/native/bin --fill docs/x.md   # rewrite the outputs in place
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

INPUT_KINDS = ("json", "jsonl", "csv", "tsv", "sql")
FAMILY = {"json": "json", "jsonl": "json", "csv": "csv", "tsv": "tsv", "sql": "sql"}
FILE_NAME = re.compile(r"[\w.-]+\.(?:csv|tsv|jsonl|json|sql)\b")
# The language, then the tag tools/doc_check.py reads (e.g. ```csv cohort valid cohort-id=spring).
FENCE = re.compile(r"^```(\w*)(?:[ \t]+(\S+).*)?$")


def run_example(commands, inputs, bin_dir, work):
    names = []
    for command in commands:
        for name in FILE_NAME.findall(command):
            if name not in names:
                names.append(name)
    folder = tempfile.mkdtemp(dir=work)
    pending = list(inputs)
    for name in names:
        family = FAMILY[name.rsplit(".", 1)[1]]
        match = next((k for k, (kind, _) in enumerate(pending) if FAMILY[kind] == family), None)
        if match is None:
            continue  # a file the commands make themselves
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(pending.pop(match)[1])
    # One shell, so that files made by one command are there for the next; a marker line separates outputs.
    script = "exec 2>&1\n" + "".join(f"__rc=$?; echo '@@EXAMPLE{k}@@'; (exit $__rc); {c}\n" for k, c in enumerate(commands))
    env = dict(os.environ, PATH=os.path.abspath(bin_dir) + os.pathsep + os.environ["PATH"])
    env.pop("NO_COLOR", None)
    result = subprocess.run(["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True)
    outputs = re.split(r"@@EXAMPLE\d+@@\n", result.stdout)[1:]
    body = []
    for k, command in enumerate(commands):
        body.append("$ " + command)
        out = outputs[k] if k < len(outputs) else ""
        if out.strip("\n"):
            body.extend(out.rstrip("\n").split("\n"))
    return body


def same_output(documented, actual):
    """Line by line; `{n}` in a documented line stands for any number (a time or a rate that differs per run),
    and such a line is kept as documented when the example is refilled."""
    if len(documented) != len(actual):
        return False
    return all(d == a or ("{n}" in d and re.fullmatch(NUMBER.join(map(re.escape, d.split("{n}"))), a))
               for d, a in zip(documented, actual))


NUMBER = r"[0-9][0-9.,]*"


def process(path, bin_dir, fill, work):
    lines = open(path, encoding="utf-8").read().split("\n")
    out, inputs, examples, failures, i = [], [], 0, 0, 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if lines[i].startswith("#"):
            inputs = []  # a console block only uses the blocks of its own section
        if not m or not m.group(1):
            out.append(lines[i])
            i += 1
            continue
        kind = m.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[i + 1:j]
        if kind in INPUT_KINDS and m.group(2) != "requests":  # planned requests are an expectation, no file
            inputs.append((kind, "\n".join(body) + "\n"))
        if kind != "console":
            out.extend(lines[i:j + 1])
            i = j + 1
            continue
        examples += 1
        commands = [l[2:] for l in body if l.startswith("$ ")]
        got = run_example(commands, inputs, bin_dir, work)
        inputs = []
        if same_output(body, got):
            got = body
        else:
            failures += 1
            if not fill:
                print(f"{path}:{i + 1}: the example's output differs from what tdbraze prints:", file=sys.stderr)
                for d in difflib.unified_diff(body, got, "documented", "actual", lineterm=""):
                    print("    " + d, file=sys.stderr)
        out.append(lines[i])
        out.extend(got)
        out.append(lines[j])
        i = j + 1
    if fill and failures:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    print(f"{path}: {examples} examples, {failures} {'refilled' if fill else 'differ'}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="folder holding the tdbraze binary")
    parser.add_argument("--fill", action="store_true", help="rewrite outputs instead of checking them")
    parser.add_argument("docs", nargs="+")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        failures = sum(process(p, args.bin, args.fill, work) for p in args.docs)
    return 0 if args.fill or failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
