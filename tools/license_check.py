"""Licence gate: every Rust dependency must be under a permissive licence.

The engine is licensed commercially (see LICENSE), so no copyleft or unknown licence may be
linked into it. Reads `cargo metadata` for the whole workspace (all targets and features) and
evaluates each package's SPDX expression against ALLOWED. Exits 1 naming every offender.

Usage: python tools/license_check.py
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

ALLOWED = {
    "MIT",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "CC0-1.0",
    "Unlicense",
    "BSL-1.0",
}

TOKEN = re.compile(r"\(|\)|\bAND\b|\bOR\b|[A-Za-z0-9.+-]+(?: WITH [A-Za-z0-9.+-]+)?")


def permitted(expr: str) -> bool:
    """Whether an SPDX expression can be satisfied using only ALLOWED licences."""
    tokens = TOKEN.findall(expr.replace("/", " OR "))
    pos = 0

    def atom() -> bool:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            value = either()
            pos += 1  # ")"
            return value
        return tok in ALLOWED

    def both() -> bool:
        nonlocal pos
        value = atom()
        while pos < len(tokens) and tokens[pos] == "AND":
            pos += 1
            value = atom() and value
        return value

    def either() -> bool:
        nonlocal pos
        value = both()
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            value = both() or value
        return value

    return bool(tokens) and either()


def main() -> int:
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    ours = set(meta["workspace_members"])
    bad = []
    checked = 0
    for pkg in meta["packages"]:
        if pkg["id"] in ours:
            continue
        checked += 1
        lic = pkg.get("license")
        if not lic or not permitted(lic):
            bad.append(f"{pkg['name']} {pkg['version']}: {lic or 'no licence declared'}")
    if bad:
        print("licence check failed; not on the permissive allowlist:", *bad, sep="\n  ")
        return 1
    print(f"licence check: {checked} dependencies, all permissive")
    return 0


if __name__ == "__main__":
    sys.exit(main())
