"""What the graph tests compare: the nodes a backward graph holds, by name."""

from __future__ import annotations

from collections import Counter


def reachable_node_names(*roots) -> Counter:
    """The names of the nodes reachable from `roots` (grad_fn nodes, or None), each node
    counted once however many paths lead to it."""
    seen, names, stack = set(), Counter(), list(roots)
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names[type(node).__name__] += 1
        stack.extend(n for n, _ in node.next_functions)
    return names
