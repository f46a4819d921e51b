#!/usr/bin/env python3
"""Check the manual's tagged examples with the native CLI and, when given, the WebAssembly module.

Every ```json, jsonl, csv, tsv or sql block in docs/ carries a tag after the language that says what the
block is and what it must give (docs/architecture.md, "Writing docs", has the whole syntax):

  ```json currents valid                     a Currents payload with no diagnostics at all
  ```json currents expect=json-syntax@2:128  exactly these diagnostics: CODE@LINE[:COLUMN], comma-separated
  ```csv cohort valid cohort-id=spring alias=email   a cohort table with its export settings
  ```jsonl requests                          the exact requests the cohort block above it plans
  ```sql sql expect=near-miss-column@1 alias=email   a query for `tdbraze check sql`
  ```csv input                               only a file for the console block that follows it

A `title="..."` and `id=...` put an example in the web page's examples menu (--examples writes
web/examples.json). Untagged data blocks, unknown tags and unknown settings are failures, so nothing in the
manual goes unchecked by accident.

  tools/doc_check.py --bin build/native/bin docs/*.md                       # native only
  tools/doc_check.py --bin build/native/bin --wasm build/wasm/site docs/*.md  # and WASM, compared with native
  tools/doc_check.py --bin ... --self-test docs/*.md    # what a valid example needs, removed, must fail
  tools/doc_check.py --examples web/examples.json docs/*.md   # regenerate the menu (--check: compare only)
"""
import argparse
import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA_LANGS = ("json", "jsonl", "csv", "tsv", "sql")
KIND_LANGS = {
    "currents": ("json", "jsonl"),
    "cohort": ("csv", "tsv", "json", "jsonl"),
    "sql": ("sql",),
    "requests": ("jsonl",),
    "input": DATA_LANGS,
}
# The settings each kind takes; a flag is a setting without "=".
SETTINGS = {
    "currents": {"now", "strict", "max-diagnostics", "receiver"},
    "cohort": {"cohort-id", "cohort-name", "operation", "alias", "partner", "threads", "max-ids-per-request",
               "created-at", "table-format", "trim", "max-diagnostics", "map"},
    "sql": {"alias", "map"},
    "requests": set(),
    "input": set(),
}
MENU = {"title", "id"}
# The manual's fixed clock (see docs/currents.md and docs/cohort.md), so that results do not depend on the day.
DEFAULT_NOW = "1764000000"
DEFAULT_CREATED_AT = "2025-11-24T09:30:00Z"
DEFAULT_MAX_DIAGNOSTICS = "1000"
FENCE = re.compile(r"^```(\w*)[ \t]*(.*?)\s*$")
EXPECTATION = re.compile(r"^([a-z0-9-]+)(?:@(\d+)(?::(\d+))?)?$")


class DocError(Exception):
    pass


@dataclass
class Block:
    path: str
    line: int             # of the opening fence, 1-based
    lang: str
    body: str             # with a final newline, as a file written from it has
    kind: str = ""
    expect: list = None   # [(code, line, column or None)]; [] for `valid`; None when nothing is expected
    settings: dict = field(default_factory=dict)
    menu: dict = field(default_factory=dict)
    section: str = ""
    requests: "Block" = None  # of a cohort block: the requests block that documents its plan

    @property
    def where(self):
        return f"{os.path.relpath(self.path, ROOT)}:{self.line}"


def parse_expectations(text, where):
    out = []
    for item in filter(None, text.split(",")):
        m = EXPECTATION.match(item)
        if not m:
            raise DocError(f"{where}: cannot read expectation {item!r} (CODE, CODE@LINE or CODE@LINE:COLUMN)")
        out.append((m.group(1), int(m.group(2) or 0), int(m.group(3)) if m.group(3) else None))
    return out


def parse_tag(block, info):
    words = shlex.split(info)
    if not words:
        if block.lang in DATA_LANGS:
            raise DocError(f"{block.where}: untagged ```{block.lang} block: say what it is and what it must give")
        return
    block.kind = words[0]
    if block.kind not in KIND_LANGS:
        if block.lang in DATA_LANGS:
            raise DocError(f"{block.where}: unknown tag {block.kind!r}; one of {', '.join(KIND_LANGS)}")
        return  # a tag on a console, text or sh block is not ours
    if block.lang not in KIND_LANGS[block.kind]:
        raise DocError(f"{block.where}: a {block.kind} block must be one of {KIND_LANGS[block.kind]}, not {block.lang}")
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if key == "valid" and not eq:
            block.expect = []
        elif key == "expect" and eq:
            block.expect = parse_expectations(value, block.where)
        elif key in MENU and eq:
            block.menu[key] = value
        elif key in SETTINGS[block.kind]:
            if key in ("alias", "map"):  # repeatable: comma-separated (map=External_ID=user_ids,Mail=alias:email)
                block.settings.setdefault(key, []).extend(a for a in value.split(",") if a)
            else:
                block.settings[key] = value if eq else True
        else:
            raise DocError(f"{block.where}: {block.kind} blocks take no {word!r}")
    if block.kind in ("currents", "cohort", "sql") and block.expect is None:
        raise DocError(f"{block.where}: a {block.kind} block needs `valid` or `expect=...`")
    if block.kind == "cohort" and "cohort-id" not in block.settings:
        raise DocError(f"{block.where}: a cohort block needs cohort-id=... (cohort-id=\"\" for none)")
    if block.menu and (block.kind not in ("currents", "cohort") or set(block.menu) != MENU):
        raise DocError(f"{block.where}: only currents and cohort blocks go in the menu, with both title= and id=")


def read_blocks(path):
    """Every fenced block of a page, tagged or not, in order, and the problems with their tags."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks, problems, section, i = [], [], "", 0
    while i < len(lines):
        if lines[i].startswith("#"):
            section = lines[i].lstrip("#").strip()
        m = FENCE.match(lines[i])
        if not m or not lines[i].startswith("```"):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if j == len(lines):
            return blocks, problems + [f"{path}:{i + 1}: the block is never closed"]
        body = "\n".join(lines[i + 1:j])
        block = Block(path, i + 1, m.group(1), body + "\n" if body else "", section=section)
        try:
            parse_tag(block, m.group(2))
            blocks.append(block)
        except DocError as e:
            problems.append(str(e))
        i = j + 1
    return blocks, problems


def link_blocks(blocks):
    """Pairs each requests block with its cohort block, and each input block with the console block that
    uses it; returns the problems found."""
    problems = []
    for k, b in enumerate(blocks):
        if b.kind == "requests":
            table = next((p for p in reversed(blocks[:k]) if p.kind == "cohort"), None)
            if table is None or table.section != b.section:
                problems.append(f"{b.where}: a requests block must follow a cohort block in the same section")
            else:
                table.requests = b
        elif b.kind == "input":
            after = next((n for n in blocks[k + 1:] if n.lang == "console" or n.section != b.section), None)
            if after is None or after.lang != "console" or after.section != b.section:
                problems.append(f"{b.where}: an input block must be used by a console block later in its section")
    return problems


# ---- running a check ------------------------------------------------------------------------------------------
# A job is what one block asks of tdbraze; both back ends take the same job and return
# {"report": JSON text, "requests": [JSON text, ...]}, so their answers can be compared byte for byte.

def job_of(block, body=None):
    s = block.settings
    job = {"kind": block.kind, "input": block.body if body is None else body, "source": f"example.{block.lang}"}
    if block.kind == "currents":
        job.update(now=int(s.get("now", DEFAULT_NOW)), strict=bool(s.get("strict")),
                   receiver=s.get("receiver", "http"),
                   max_diagnostics=int(s.get("max-diagnostics", DEFAULT_MAX_DIAGNOSTICS)))
    elif block.kind == "cohort":
        settings = {"cohort_id": s["cohort-id"], "created_at": s.get("created-at", DEFAULT_CREATED_AT),
                    "alias_columns": s.get("alias", []), "map": s.get("map", []), "trim": bool(s.get("trim")),
                    "max_diagnostics": int(s.get("max-diagnostics", DEFAULT_MAX_DIAGNOSTICS))}
        for key in ("cohort-name", "operation", "partner", "table-format"):
            if key in s:
                settings[key.replace("-", "_")] = s[key]
        for key in ("threads", "max-ids-per-request"):
            if key in s:
                settings[key.replace("-", "_")] = int(s[key])
        job["settings"] = settings
    elif block.kind == "sql":
        job["alias_columns"] = s.get("alias", [])
        job["map"] = s.get("map", [])
    return job


def native_args(job, file):
    if job["kind"] == "currents":
        args = ["validate", "currents", "--format", "json", "--now", str(job["now"]),
                "--max-diagnostics", str(job["max_diagnostics"]), "--receiver", job["receiver"]]
        return args + (["--strict"] if job["strict"] else []) + [file]
    if job["kind"] == "sql":
        args = ["check", "sql", "--format", "json", file]
        for a in job["alias_columns"]:
            args += ["--alias-column", a]
        for m in job["map"]:
            args += ["--map", m]
        return args
    s = job["settings"]
    args = ["plan", "cohort", file, "--cohort-id", s["cohort_id"], "--created-at", s["created_at"],
            "--max-diagnostics", str(s["max_diagnostics"]), "--format", "json", "--out", "-"]
    for key in ("cohort_name", "operation", "partner", "threads", "max_ids_per_request", "table_format"):
        if key in s:
            args += ["--" + key.replace("_", "-"), str(s[key])]
    for a in s["alias_columns"]:
        args += ["--alias-column", a]
    for m in s["map"]:
        args += ["--map", m]
    return args + (["--trim"] if s["trim"] else [])


def run_native(jobs, bin_dir):
    cli = os.path.abspath(os.path.join(bin_dir, "tdbraze"))
    results = []
    with tempfile.TemporaryDirectory() as work:
        for job in jobs:
            # The file has the job's source name: reports name their input, and the WASM side is given the same.
            file = os.path.join(work, job["source"])
            with open(file, "w", encoding="utf-8") as f:
                f.write(job["input"])
            r = subprocess.run([cli] + native_args(job, job["source"]), cwd=work, capture_output=True, text=True)
            os.remove(file)
            if r.returncode not in (0, 1):
                raise DocError(f"tdbraze {' '.join(native_args(job, job['source']))}: exit {r.returncode}: {r.stderr}")
            if job["kind"] == "cohort":  # plan: requests on stdout, the report on stderr
                results.append({"report": r.stderr.rstrip("\n"), "requests": r.stdout.splitlines()})
            else:
                results.append({"report": r.stdout.rstrip("\n"), "requests": []})
    return results


NODE = "node"


def run_wasm(jobs, site_dir):
    backend = os.path.join(ROOT, "tests", "docs", "wasm_backend.mjs")
    r = subprocess.run([NODE, backend, site_dir], input=json.dumps(jobs), capture_output=True, text=True)
    if r.returncode != 0:
        raise DocError(f"node {backend}: exit {r.returncode}: {r.stderr}")
    return json.loads(r.stdout)


def verdict(block, result):
    """What is wrong with a result against the block's tag: a list of messages, empty when it is right."""
    report = json.loads(result["report"])
    got = Counter((d["code"], d.get("line", 0)) for d in report["diagnostics"])
    want = Counter((code, line) for code, line, _ in block.expect)
    problems = []
    if got != want:
        show = lambda c: ", ".join(f"{code}@{line}" if line else code for code, line in sorted(c.elements())) or "none"
        problems.append(f"expected diagnostics {show(want)}; tdbraze gives {show(got)}")
    for code, line, column in block.expect:
        if column is not None and not any(d["code"] == code and d.get("line") == line and d.get("column") == column
                                          for d in report["diagnostics"]):
            problems.append(f"expected {code} at {line}:{column}; it is elsewhere on the line")
    wanted = block.requests
    if wanted is not None and result["requests"] != wanted.body.splitlines():
        problems.append(f"the requests differ from those at {wanted.where}:\n      documented: "
                        + "\n                  ".join(wanted.body.splitlines())
                        + "\n      planned:    " + "\n                  ".join(result["requests"]))
    return problems


def check(blocks, bin_dir, site_dir):
    checked = [b for b in blocks if b.kind in ("currents", "cohort", "sql")]
    jobs = [job_of(b) for b in checked]
    backends = [("native", run_native(jobs, bin_dir))]
    if site_dir:
        backends.append(("wasm", run_wasm(jobs, site_dir)))
    failures = []
    for k, block in enumerate(checked):
        for name, results in backends:
            failures += [f"{block.where}: {name}: {p}" for p in verdict(block, results[k])]
        if len(backends) == 2 and backends[0][1][k] != backends[1][1][k]:
            failures.append(f"{block.where}: native and wasm differ:\n      native: {backends[0][1][k]}\n"
                            f"      wasm:   {backends[1][1][k]}")
    return len(checked), [name for name, _ in backends], failures


# ---- self-test: a documented valid payload without a required field must fail --------------------------------

MEMBERS = ("event_type", "id", "time", "user", "properties")


def required_fields(catalogue, event):
    """(object, key) of every field Braze always sends in this event: the five members, then the event type's
    required user and property fields from the catalogue."""
    fields = [(event, m) for m in MEMBERS if m in event]
    entry = catalogue["events"].get(event.get("event_type"), {})
    for part in ("user", "properties"):
        spec = entry.get("properties") if part == "properties" else entry.get("user")
        target = event.get(part)
        if isinstance(target, dict) and spec:
            fields += [(target, k) for k, v in spec.items() if v["presence"] == "required" and k in target]
    return fields


def mutants(block, catalogue):
    """The block's payload once per required field, with that field deleted: (description, text)."""
    text = block.body
    try:
        values = [json.loads(text)]
        lines = False
    except json.JSONDecodeError:
        values = [json.loads(l) for l in text.splitlines() if l.strip()]
        lines = True
    out = []
    for v, value in enumerate(values):
        events = value["events"] if isinstance(value, dict) and "events" in value else [value]
        for e, event in enumerate(events):
            for n in range(len(required_fields(catalogue, event))):
                copy = json.loads(json.dumps(values))
                ev = copy[v]["events"][e] if isinstance(copy[v], dict) and "events" in copy[v] else copy[v]
                target, key = required_fields(catalogue, ev)[n]
                del target[key]
                name = key if target is ev else f"{'user' if target is ev.get('user') else 'properties'}.{key}"
                body = "\n".join(json.dumps(x) for x in copy) + "\n" if lines else json.dumps(copy[0], indent=2) + "\n"
                out.append((f"event {e + 1} without {name}", body))
    return out


def cohort_mutants(block):
    """A valid cohort table without what an export cannot do without: its cohort id, and its identifier
    columns (user_ids, device_ids and the alias columns; CSV tables). (description, block to check)."""
    out = [("the table without a cohort id", replace(block, settings=dict(block.settings, **{"cohort-id": ""})))]
    if block.lang == "csv":
        rows = list(csv.reader(io.StringIO(block.body)))
        sent = {"user_ids", "device_ids", *block.settings.get("alias", [])}
        keep = [i for i, name in enumerate(rows[0]) if name not in sent]
        left = [[row[i] for i in keep if i < len(row)] for row in rows]
        if not keep:  # a column of something else, so that the table is not simply empty
            left = [["segment"]] + [["vip"]] * (len(rows) - 1)
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(left)
        out.append(("the table without its identifier columns", replace(block, body=text.getvalue())))
    return out


def self_test(blocks, bin_dir, site_dir):
    with open(os.path.join(ROOT, "assets", "currents-catalogue.json"), encoding="utf-8") as f:
        catalogue = json.load(f)
    cases = []  # (the documented block, what was deleted, the block without it)
    for b in blocks:
        if b.kind == "currents" and b.expect == []:
            cases += [(b, what, replace(b, body=body)) for what, body in mutants(b, catalogue)]
        elif b.kind == "cohort" and b.expect == []:
            cases += [(b, what, mutant) for what, mutant in cohort_mutants(b)]
    jobs = [job_of(mutant) for _, _, mutant in cases]
    backends = [("native", run_native(jobs, bin_dir))] + ([("wasm", run_wasm(jobs, site_dir))] if site_dir else [])
    failures = []
    for k, (block, what, _) in enumerate(cases):
        for name, results in backends:
            # The deletion must turn the documented verdict into a failure, and through an error: a required
            # field's absence is never only a warning.
            if not verdict(block, results[k]) or json.loads(results[k]["report"])["ok"]:
                failures.append(f"{block.where}: {name}: {what} still passes the check")
    counts = Counter(block.kind for block, _, _ in cases)
    examples = Counter(block.kind for block in {id(b): b for b, _, _ in cases}.values())
    return counts, examples, [n for n, _ in backends], failures


# ---- the web page's examples menu -----------------------------------------------------------------------------

def menu(blocks):
    entries = []
    for k, b in enumerate(blocks):
        if not b.menu:
            continue
        # The page and section, not the line: the menu need not change when text above the example does.
        source = f"{os.path.relpath(b.path, ROOT)}: {b.section}"
        entry = {"id": b.menu["id"], "mode": b.kind, "valid": b.expect == [], "title": b.menu["title"],
                 "source": source, "file": f"{b.menu['id']}.{b.lang}"}
        if b.kind == "cohort":
            job = job_of(b)["settings"]
            entry["settings"] = {key: v for key, v in job.items()
                                 if key not in ("created_at", "max_diagnostics") and v not in ([], False)}
            # The query shown with a table: the sql block right before it, when there is one.
            if k > 0 and blocks[k - 1].kind == "sql" and blocks[k - 1].section == b.section:
                entry["sql"] = blocks[k - 1].body.strip()
        entry["text"] = b.body
        entries.append(entry)
    entries.sort(key=lambda e: e["mode"] != "currents")  # Currents first, as the page's modes are
    ids = [e["id"] for e in entries]
    if len(set(ids)) != len(ids):
        raise DocError(f"menu ids used twice: {sorted(i for i in set(ids) if ids.count(i) > 1)}")
    note = ("Generated by tools/doc_check.py --examples from the docs/ blocks with a title; do not edit. "
            "text: the example, which the build writes to the site's examples/FILE; source: where the manual has it.")
    return json.dumps({"note": note, "examples": entries}, indent=1, ensure_ascii=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", help="folder holding the native tdbraze binary")
    parser.add_argument("--wasm", help="the site folder holding tdbraze.js and tdbraze.wasm")
    parser.add_argument("--node", default="node", help="the Node.js that runs the WASM side")
    parser.add_argument("--self-test", action="store_true", help="check that a missing required field is caught")
    parser.add_argument("--examples", help="write the examples menu (web/examples.json) from the tagged blocks")
    parser.add_argument("--check", action="store_true", help="with --examples: only compare, exit 1 if stale")
    parser.add_argument("docs", nargs="+")
    args = parser.parse_args()
    global NODE
    NODE = args.node
    try:
        blocks, problems = [], []
        for path in sorted(args.docs):
            page, found = read_blocks(path)
            problems += found + link_blocks(page)
            blocks += page
        if problems:
            raise DocError("\n".join(problems))
        if args.examples:
            text = menu(blocks)
            current = ""
            if os.path.exists(args.examples):
                with open(args.examples, encoding="utf-8") as f:
                    current = f.read()
            if args.check:
                if text != current:
                    raise DocError(f"{args.examples} is not what docs/ gives; run tools/doc_check.py --examples "
                                   f"{args.examples} docs/*.md")
                print(f"{args.examples}: current ({text.count(chr(10) + '  {')} examples)")
            elif text != current:
                with open(args.examples, "w", encoding="utf-8") as f:
                    f.write(text)
            return 0
        if not args.bin:
            parser.error("--bin is needed to check examples")
        if args.self_test:
            counts, examples, names, failures = self_test(blocks, args.bin, args.wasm)
            if not counts["currents"] or not counts["cohort"]:
                raise DocError("self-test: no valid Currents or cohort example found")
            if not failures:
                print(f"self-test: rejected by {' and '.join(names)}: {counts['currents']} payloads, each one of "
                      f"{examples['currents']} valid Currents examples without one required field; "
                      f"{counts['cohort']} tables, each one of {examples['cohort']} valid cohort examples without "
                      f"its cohort id or its identifier columns")
        else:
            count, names, failures = check(blocks, args.bin, args.wasm)
            print(f"docs: {count} tagged examples checked with {' and '.join(names)}, "
                  f"{sum(b.kind == 'input' for b in blocks)} inputs left to their console blocks")
        for f in failures:
            print(f, file=sys.stderr)
        return 1 if failures else 0
    except DocError as e:
        print(e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
