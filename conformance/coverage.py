"""What the corpus covers: cases per area and which allow-listed API names it uses.

The allow-list is the list of API names specs may reach, so names on it that no case uses are
the corpus's known gaps.
"""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass, field

from conformance.checker import allowlist, api_names
from conformance.model import Case

# Issue 3's bar: no area below this many cases.
MIN_CASES_PER_AREA = 8


@dataclass
class Coverage:
    cases_per_area: Counter = field(default_factory=Counter)
    used: dict[str, int] = field(default_factory=dict)  # API name -> number of cases using it
    unused_by_section: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total_cases(self) -> int:
        return sum(self.cases_per_area.values())

    def thin_areas(self) -> list[str]:
        return sorted(a for a, n in self.cases_per_area.items() if n < MIN_CASES_PER_AREA)


def case_api_names(case: Case) -> set[str]:
    """Dotted torch./np. names, plus value attributes written `.name` (`.backward`, `.grad`)."""
    names: set[str] = set()
    sources = [(case.program, "exec")] + [(expression, "eval") for expression in case.expect]
    for source, mode in sources:
        names |= api_names(source, mode)
        names |= {f".{attr}" for attr in value_attributes(source, mode)}
    return names


def value_attributes(source: str, mode: str) -> set[str]:
    """Allow-listed attribute names used on values (not on the torch/np namespaces)."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return set()
    allowed = allowlist().attributes
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in allowed and not _on_namespace(node)
    }


def _on_namespace(node: ast.Attribute) -> bool:
    root = node.value
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in ("torch", "np")


def measure(cases: list[Case]) -> Coverage:
    coverage = Coverage(cases_per_area=Counter(case.area for case in cases))
    uses: Counter = Counter()
    for case in cases:
        uses.update(case_api_names(case))
    coverage.used = dict(sorted(uses.items()))
    allowed = allowlist()
    sections = {
        **allowed.sections,
        "tensor and module attributes": {f".{a}" for a in allowed.attributes},
    }
    for section, names in sections.items():
        unused = sorted(n for n in names if n not in uses)
        if unused:
            coverage.unused_by_section[section] = unused
    return coverage
