"""`conformance coverage`: cases per area and API names used, from the allow-list."""

import json
import subprocess
import sys

from conformance.coverage import case_api_names, measure
from conformance.model import Case, Location


def make_case(case_id, program, expect=None):
    return Case(
        id=case_id, title="t", program=program, location=Location("f", 1, 1), expect=expect or {}
    )


def test_api_names_include_dotted_calls_and_value_attributes_but_not_local_names():
    case = make_case(
        "a.b",
        "x = torch.ones(2, requires_grad=True)\ny = torch.nn.functional.relu(x)\ny.sum().backward()",
        {"x.grad": [1.0, 1.0]},
    )
    names = case_api_names(case)
    assert {"torch.ones", "torch.nn.functional.relu", ".sum", ".backward", ".grad"} <= names
    assert "x" not in names and ".nn" not in names and ".functional" not in names


def test_measure_counts_areas_and_reports_unused_names():
    cases = [make_case(f"autograd.c{i}", "x = torch.ones(1)") for i in range(9)] + [
        make_case("dtypes.c", "x = torch.zeros(1)")
    ]
    report = measure(cases)
    assert report.cases_per_area == {"autograd": 9, "dtypes": 1}
    assert report.thin_areas() == ["dtypes"]
    assert report.used["torch.ones"] == 9
    unused = {name for names in report.unused_by_section.values() for name in names}
    assert "torch.ones" not in unused and "torch.exp" in unused


def test_coverage_json_reports_the_bundled_corpus():
    out = subprocess.run(
        [sys.executable, "-m", "conformance", "coverage", "--json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
    assert data["cases"] == sum(data["cases_per_area"].values()) >= 80
    assert data["api_used"]["torch.tensor"] > 0
