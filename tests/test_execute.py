"""One case in-process: preconditions (needs, version ranges), raises on the last statement
only, errors before it, and message grading."""

import pytest

from conformance.adapter import EngineInfo, load_adapter
from conformance.execute import precondition, run_case, split_last_statement
from conformance.model import Case, Location

torch = pytest.importorskip("torch")


def make_case(program, **fields):
    return Case(
        id="t.case", title="t", program=program, location=Location("t.yaml", 1, 1), **fields
    )


INFO = EngineInfo(
    name="e", version="1", devices=["cpu"], capabilities=["autograd"], pytorch_version="2.13.0"
)


@pytest.mark.parametrize(
    ("fields", "device", "outcome"),
    [
        ({}, "cpu", None),
        ({"pytorch": ">=2.0"}, "cpu", None),
        ({"pytorch": "<2.0"}, "cpu", "skip"),
        ({"needs": ["nn"]}, "cpu", "unsupported"),
        ({"needs": ["cuda"]}, "cpu", "unsupported"),
        ({"needs": ["cuda"]}, "cuda", None),
    ],
)
def test_preconditions_decide_skip_and_unsupported(fields, device, outcome):
    blocked = precondition(make_case("x = 1", **fields), INFO, device)
    assert (blocked[0] if blocked else None) == outcome


def test_the_last_statement_includes_its_decorators():
    head, last, line = split_last_statement("x = 1\n@torch.no_grad()\ndef f():\n    return 1\n")
    assert head == "x = 1\n" and last.startswith("@torch.no_grad()") and line == 2


@pytest.fixture(scope="module")
def engine():
    adapter = load_adapter("torch")
    return adapter, adapter.info()


def test_raises_applies_to_the_last_statement_and_expectations_still_run(engine):
    case = make_case(
        "a = torch.tensor([3.0], requires_grad=True)\nb = a.exp()\nb.backward()\nb.backward()",
        raises={"type": "RuntimeError", "match": "second time"},
        expect={"a.grad": [20.085537]},
    )
    result = run_case(case, *engine, "cpu")
    assert result.status == "pass", result.reason
    assert result.message_conforms is True


def test_an_exception_before_the_last_statement_is_an_error_not_a_pass(engine):
    case = make_case(
        "x = torch.ones(2)\nx.view(3)\ny = 1", raises={"type": "RuntimeError", "match": None}
    )
    result = run_case(case, *engine, "cpu")
    assert result.status == "error" and "before its last statement" in result.reason
    assert "RuntimeError" in result.reason and result.traceback


def test_right_type_with_other_wording_passes_with_message_differs(engine):
    case = make_case(
        "torch.ones(2, requires_grad=True).sum().backward(torch.ones(3))",
        raises={"type": "RuntimeError", "match": "this wording is not PyTorch's"},
    )
    result = run_case(case, *engine, "cpu")
    assert (
        result.status == "pass"
        and result.message_conforms is False
        and result.reason == "message differs"
    )


def test_global_state_is_reset_between_cases(engine):
    run_case(
        make_case("torch.set_default_dtype(torch.float64)\nx = 1", expect={"x": 1}), *engine, "cpu"
    )
    result = run_case(
        make_case("y = torch.ones(1)", expect={"y": {"dtype": "float32"}}), *engine, "cpu"
    )
    assert result.status == "pass", result.reason
