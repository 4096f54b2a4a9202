"""YAML loading with `yaml.safe_load` semantics that remembers where every value came from.

Spec errors must point at `file:line:column`; PyYAML drops positions once it builds Python
objects, so we compose the node tree ourselves and record each node's start mark by path.
Duplicate mapping keys, which `safe_load` silently resolves to the last one, are errors here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Path = tuple[Any, ...]


class YamlError(Exception):
    """A file that is not valid YAML, or has a duplicate key; line and column are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Located:
    """A loaded document plus the (line, column) of each value, keyed by its path from the root."""

    data: Any
    positions: dict[Path, tuple[int, int]]

    def position(self, path: Path) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


def load(text: str) -> Located:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(f"{exc.problem or exc}", line, column) from None
    positions: dict[Path, tuple[int, int]] = {}
    if node is None:
        return Located(None, positions)
    try:
        return Located(_build(node, (), positions), positions)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(f"{exc.problem or exc}", mark.line + 1, mark.column + 1) from None


_constructor = yaml.SafeLoader("")
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _build(node: yaml.Node, path: Path, positions: dict[Path, tuple[int, int]]) -> Any:
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise YamlError(
            f"tag {node.tag!r} is not allowed in spec files (plain YAML only)",
            node.start_mark.line + 1,
            node.start_mark.column + 1,
        )
    if isinstance(node, yaml.MappingNode):
        _constructor.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _constructor.construct_object(key_node, deep=True)
            if key in result:
                raise YamlError(
                    f"duplicate key {key!r} (the first one is overridden)",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            result[key] = _build(value_node, (*path, key), positions)
            # Errors about a key (unknown, misspelt) point at the key, not its value.
            positions[(*path, key, "<key>")] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), positions) for i, item in enumerate(node.value)]
    return _constructor.construct_object(node, deep=True)
