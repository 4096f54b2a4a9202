"""Matchers against real torch values: each check passes when PyTorch's behaviour holds and
reports something a person can act on when it does not."""

import warnings

import pytest

torch = pytest.importorskip("torch")

import numpy as np  # noqa: E402

from conformance.adapter import load_adapter  # noqa: E402
from conformance.matchers import Context, Evaluated, compare_arrays, match  # noqa: E402


@pytest.fixture(scope="module")
def adapter():
    return load_adapter("torch")


def run_match(adapter, expectation, value=None, exception=None, caught=(), names=None):
    names = names or {}
    ctx = Context(
        adapter.observe, adapter.shares_memory, lambda e: eval(e, {"torch": torch}, names), "cpu"
    )
    return match("subject", expectation, Evaluated(value, exception, list(caught)), ctx)


def test_tensor_values_pass_within_float32_tolerance(adapter):
    (check,) = run_match(adapter, [1.0, 2.0], torch.tensor([1.0, 2.0000001]))
    assert check.ok and check.matcher == "values"


def test_failing_values_name_the_worst_element_and_its_error(adapter):
    (check,) = run_match(adapter, {"values": [1.0, 2.0, 3.0]}, torch.tensor([1.0, 2.5, 3.0]))
    assert not check.ok
    assert "1 of 3 elements differ" in check.detail
    assert (
        "index [1]" in check.detail and "expected 2.0" in check.detail and "got 2.5" in check.detail
    )
    assert "float32" in check.detail


def test_values_with_a_different_shape_fail_and_say_both_shapes(adapter):
    (check,) = run_match(adapter, {"values": [[1.0, 3.0]]}, torch.tensor([1.0, 3.0]))
    assert not check.ok and "expected [1, 2], got [2]" in check.detail


def test_integer_tensors_compare_exactly(adapter):
    (check,) = run_match(adapter, {"values": [3]}, torch.tensor([3], dtype=torch.int64) + 0)
    assert check.ok
    ok, _ = compare_arrays(np.asarray([3]), np.asarray([4]), 0.0, 0.0)
    assert not ok


def test_per_matcher_tolerance_overrides_the_dtype_default(adapter):
    value = torch.tensor([1.0, 2.1])
    assert not run_match(adapter, {"values": [1.0, 2.0]}, value)[0].ok
    assert run_match(adapter, {"values": [1.0, 2.0], "atol": 0.2}, value)[0].ok


def test_null_shorthand_means_the_value_is_none(adapter):
    assert run_match(adapter, None, None)[0].ok
    assert not run_match(adapter, None, torch.tensor(1.0))[0].ok


def test_dtype_accepts_short_and_qualified_names(adapter):
    assert run_match(adapter, {"dtype": "float32"}, torch.zeros(1))[0].ok
    assert run_match(adapter, {"dtype": "torch.int64"}, torch.zeros(1, dtype=torch.long))[0].ok
    assert not run_match(adapter, {"dtype": "float64"}, torch.zeros(1))[0].ok
    assert run_match(adapter, "float32", torch.float32)[0].ok


def test_grad_fn_and_name_matchers_use_pytorch_node_names(adapter):
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 2
    assert run_match(
        adapter, {"grad_fn": "MulBackward0", "is_leaf": False, "requires_grad": True}, y
    )
    assert all(c.ok for c in run_match(adapter, {"grad_fn": "MulBackward0", "is_leaf": False}, y))
    assert run_match(adapter, {"name": "MulBackward0"}, y.grad_fn)[0].ok
    assert not run_match(adapter, {"grad_fn": None}, y)[0].ok


def test_type_matches_any_class_in_the_mro(adapter):
    p = torch.nn.Parameter(torch.zeros(1))
    assert run_match(adapter, {"type": "Tensor"}, p)[0].ok
    assert not run_match(adapter, {"type": "int"}, p)[0].ok


def test_plain_values_distinguish_bool_from_int(adapter):
    assert run_match(adapter, True, True)[0].ok
    assert not run_match(adapter, 1, True)[0].ok
    assert run_match(adapter, [2, 3], torch.Size([2, 3]))[0].ok
    assert run_match(adapter, 0.1, torch.tensor(0.1).item())[0].ok


def test_value_on_a_tensor_points_to_values(adapter):
    (check,) = run_match(adapter, {"value": 3}, torch.tensor(3))
    assert not check.ok and "use 'values'" in check.detail


def test_memory_sharing_and_identity_relate_to_another_expression(adapter):
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    names = {"a": a, "c": a.clone(), "d": a.detach()}
    assert run_match(adapter, {"shares_memory_with": "d"}, a, names=names)[0].ok
    assert run_match(adapter, {"not_shares_memory_with": "c"}, a, names=names)[0].ok
    failing = run_match(adapter, {"shares_memory_with": "c"}, a, names=names)[0]
    assert not failing.ok and "does not share" in failing.actual
    assert run_match(adapter, {"same_object_as": "a"}, a, names=names)[0].ok
    assert not run_match(adapter, {"same_object_as": "d"}, a, names=names)[0].ok


def test_device_word_means_the_device_under_test(adapter):
    assert run_match(adapter, {"device": "device"}, torch.zeros(1))[0].ok
    assert not run_match(adapter, {"device": "cuda"}, torch.zeros(1))[0].ok


def test_raises_grades_type_and_message_separately(adapter):
    exc = RuntimeError("grad can be implicitly created only for scalar outputs")
    right = run_match(
        adapter, {"raises": {"type": "RuntimeError", "match": "scalar outputs"}}, exception=exc
    )[0]
    assert right.ok and right.message_ok
    worded = run_match(
        adapter, {"raises": {"type": "RuntimeError", "match": "only for scalars"}}, exception=exc
    )[0]
    assert worded.ok and worded.message_ok is False and worded.detail == "message differs"
    wrong = run_match(adapter, {"raises": "TypeError"}, exception=exc)[0]
    assert not wrong.ok
    nothing = run_match(adapter, {"raises": "RuntimeError"}, value=1)[0]
    assert not nothing.ok and nothing.actual == "nothing was raised"


def test_raises_accepts_subclasses_by_base_name(adapter):
    class EngineError(RuntimeError):
        pass

    assert run_match(adapter, {"raises": "RuntimeError"}, exception=EngineError("x"))[0].ok


def test_an_unexpected_exception_fails_with_its_text(adapter):
    (check,) = run_match(adapter, [1.0], exception=AttributeError("no attribute 'grad'"))
    assert not check.ok and "AttributeError: no attribute 'grad'" in check.actual


def test_warns_checks_category_and_false_means_none(adapter):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(
            "The .grad attribute of a Tensor that is not a leaf Tensor", UserWarning, stacklevel=1
        )
    checks = run_match(
        adapter,
        {"value": None, "warns": {"type": "UserWarning", "match": "not a leaf"}},
        None,
        caught=caught,
    )
    assert all(c.ok for c in checks) and checks[0].message_ok
    assert not run_match(adapter, {"value": None, "warns": False}, None, caught=caught)[0].ok
    assert run_match(adapter, {"value": None, "warns": False}, None)[0].ok
    assert not run_match(
        adapter, {"value": None, "warns": "DeprecationWarning"}, None, caught=caught
    )[0].ok
