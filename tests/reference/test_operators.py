"""Python's operators on tensors with operands a tensor cannot take, against real PyTorch:
torch.Tensor's binary operators turn the op's TypeError into NotImplemented, so Python tries
the other operand's reflected method, == and != fall back to identity, and the error is
Python's own "unsupported operand type(s)"."""

from __future__ import annotations

import pytest
import torch

import conformance.reference as ref


class Reflecting:
    """An operand with reflected methods of its own, which Python reaches only when the
    tensor's operator returns NotImplemented."""

    def __radd__(self, other):
        return "radd"

    def __rmul__(self, other):
        return "rmul"

    def __rpow__(self, other):
        return "rpow"

    def __rsub__(self, other):
        return "rsub"

    def __rmatmul__(self, other):
        return "rmatmul"

    def __rand__(self, other):
        return "rand"

    def __lt__(self, other):
        return "reflected <"

    def __eq__(self, other):
        return "reflected =="

    __hash__ = object.__hash__


OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"]
COMPARISONS = ["<", ">", "<=", ">=", "==", "!="]
OPERANDS = ['"s"', "None", "[1]", "(1,)", "Reflecting()", "object()", "2", "2.5", "True"]


def _outcome(t, source, statement):
    names = {"Reflecting": Reflecting}
    integer = any(op in source for op in ("&", "|", "^", "<<", ">>"))
    names["x"] = t.ones(2, dtype=t.int64) if integer else t.ones(2)
    try:
        if statement:
            exec(source, names)  # noqa: S102 - an augmented assignment from the table above
            result = names["x"]
        else:
            result = eval(source, names)  # noqa: S307 - an expression from the table above
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)
    if isinstance(result, str | bool):
        return result
    return str(result.dtype), result.tolist()


@pytest.mark.parametrize("op", OPERATORS + COMPARISONS)
def test_operators_with_foreign_operands_behave_as_in_pytorch(op):
    for operand in OPERANDS:
        sources = [(f"x {op} {operand}", False), (f"{operand} {op} x", False)]
        if op in OPERATORS:
            sources.append((f"x {op}= {operand}", True))
        for source, statement in sources:
            ours, theirs = _outcome(ref, source, statement), _outcome(torch, source, statement)
            assert ours == theirs, source


def test_method_forms_still_raise():
    """x.add("s") is not an operator: the op's own TypeError reaches the caller."""
    with pytest.raises(TypeError):
        ref.ones(2).add("s")
    assert ref.ones(2).__add__("s") is NotImplemented


SHIFT_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32"]
SHIFTS = [0, 1, 2, 7, 8, 9, 15, 16, 31, 32, 63, 64, 65, -1, -3, 200]
VALUES = [1, -8, 5, 127, -128, 0, 3, -1]


def _shifted(t, source, left, right):
    def tensor(dtype, values):
        if dtype == "bool":
            return t.tensor([bool(v) for v in values])
        return t.tensor(values).to(getattr(t, dtype))

    names = {"t": t, "a": tensor(left, VALUES * 2), "b": tensor(right, SHIFTS)}
    try:
        result = eval(source, names)  # noqa: S307 - an expression from the table below
    except Exception as e:  # noqa: BLE001 - the error is what is compared
        return type(e).__name__, str(e)
    return str(result.dtype), result.tolist()


@pytest.mark.parametrize(
    "source",
    ["a << b", "a >> b", "t.bitwise_left_shift(a, b)", "a >> 9", "a << -1", "3 << a", "-16 >> a"]
    + ["a.bitwise_right_shift_(b)", "a.__ilshift__(b)"],
)
def test_shifts_as_atens_kernels(source):
    """Shifts of every integer width by counts in and out of range (ATen defines a negative
    or too-wide count; C does not), promotion, and the kernels' refusal of bool and float."""
    for left in SHIFT_DTYPES:
        for right in SHIFT_DTYPES:
            ours = _shifted(ref, source, left, right)
            assert ours == _shifted(torch, source, left, right), (left, right)


@pytest.mark.parametrize(
    "source",
    ["+x", "t.positive(x) is x", "+t.tensor([True])", "2 in x", "5 in x", "t.tensor([2, 9]) in x"]
    + ['"s" in x', "[1] in x", "reversed(x)", "reversed(t.tensor(3))", "reversed(y).grad_fn"],
)
def test_positive_contains_and_reversed(source):
    def outcome(t):
        names = {"t": t, "x": t.tensor([1, 2, 3]), "y": t.ones(2, requires_grad=True)}
        try:
            result = eval(source, names)  # noqa: S307 - an expression from the table above
        except Exception as e:  # noqa: BLE001 - the error is what is compared
            return type(e).__name__, str(e)
        if isinstance(result, bool):
            return result
        return result.tolist() if hasattr(result, "tolist") else type(result).__name__

    assert outcome(ref) == outcome(torch)


@pytest.mark.parametrize(
    "source",
    [
        "t.heaviside(x, y)",
        "t.heaviside(y, x)",
        "t.heaviside(y, y * 2)",
        "t.floor_divide(x, y)",
        "y // 2",
        "3 % y",
        "t.native_channel_shuffle(y.reshape(1, 3, 1), 1)",
    ],
)
def test_not_implemented_nodes_link_only_inputs_that_require_grad(source):
    """PyTorch's NotImplemented node (an op without a derivative) has edges only to the inputs
    that require grad, and any backward through it raises the op's error."""

    def outcome(t):
        names = {"t": t, "x": t.ones(3), "y": t.ones(3, requires_grad=True)}
        node = eval(source, names).grad_fn  # noqa: S307 - an expression from the table above
        edges = [None if n is None else type(n).__name__ for n, _ in node.next_functions]
        try:
            eval(source, names).sum().backward()  # noqa: S307 - as above
        except RuntimeError as e:
            return type(node).__name__, node.name(), edges, str(e)
        return type(node).__name__, node.name(), edges

    assert outcome(ref) == outcome(torch)
