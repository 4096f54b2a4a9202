"""YAML loading keeps positions, follows safe_load, and refuses duplicate keys."""

import pytest

from conformance import yamlpos

TEXT = """\
source:
  - title: t
    url: https://example.org
cases:
  - id: a.b
    expect:
      x.grad: [1.0]
"""


def test_positions_are_one_based_lines_and_columns():
    doc = yamlpos.load(TEXT)
    assert doc.data["cases"][0]["expect"] == {"x.grad": [1.0]}
    assert doc.position(("cases", 0, "id")) == (5, 9)
    assert doc.position(("cases", 0, "expect", "x.grad", "<key>")) == (7, 7)


def test_position_of_a_missing_path_falls_back_to_its_parent():
    doc = yamlpos.load(TEXT)
    assert doc.position(("cases", 0, "nonexistent")) == doc.position(("cases", 0))


def test_duplicate_keys_are_errors_at_the_second_key():
    with pytest.raises(yamlpos.YamlError) as info:
        yamlpos.load("a: 1\nb: 2\na: 3\n")
    assert info.value.line == 3 and "duplicate key 'a'" in info.value.message


def test_syntax_errors_carry_a_position():
    with pytest.raises(yamlpos.YamlError) as info:
        yamlpos.load("a: [1, 2\nb: 3\n")
    assert info.value.line >= 1 and info.value.message


def test_safe_load_semantics_refuse_python_tags():
    with pytest.raises(yamlpos.YamlError):
        yamlpos.load("a: !!python/object/apply:os.system ['true']\n")
