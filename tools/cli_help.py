"""The tdbraze command tree as its --help pages describe it (CLI11's layout): one source for the man page
(tools/man_page.py) and the bash completion (tools/bash_completion.py), so both list what the binary takes."""
import re
import subprocess
from dataclasses import dataclass, field


@dataclass
class Option:
    names: list  # e.g. ["-h", "--help"]
    choices: list  # the values of TEXT:a|b|c, else []
    takes_value: bool
    help: str


@dataclass
class Command:
    path: list  # e.g. ["validate", "currents"]; [] for tdbraze itself
    help_text: str  # the whole --help page
    summary: str  # its first line
    options: list = field(default_factory=list)
    subcommands: list = field(default_factory=list)  # Command


def _sections(text: str) -> dict:
    """Section name ("Options", "Subcommands", ...) -> its indented lines."""
    out, current = {}, None
    for line in text.splitlines():
        m = re.match(r"^([A-Z][A-Za-z ]*):$", line)
        if m:
            current = out.setdefault(m.group(1), [])
        elif current is not None and line.startswith("  "):
            current.append(line)
        elif not line.strip():
            current = None
    return out


def _options(lines: list) -> list:
    options = []
    for line in lines:
        m = re.match(r"^  (-\S+)((?: \S+)*?)(?:\s{2,}(.*))?$", line)
        if m:
            names = m.group(1).split(",")
            kind = (m.group(2) or " ").split()[0] if m.group(2) else ""
            values = kind.split(":", 1)[1] if ":" in kind else ""
            choices = re.split(r"[|,]", values.strip("{}")) if re.fullmatch(r"\{?[a-z0-9-]+([|,][a-z0-9-]+)+\}?", values) else []
            options.append(Option(names, choices, bool(kind), m.group(3) or ""))
        elif options and line.startswith("      "):
            options[-1].help = (options[-1].help + " " + line.strip()).strip()
    return options


def command_tree(tdbraze: str, path=None) -> Command:
    path = path or []
    text = subprocess.run([tdbraze, *path, "--help"], check=True, capture_output=True, text=True).stdout
    sections = _sections(text)
    command = Command(path, text, text.splitlines()[0], _options(sections.get("Options", [])))
    for line in sections.get("Subcommands", []):
        name = line.split()[0]
        command.subcommands.append(command_tree(tdbraze, path + [name]))
    return command


def walk(command: Command):
    yield command
    for sub in command.subcommands:
        yield from walk(sub)
