#!/usr/bin/env python3
"""Parse Dockerfiles with BuildKit's own parser and print the result as JSON.

Usage: buildkit_parse.py FILE...

BuildKit's Go parser (frontend/dockerfile/parser) is available in Python through the PyPI
package `dockerfile` (`pip install dockerfile`). This script parses every path given, in one
process, and prints one JSON object mapping each path to either

    {"ok": true, "instructions": [{"keyword": "RUN", "start_line": 2, "end_line": 4,
                                   "flags": ["--mount=type=cache,target=/x"], "json": false,
                                   "values": ["..."], "heredocs": [{"name": "EOF",
                                   "content": "...", "fd": 0}], "sub_cmd": null}]}

or {"ok": false, "error": "<BuildKit's message>"}.

Keywords (and ONBUILD's sub_cmd) are upper-cased: the Python package keeps them as written. A node
without a keyword (BuildKit makes one for a lone escape line at the end of the file) gets "".
Each file is handed to BuildKit as bytes (`dockerfile.parse_file`), so BOMs, CRLF and missing
final newlines reach the Go parser untouched. Exit status: 0 when every file was parsed (accepted
or rejected), 3 when `dockerfile` is missing, 4 when a file could not be read.
"""

import json
import sys

try:
    import dockerfile
except ImportError:  # pragma: no cover - reported by the Rust test
    sys.stderr.write(
        "the Python module `dockerfile` (BuildKit's parser) is missing: run `pip install dockerfile`\n"
    )
    sys.exit(3)


def command_json(cmd):
    # A stray escape-only line at the end of the file gives a node without a keyword.
    return {
        "keyword": (cmd.cmd or "").upper(),
        "sub_cmd": cmd.sub_cmd.upper() if cmd.sub_cmd is not None else None,
        "start_line": cmd.start_line,
        "end_line": cmd.end_line,
        "flags": list(cmd.flags),
        "json": bool(cmd.json),
        "values": list(cmd.value),
        "original": cmd.original,
        "heredocs": [
            {"name": h.name, "content": h.content, "fd": h.file_descriptor}
            for h in cmd.heredocs
        ],
    }


def parse_path(path):
    try:
        commands = dockerfile.parse_file(path)
    except dockerfile.GoParseError as e:
        return {"ok": False, "error": str(e)}
    return {"ok": True, "instructions": [command_json(c) for c in commands]}


def main(argv):
    out = {}
    status = 0
    for path in argv:
        try:
            out[path] = parse_path(path)
        except (OSError, dockerfile.GoIOError) as e:
            sys.stderr.write(f"{path}: {e}\n")
            status = 4
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
