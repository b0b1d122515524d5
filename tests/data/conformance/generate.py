"""Regenerates the conformance streams of this folder with the shared generator.

    .venv/bin/python tests/data/conformance/generate.py ../shared/bench/gen_stream.py

For each (N, seed) in STREAMS it runs `gen_stream.py N SEED TMPDIR`, keeps `orders.bin`
gzipped (mtime 0, so the bytes are reproducible) and the `expected` block of `meta.json` in
`expected.json`. The feed is not kept: the conformance test checks the end state and fills.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

STREAMS = [(500, 3), (1000, 1), (3000, 2), (10000, 42)]
HERE = Path(__file__).resolve().parent


def main(gen_stream: str) -> None:
    gen = Path(gen_stream).resolve()
    expected = {}
    for n, seed in STREAMS:
        name = f"n{n}-s{seed}"
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, gen.name, str(n), str(seed), tmp],
                cwd=gen.parent,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            raw = (Path(tmp) / "orders.bin").read_bytes()
            meta = json.loads((Path(tmp) / "meta.json").read_text())
        with gzip.GzipFile(HERE / f"{name}.orders.bin.gz", "wb", compresslevel=9, mtime=0) as f:
            f.write(raw)
        expected[name] = {
            "n": n,
            "seed": seed,
            "n_msgs": meta["n_msgs"],
            "expected": meta["expected"],
        }
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: generate.py PATH/TO/gen_stream.py")
    main(sys.argv[1])
