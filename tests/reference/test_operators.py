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


OPERATORS = ["+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^"]
COMPARISONS = ["<", ">", "<=", ">=", "==", "!="]
OPERANDS = ['"s"', "None", "[1]", "(1,)", "Reflecting()", "object()", "2", "2.5", "True"]


def _outcome(t, source, statement):
    names = {"Reflecting": Reflecting}
    integer = any(op in source for op in ("&", "|", "^"))
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
