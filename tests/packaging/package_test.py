#!/usr/bin/env python3
"""The Debian package end to end: CPack packs the built tree (as scripts/package.sh does, without building),
then its file list and Depends are checked, it is unpacked into a scratch root with dpkg -x (no root needed),
and the unpacked tdbraze prints its version, validates an example and serves the page with no --root, found
from where the binary is. Exits 77 (skipped) when the web site was not built (the wasm preset).

Usage: package_test.py --build DIR --source DIR --work DIR"""
import argparse
import gzip
import pathlib
import re
import shutil
import subprocess
import sys
import time
import urllib.request

# What dpkg-shlibdeps must find: the libraries tdbraze links (curl, SQLite, xxhash, the C++ runtime).
REQUIRED_DEPENDS = ["libc6", "libcurl4", "libsqlite3-0", "libstdc++6", "libxxhash0"]
REQUIRED_FILES = [
    "./usr/bin/tdbraze",
    "./usr/share/man/man1/tdbraze.1.gz",
    "./usr/share/bash-completion/completions/tdbraze",
    "./usr/share/tdbraze/site/index.html",
    "./usr/share/tdbraze/site/tdbraze.wasm",
    "./usr/share/tdbraze/site/tdbraze.js",
    "./usr/share/doc/tdbraze/README.md",
    "./usr/share/doc/tdbraze/docs/currents.md",
    "./usr/share/doc/tdbraze/docs/ci.md",
]


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    build, source, work = pathlib.Path(args.build), pathlib.Path(args.source), pathlib.Path(args.work)
    site = pathlib.Path(run(["cmake", "-L", "-N", str(build)]).stdout.split("TDBRAZE_SITE_DIR:PATH=")[1].split("\n")[0])
    if not (site / "index.html").exists():
        print(f"SKIP: no web site in {site}: build the wasm preset (scripts/build.sh)")
        return 77
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    run(["cpack", "--config", str(build / "CPackConfig.cmake"), "-B", str(work)])
    debs = sorted(work.glob("tdbraze_*.deb"))
    if len(debs) != 1:
        fail(f"expected one package in {work}, found {debs}")
    deb = debs[0]
    print(f"package: {deb.name}, {deb.stat().st_size} bytes")

    files = [line.split()[-1] for line in run(["dpkg-deb", "-c", str(deb)]).stdout.splitlines()]
    for f in REQUIRED_FILES:
        if f not in files:
            fail(f"{f} is not in the package; it holds: {files}")
    if (build / "bin" / "tdbraze-desktop").exists() and "./usr/bin/tdbraze-desktop" not in files:
        fail("tdbraze-desktop was built but is not in the package")
    stray = [f for f in files if not f.startswith("./usr/") and f != "./"]
    if stray:
        fail(f"files outside /usr: {stray}")

    depends = run(["dpkg-deb", "-f", str(deb), "Depends"]).stdout.strip()
    print(f"Depends: {depends}")
    names = {re.match(r"\s*([a-z0-9.+-]+)", d).group(1) for d in depends.split(",")}
    for name in REQUIRED_DEPENDS:
        if name not in names:
            fail(f"Depends has no {name}: {depends}")
    if "./usr/bin/tdbraze-desktop" in files and "libglfw3" not in names:
        fail(f"the desktop app is packaged but Depends has no libglfw3: {depends}")

    root = work / "root"
    run(["dpkg", "-x", str(deb), str(root)])
    tdbraze = root / "usr/bin/tdbraze"
    version = run([str(tdbraze), "--version"]).stdout
    print(version.strip())
    if not re.fullmatch(r"tdbraze \S+\ncommit \S+\ncatalogue currents-catalogue/1 [0-9a-f]{12} \(\d+ event types, "
                        r"\d+ fields\)\n", version):
        fail(f"unexpected --version: {version!r}")

    # The man page and the completion list the commands the binary has (both are made from its --help).
    man = gzip.decompress((root / "usr/share/man/man1/tdbraze.1.gz").read_bytes()).decode("utf-8")
    for command in ("validate currents", "validate cohort", "check sql", "schema currents", "web", "help"):
        if f".SS tdbraze {command}\n" not in man:
            fail(f"the man page has no section for tdbraze {command}")
    completion = root / "usr/share/bash-completion/completions/tdbraze"
    for words, expected in ((["val"], "validate"), (["validate", "currents", "--format", ""], "sarif"),
                            (["schema", ""], "currents")):
        script = (f"source {completion}; COMP_WORDS=(tdbraze {' '.join(repr(w) for w in words)}); "
                  f"COMP_CWORD={len(words)}; _tdbraze; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        offered = run(["bash", "-c", script], cwd=work).stdout.split()
        if expected not in offered:
            fail(f"completing tdbraze {' '.join(words)} offers {offered}, not {expected}")

    example = source / "assets/examples/currents/valid-batch.json"
    checked = subprocess.run([str(tdbraze), "validate", "currents", "--now", "0", str(example)],
                             capture_output=True, text=True)
    if checked.returncode != 0:
        fail(f"the installed tdbraze rejects {example}: {checked.stdout}{checked.stderr}")

    # From a folder with no build tree around it and no TDBRAZE_SITE: the site must be found from the binary.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(work)}
    server = subprocess.Popen([str(tdbraze), "web", "--port", "0"], cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        m = re.match(r"tdbraze web: serving (\S+) on (http://127\.0\.0\.1:\d+/)", line)
        if not m:
            fail(f"tdbraze web did not start: {line!r} {server.stderr.read() if server.poll() is not None else ''}")
        if pathlib.Path(m.group(1)) != (root / "usr/share/tdbraze/site").resolve():
            fail(f"tdbraze web serves {m.group(1)}, not the installed site")
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(m.group(2), timeout=5) as response:
                    page = response.read().decode("utf-8")
                    csp = response.headers.get("Content-Security-Policy", "")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        installed_page = (root / "usr/share/tdbraze/site/index.html").read_text(encoding="utf-8")
        if page != installed_page or "<title>" not in page:
            fail("GET / is not the installed index.html")
        if not csp:
            fail("GET / has no Content-Security-Policy header")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("ok: package built, listed, unpacked; --version, validate and web work from the unpacked tree")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
