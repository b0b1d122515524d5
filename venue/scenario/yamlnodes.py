"""YAML parsed into nodes that remember their line: what the validator needs to say where a
problem is.

`parse(text, file)` returns a `YNode` tree: mappings (`kind == "map"`, `items` maps each key
to `(key_line, node)`, duplicate keys reported), sequences (`"seq"`, `items` a list) and
scalars (`"scalar"`, `value` the YAML value, `raw` the text as written, `plain` True when
unquoted). Only the YAML safe subset is accepted.

>>> node = parse("a: 1\\nb:\\n  - x\\n", "t.yaml")
>>> node.items["b"][1].items[0].value, node.items["b"][1].items[0].line
('x', 3)
"""

from __future__ import annotations

from typing import Any

import yaml

from venue.scenario.errors import Issue, ScenarioError

__all__ = ["YNode", "parse"]


class YNode:
    """One YAML node with its 1-based line."""

    __slots__ = ("items", "kind", "line", "plain", "raw", "tag", "value")

    def __init__(
        self,
        kind: str,
        line: int,
        tag: str = "",
        value: Any = None,
        raw: str = "",
        plain: bool = False,
    ) -> None:
        self.kind = kind
        self.line = line
        self.tag = tag
        self.value = value
        self.raw = raw
        self.plain = plain
        self.items: Any = None

    def describe(self) -> str:
        """A short description of the node for error messages (`'abc' (a string)`)."""
        if self.kind == "map":
            return "a mapping"
        if self.kind == "seq":
            return "a list"
        v = self.value
        if v is None:
            return "nothing (null)"
        kind = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
            type(v), type(v).__name__
        )
        text = repr(v) if isinstance(v, str) else str(v)
        if len(text) > 40:
            text = text[:37] + "..."
        return f"{text} ({kind})"

    def to_python(self) -> Any:
        """The plain Python value of the node and its children."""
        if self.kind == "map":
            return {k: n.to_python() for k, (_line, n) in self.items.items()}
        if self.kind == "seq":
            return [n.to_python() for n in self.items]
        return self.value


def parse(text: str, file: str) -> YNode:
    """Parses YAML text into a `YNode` tree; a syntax error, an empty document or a
    duplicate key raises ScenarioError with its line."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = err.problem or str(err)
        raise ScenarioError([Issue(file, line, "", f"not valid YAML: {problem}")]) from None
    except yaml.YAMLError as err:
        raise ScenarioError([Issue(file, None, "", f"not valid YAML: {err}")]) from None
    finally:
        loader.dispose()
    if root is None:
        raise ScenarioError([Issue(file, 1, "", "the file is empty; expected a mapping")])
    issues: list[Issue] = []
    constructor = yaml.constructor.SafeConstructor()
    out = _convert(root, constructor, file, "", issues)
    if issues:
        raise ScenarioError(issues)
    return out


def _convert(node: yaml.Node, constructor: Any, file: str, path: str, issues: list[Issue]) -> YNode:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = YNode("map", line, node.tag)
        items: dict[str, tuple[int, YNode]] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(Issue(file, key_line, path, "keys must be plain names"))
                continue
            key = str(key_node.value)
            sub = f"{path}.{key}" if path else key
            if key in items:
                issues.append(
                    Issue(
                        file, key_line, sub, f"duplicate key (first given on line {items[key][0]})"
                    )
                )
                continue
            items[key] = (key_line, _convert(value_node, constructor, file, sub, issues))
        out.items = items
        return out
    if isinstance(node, yaml.SequenceNode):
        out = YNode("seq", line, node.tag)
        out.items = [
            _convert(n, constructor, file, f"{path}[{i}]", issues) for i, n in enumerate(node.value)
        ]
        return out
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.YAMLError as err:
        issues.append(Issue(file, line, path, f"cannot read value {node.value!r}: {err}"))
        value = node.value
    return YNode("scalar", line, node.tag, value, str(node.value), node.style is None)
