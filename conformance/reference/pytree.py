"""Pytrees: nested tuples, lists and dicts of values, flattened to their leaves and a spec to
rebuild them, as torch.utils._pytree does for torch.func. A spec is "*" for a leaf, or (the
container's type, the children's specs: a list, or a dict by key)."""

from __future__ import annotations

from typing import Any


def flatten(tree: Any) -> tuple[list, Any]:
    """The leaves of a tuple/list/dict tree, and a spec to rebuild it ("*" for a leaf)."""
    if isinstance(tree, tuple | list):
        leaves, specs = [], []
        for item in tree:
            item_leaves, spec = flatten(item)
            leaves += item_leaves
            specs.append(spec)
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], {}
        for key, item in tree.items():
            item_leaves, specs[key] = flatten(item)
            leaves += item_leaves
        return leaves, (dict, specs)
    return [tree], "*"


def unflatten(spec: Any, leaves: list) -> Any:
    remaining = iter(leaves)

    def build(spec: Any) -> Any:
        if spec == "*":
            return next(remaining)
        kind, specs = spec
        if kind is dict:
            return {key: build(item) for key, item in specs.items()}
        return kind(build(item) for item in specs)

    return build(spec)


def spec_text(spec: Any) -> str:
    """A pytree's structure as PyTorch prints it: *, (*, *), [*], {'a': *}."""
    if spec == "*":
        return "*"
    kind, specs = spec
    if kind is dict:
        return "{" + ", ".join(f"{key!r}: {spec_text(s)}" for key, s in specs.items()) + "}"
    inner = ", ".join(spec_text(s) for s in specs)
    if kind is tuple:
        return f"({inner},)" if len(specs) == 1 else f"({inner})"
    return f"[{inner}]"


def tree_spec(spec: Any, indent: int = 0) -> str:
    """A spec as PyTorch's pytree prints a TreeSpec: TreeSpec(tuple, None, [*,\n  *])."""
    if spec == "*":
        return "*"
    kind, children = spec
    context = list(children) if kind is dict else None
    children = list(children.values()) if kind is dict else children
    text = f"TreeSpec({kind.__name__}, {context}, ["
    if children:
        indent += 2
        text += tree_spec(children[0], indent) + ("," if len(children) > 1 else "")
        text += ",".join("\n" + " " * indent + tree_spec(c, indent) for c in children[1:])
    return text + "])"


def count(spec: Any) -> int:
    """How many leaves a spec has."""
    if spec == "*":
        return 1
    children = spec[1].values() if spec[0] is dict else spec[1]
    return sum(count(c) for c in children)
