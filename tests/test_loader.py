"""Spec loading: every problem names file:line:column, the field and the nearest valid word;
the published schema accepts the bundled corpus."""

import json

import jsonschema
import yaml

from conformance.loader import bundled_specs_root, find_spec_files, load_file_text

HEADER = "source:\n  - title: t\n    url: https://pytorch.org\ncases:\n"


def problems(body):
    cases, found = load_file_text(HEADER + body, "f.yaml")
    return cases, [str(p) for p in found]


def test_a_valid_case_loads_with_its_location_and_sources():
    cases, found = problems(
        "  - id: a.b\n    title: t\n    program: x = torch.ones(1)\n    expect: {x: [1.0]}\n"
    )
    assert found == []
    (case,) = cases
    assert str(case.location) == "f.yaml:5:5"
    assert case.sources[0].url == "https://pytorch.org" and case.area == "a"


def test_unknown_case_field_suggests_the_nearest():
    _, found = problems("  - id: a.b\n    title: t\n    program: x = 1\n    expcet: {x: 1}\n")
    assert any(
        "f.yaml:8:5: unknown key 'expcet'" in p and "did you mean 'expect'?" in p for p in found
    )


def test_a_program_error_points_at_its_line_in_the_file():
    body = (
        "  - id: a.b\n    title: t\n    program: |\n"
        "      x = torch.ones(1)\n      import os\n    expect: {x: [1.0]}\n"
    )
    _, found = problems(body)
    assert len(found) == 1 and found[0].startswith("f.yaml:9:7:") and "import" in found[0]


def test_an_expectation_using_a_forbidden_name_is_rejected_at_its_key():
    body = (
        "  - id: a.b\n    title: t\n    program: x = torch.ones(1)\n"
        "    expect:\n      x.__class__: 1\n"
    )
    _, found = problems(body)
    assert found and found[0].startswith("f.yaml:9:7:") and "__class__" in found[0]


def test_bad_regex_unknown_capability_and_version_range_are_reported():
    body = (
        "  - id: a.b\n    title: t\n    program: x = torch.ones(1)\n    needs: [cudda]\n"
        "    pytorch: 'two point oh'\n    raises: {type: RuntimeError, match: '(unclosed'}\n"
    )
    _, found = problems(body)
    text = "\n".join(found)
    assert "unknown capability 'cudda'" in text and "did you mean 'cuda'?" in text
    assert "is not a version range" in text
    assert "not a valid regular expression" in text


def test_a_case_without_any_check_is_invalid():
    _, found = problems("  - id: a.b\n    title: t\n    program: x = 1\n")
    assert found and "f.yaml:5:5" in found[0]


def test_a_file_without_cases_is_one_problem_for_the_file():
    cases, found = load_file_text("source: []\n", "f.yaml")
    assert cases == [] and found and found[0].case_id is None


def test_the_published_schema_is_valid_and_accepts_every_bundled_spec():
    schema = json.loads((bundled_specs_root() / "schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    files = find_spec_files([bundled_specs_root()])
    assert files
    for path in files:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_a_yaml_boolean_word_as_expectation_key_is_reported_not_a_crash():
    body = "  - id: a.b\n    title: t\n    program: |\n      off = torch.ones(1)\n    expect:\n      off: [1.0]\n"
    cases, found = problems(body)
    assert cases == [] and len(found) == 1
    assert found[0].startswith("f.yaml:10:7:") and "YAML reads it as a bool" in found[0]
