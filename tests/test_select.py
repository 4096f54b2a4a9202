"""Selecting cases with -k expressions and tags."""

import pytest

from conformance.model import Case, Location
from conformance.select import KeywordError, keyword_matcher, select


def case(case_id, title="t", tags=()):
    return Case(
        id=case_id, title=title, program="x = 1", location=Location("f.yaml", 1, 1), tags=list(tags)
    )


CASES = [
    case("autograd.leaf.grads", "leaves get grads", ["leaf"]),
    case("autograd.leaf.retain", "retain_grad keeps non-leaf grads", ["leaf", "retain"]),
    case("dtypes.default.float32", "default dtype is float32", ["dtype"]),
]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("leaf", ["autograd.leaf.grads", "autograd.leaf.retain"]),
        ("leaf and not retain", ["autograd.leaf.grads"]),
        ("retain or dtype", ["autograd.leaf.retain", "dtypes.default.float32"]),
        ("not (leaf or retain)", ["dtypes.default.float32"]),
        ("FLOAT32", ["dtypes.default.float32"]),
    ],
)
def test_keyword_expressions_select_like_pytest(expression, expected):
    assert [c.id for c in select(CASES, expression)] == expected


def test_tags_select_any_of_them():
    assert [c.id for c in select(CASES, tags=["retain", "dtype"])] == [
        "autograd.leaf.retain",
        "dtypes.default.float32",
    ]


@pytest.mark.parametrize("expression", ["leaf and", "(leaf", "and leaf", "leaf )", "   "])
def test_malformed_keyword_expressions_are_usage_errors(expression):
    with pytest.raises(KeywordError):
        keyword_matcher(expression)
