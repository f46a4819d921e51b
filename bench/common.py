"""What the benchmark harnesses (currents, cohort, sync) have in common: timing a process and its peak memory
on a machine shared with other work, describing that machine and the binary measured, and writing the
results (JSON, Markdown, bench/README.md's block).

Wall time comes from the clock around each process (GNU time's %e has only 10 ms resolution, too coarse
for tdbraze's fraction of a second); peak RSS from GNU time's %M.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MB = 1_000_000  # throughput unit: 10^6 bytes, as disks and networks count
MIB = 1 << 20   # memory unit: RSS in MiB, as the memory budgets of the issues mean it


def argument_parser(epilog: str) -> argparse.ArgumentParser:
    """The arguments every harness takes (bench/common.sh's `harness_args`); each adds its own."""
    ap = argparse.ArgumentParser(epilog=epilog)
    ap.add_argument("--bench-dir", type=Path, required=True)
    ap.add_argument("--tdbraze", required=True)
    ap.add_argument("--tdbraze-origin", help="where the --tdbraze copy came from, for the results")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quiet-wait", type=float, default=120,
                    help="before each run, wait up to this many seconds for an idle machine (0: do not wait)")
    return ap


def sh(cmd: str, cwd: Path | None = None) -> str:
    try:
        return subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        return ""


def cpu_times() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields) - idle) / hz, sum(fields) / hz


def wait_for_quiet(max_wait: float) -> float:
    """Waits until the machine is (nearly) idle, at most max_wait seconds; returns the busy share seen last.

    Other work on a two-core machine (a compiler in another shell) changes wall times by tens of percent, so
    each run starts in a quiet moment when there is one.
    """
    deadline = time.monotonic() + max_wait
    quiet_in_a_row = 0
    while True:
        b0, t0 = cpu_times()
        time.sleep(0.5)
        b1, t1 = cpu_times()
        busy = (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0
        quiet_in_a_row = quiet_in_a_row + 1 if busy < 0.10 else 0
        if quiet_in_a_row >= 2 or time.monotonic() > deadline:
            return busy


def measure(command: str, quiet_wait: float) -> dict:
    """Runs a shell command, its `{time}` replaced by GNU time: wall seconds, peak RSS (MiB), exit status and
    its stdout, and how much CPU the rest of the machine used meanwhile (other_cpu_seconds: ~0 on an idle
    machine)."""
    busy_before = wait_for_quiet(quiet_wait) if quiet_wait > 0 else None
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    # Only the last stage of a pipeline is timed: `cat` feeding it is not part of the tool.
    full = command.replace("{time}", f"/usr/bin/time -f '%e %M %U %S' -o {shlex.quote(time_file)}")
    cpu0, _ = cpu_times()
    start = time.perf_counter()
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", full], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    cpu1, _ = cpu_times()
    try:
        fields = Path(time_file).read_text().split()
        rss_kib, tool_cpu = int(fields[-3]), float(fields[-2]) + float(fields[-1])
    except (OSError, ValueError, IndexError):
        rss_kib, tool_cpu = -1, 0.0
    finally:
        os.unlink(time_file)
    return {"wall": wall, "rss_mib": rss_kib * 1024 / MIB, "status": proc.returncode, "stdout": proc.stdout,
            "stderr": proc.stderr[-2000:], "cpu_seconds": round(tool_cpu, 3),
            "other_cpu_seconds": round(max(0.0, (cpu1 - cpu0) - tool_cpu), 3),
            "busy_before": None if busy_before is None else round(busy_before, 3)}


def last_json(stdout: str, predicate=lambda d: True) -> dict:
    """The last JSON object a tool printed that `predicate` accepts: the tools log lines before their report."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(d, dict) and predicate(d):
            return d
    return {}


def at_best(entry: dict, key: str):
    """entry[key] (one value per repetition) in the repetition whose wall time counts."""
    return entry[key][entry["wall_seconds"].index(entry["best_seconds"])]


def load_average() -> str:
    return sh("cut -d' ' -f1-3 /proc/loadavg")


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    for line in cpuinfo.read_text().splitlines() if cpuinfo.exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return ""


def describe_machine(load_before: str, *, memory_and_load_after: bool = True) -> dict:
    """The `machine` of a results file. The Currents results predate memory_mib and load_average_after and
    keep their shape (memory_and_load_after=False)."""
    machine = {"cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release()}
    if memory_and_load_after:
        machine["memory_mib"] = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MIB
    machine["load_average_before"] = load_before
    if memory_and_load_after:
        machine["load_average_after"] = load_average()
    return machine


def short_sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else None


def describe_tdbraze(tdbraze: str, origin: str | None, repo: Path) -> dict:
    """The start of a results file's `software`: which tdbraze was measured. `tdbraze` is the copy that ran,
    `origin` the path it was copied from."""
    q = shlex.quote
    return {
        # Its first line: the version (the lines after it name the commit and the catalogue).
        "tdbraze": sh(f"{q(tdbraze)} --version").split("\n", 1)[0],
        "tdbraze_version_text": sh(f"{q(tdbraze)} --version"),
        "tdbraze_binary": origin or tdbraze,
        "tdbraze_binary_sha256": short_sha256(Path(sh(f"command -v {q(tdbraze)}") or tdbraze)),
        "repository": repository_label(repo),
    }


def repository_label(repo: Path) -> str:
    """The commit measured, "-dirty" when files other than the benchmark's own results differ from it: a run
    writes bench/results and bench/README.md as it goes, so `git describe --dirty` marked every part after
    the first of a clean run as dirty."""
    commit = sh("git describe --always --abbrev=12", cwd=repo)
    changed = sh("git status --porcelain -- . ':(exclude)bench/results' ':(exclude)bench/README.md'", cwd=repo)
    return f"{commit}-dirty" if commit and changed else commit


def repo_relative(path: Path, repo: Path) -> str:
    return str(path.relative_to(repo)) if path.is_relative_to(repo) else str(path)


def as_typed(cmd: str, repo: Path, originals: dict[str, str]) -> str:
    """A measured command as a reader would type it: without GNU time, with the original paths in place of
    the snapshot copies that ran ({copy: original}), relative to the repository."""
    cmd = cmd.replace("{time} ", "")
    for copy, original in originals.items():
        cmd = cmd.replace(shlex.quote(copy), shlex.quote(original))
    return cmd.replace(str(repo) + "/", "")


def fmt(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}"


def other_cpu_lines(labels: list[str], results_file: str, who: str = "Other processes") -> list[str]:
    """The Markdown warning that a best run shared the machine; none when `labels` is empty."""
    if not labels:
        return []
    return ["", f"{who} used CPU during the best run of: " + ", ".join(labels) +
            f" (see other_cpu_seconds in {results_file}); rerun on an idle machine."]


def problem_lines(problems: list[str]) -> list[str]:
    return ["", "Problems in this run:", ""] + [f"- {x}" for x in problems] if problems else []


def save_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def update_readme(readme: Path, name: str, md: str, writer: str | None = None) -> None:
    """Replaces bench/README.md's block between the `NAME-results` markers with `md`; `writer` is what the
    begin marker names as its author (NAME/run.sh unless told)."""
    if not readme.exists():
        return
    begin = f"<!-- {name}-results:begin (written by {writer or name + '/run.sh'}) -->"
    end = f"<!-- {name}-results:end -->"
    # The README sits one level above results/: a chart's path is relative to it.
    md = md.replace(f"]({name}.svg)", f"](results/{name}.svg)")
    text = readme.read_text()
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        readme.write_text(pattern.sub(lambda _: f"{begin}\n{md}{end}", text))


def publish(out_dir: Path, name: str, md: str, svg: str | None = None, readme: bool = True,
            writer: str | None = None, show: bool = True) -> None:
    """Writes results/NAME.md (and NAME.svg), the README's block when `readme`, and shows the Markdown when
    `show`."""
    (out_dir / f"{name}.md").write_text(md)
    if svg is not None:
        (out_dir / f"{name}.svg").write_text(svg)
    if readme:
        update_readme(out_dir.parent / "README.md", name, md, writer)
    if show:
        print()
        print(md)


def exit_status(failures: list[str]) -> int:
    if failures:
        print("PROBLEMS:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0
