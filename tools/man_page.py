#!/usr/bin/env python3
"""Writes tdbraze(1), one man page with every subcommand, from the built binary's --help pages (tools/cli_help.py),
so that the page says what the program takes. Run by the build after tdbraze links (native/CMakeLists.txt).

Usage: tools/man_page.py TDBRAZE OUTPUT (gzip-compressed, reproducibly, when OUTPUT ends in .gz)"""
import gzip
import pathlib
import re
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from cli_help import command_tree, walk  # noqa: E402


def roff(text: str) -> str:
    """Text safe in roff: backslashes and leading dots or quotes neutralised."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line[:1] in (".", "'") else line for line in text.splitlines())


def main() -> int:
    tdbraze, output = sys.argv[1:3]
    root = command_tree(tdbraze)
    version = subprocess.run([tdbraze, "--version"], check=True, capture_output=True, text=True).stdout
    release = version.splitlines()[0].split()[-1]
    out = [
        f'.TH TDBRAZE 1 "" "tdbraze {release}" "User Commands"',
        ".SH NAME",
        "tdbraze \\- " + roff(root.summary.split(": ", 1)[-1]),
        ".SH SYNOPSIS",
        ".B tdbraze",
        ".I command",
        "[\\fIoptions\\fR] [\\fIinputs\\fR...]",
        ".br",
        ".B tdbraze --version",
        ".SH DESCRIPTION",
        "tdbraze checks Braze Currents payloads, Treasure Data cohort mapping tables and their SQL with "
        "compiler-style diagnostics (also as JSON, SARIF and GitHub annotations), plans and sends the requests "
        "they become, prints SQL and JSON Schemas, and serves a validator page that runs in the browser.",
        ".PP",
        "Each command below is shown with its own help page (\\fBtdbraze\\fR \\fIcommand\\fR \\fB--help\\fR). "
        "Every diagnostic code is explained by \\fBtdbraze help\\fR \\fICODE\\fR and in the manual under "
        "/usr/share/doc/tdbraze.",
        ".SH COMMANDS",
    ]
    for command in walk(root):
        if not command.path or command.subcommands:
            continue  # groups only list their commands, which follow
        out.append(".SS " + roff("tdbraze " + " ".join(command.path)))
        out.append(".nf")
        out.append(roff(command.help_text.rstrip()))
        out.append(".fi")
    out += [
        ".SH EXIT STATUS",
        "0 when no input has an error, 1 when one has (the checking commands), 2 for usage or I/O problems; "
        "other commands document theirs in their help.",
        ".SH FILES",
        ".TP",
        ".I /usr/share/tdbraze/site",
        "the validator page that \\fBtdbraze web\\fR serves (also found as ../share/tdbraze/site next to the binary).",
        ".SH SEE ALSO",
        "The manual: /usr/share/doc/tdbraze (README.md, then docs/getting-started.md, docs/currents.md, docs/cohort.md, "
        "docs/ci.md).",
    ]
    data = ("\n".join(out) + "\n").encode("utf-8")
    if output.endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)  # Debian's man pages: gzip -9n
    pathlib.Path(output).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
