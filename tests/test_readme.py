"""The README's Python example runs and prints what it says it prints."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_runs_as_documented() -> None:
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "the README has a Python example"
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), {})
        # Every `print(...)  # value` line documents what it prints.
        expected = re.findall(r"^print\(.*\)\s+#\s*(.+)$", block, flags=re.M)
        assert out.getvalue().splitlines() == [e.strip() for e in expected]
