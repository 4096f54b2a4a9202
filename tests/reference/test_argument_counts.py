"""How PyTorch's argument parser counts and names arguments, side by side with torch: the
input tensor given as `input=`, a missing argument named in the parser's words, and add's and
sub's keyword-only alpha with the deprecated (Number alpha, Tensor other) overload they keep,
and the sizes torch.reshape and torch.permute take as one argument (the methods as several).

Before these cases were fixed, `torch.exp(input=x)` was refused by the engine ("missing
required argument: 'self'") and `torch.add(x, y, 2)` computed x + 2 * y where PyTorch refuses
it; `torch.add(x, 2, y)` failed where PyTorch computes x + 2 * y."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref
from conformance.reference.ops.define import Op


def _outcome(t, call):
    """The call's result as NumPy arrays, or its error type and first line."""
    x = t.tensor([[1.5, -2.0], [0.25, 3.0]])
    y = t.tensor([[2.0, 0.5], [-1.0, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = call(t, x, y)
        except Exception as exc:  # noqa: BLE001 - the error is what is compared
            return type(exc).__name__, str(exc).splitlines()[0]
    if isinstance(out, tuple):  # (values and indices, U S V, ...)
        return np.concatenate([np.ravel(o.detach().numpy()) for o in out])
    return out.detach().numpy() if hasattr(out, "detach") else out


def _same(call):
    theirs, ours = _outcome(torch, call), _outcome(ref, call)
    if isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), ours
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    else:
        assert ours == theirs


def _declared(arity):
    """torch functions the engine declares as Ops whose first parameter is the input tensor
    and which take `arity` tensors and nothing else required."""
    names = []
    for name in sorted(dir(ref)):
        found = getattr(ref, name, None)
        if (
            isinstance(found, Op)
            and found.params[:1] == ("self",)
            and found.n_required == arity
            and not name.startswith("_")
            and not name.endswith("_")
            and callable(getattr(torch, name, None))
        ):
            names.append(name)
    return names


UNARY = _declared(1)
BINARY = [n for n in _declared(2) if "other" in getattr(ref, n).params]


def test_the_declared_ops_are_many():
    """The parametrized cases below cover the engine's ops at large, not a handful."""
    assert len(UNARY) > 40 and len(BINARY) > 15


@pytest.mark.parametrize("name", UNARY)
def test_the_input_may_be_given_by_its_keyword(name):
    _same(lambda t, x, y: getattr(t, name)(input=x))


@pytest.mark.parametrize("name", BINARY)
def test_both_operands_may_be_given_by_keyword(name):
    _same(lambda t, x, y: getattr(t, name)(input=x, other=y))


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_a_missing_argument_is_named_as_torch_names_it(name):
    _same(lambda t, x, y: getattr(t, name)())


MISSING = {
    "binary-one-given": lambda t, x, y: t.maximum(x),
    "method": lambda t, x, y: x.maximum(),
    "add": lambda t, x, y: t.add(x),
    "add-method": lambda t, x, y: x.add(),
    "add_": lambda t, x, y: x.add_(),
    "sub": lambda t, x, y: t.sub(),
    "sub_": lambda t, x, y: x.sub_(),
    "eq-overloads": lambda t, x, y: t.eq(x),
    "eq-method": lambda t, x, y: x.eq(),
    "method-input-keyword": lambda t, x, y: x.exp(input=x),
    "method-any-keyword": lambda t, x, y: x.relu(foo=1),
    "method-out": lambda t, x, y: x.abs(out=x),
    "in-place-method-keyword": lambda t, x, y: x.exp_(input=x),
}


@pytest.mark.parametrize("call", MISSING.values(), ids=MISSING.keys())
def test_a_missing_argument_is_refused_as_in_torch(call):
    _same(call)


ALPHA = {
    "keyword": lambda t, x, y: t.add(x, y, alpha=2),
    "positional-refused": lambda t, x, y: t.add(x, y, 2),
    "method-refused": lambda t, x, y: x.add(y, 2),
    "in-place-refused": lambda t, x, y: x.clone().add_(y, 2),
    "sub-refused": lambda t, x, y: t.sub(x, y, 2),
    "sub_-refused": lambda t, x, y: x.clone().sub_(y, 2),
    "four-positional": lambda t, x, y: t.add(x, 2, y, 3),
    "positional-and-keyword": lambda t, x, y: t.add(x, 2, y, alpha=3),
    "alpha-needing-grad": lambda t, x, y: t.add(x, t.tensor(2.0, requires_grad=True), y),
    "deprecated": lambda t, x, y: t.add(x, 2, y),
    "deprecated-float": lambda t, x, y: t.add(x, 2.5, y),
    "deprecated-number-other": lambda t, x, y: t.add(x, 2, 3),
    "deprecated-0-dim-alpha": lambda t, x, y: t.add(x, t.tensor(2), y),
    "deprecated-other-keyword": lambda t, x, y: t.sub(x, 2, other=y),
    "deprecated-number-input": lambda t, x, y: t.add(2, 2, y),
    "deprecated-method": lambda t, x, y: x.add(2, y),
    "deprecated-in-place": lambda t, x, y: x.clone().add_(2, y),
    "deprecated-sub_": lambda t, x, y: x.clone().sub_(2, y),
    "deprecated-in-place-other-keyword": lambda t, x, y: x.clone().add_(2, other=y),
    "deprecated-bool-alpha": lambda t, x, y: t.add(x, True, y),
    "deprecated-into-integer": lambda t, x, y: x.long().add_(2, y),
    "deprecated-out": lambda t, x, y: t.add(x, 2, y, out=t.empty(2, 2)),
    "subtract-number-alpha": lambda t, x, y: t.subtract(x, 2, 3),
    "subtract-method-number-alpha": lambda t, x, y: x.subtract(2, 3),
    "subtract-no-deprecated-overload": lambda t, x, y: t.subtract(x, 2, y),
    "subtract-tensor-other": lambda t, x, y: t.subtract(x, y, 2),
    "subtract-method-tensor-other": lambda t, x, y: x.subtract(y, 2),
}


@pytest.mark.parametrize("call", ALPHA.values(), ids=ALPHA.keys())
def test_alpha_is_keyword_only_but_for_the_deprecated_overload(call):
    _same(call)


_WARNINGS = """
import sys, warnings
import {module} as t
x, y = t.ones(2), t.ones(2)
with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    {calls}
for w in seen:
    print(w.category.__name__, w.filename, str(w.message).split(" (Triggered")[0])
"""


@pytest.mark.parametrize(
    "calls",
    [
        "t.add(x, 2, y); t.add(x, 2, y)",
        "x.add(2, y); t.sub(x, 2, y)",
        "x.clone().sub_(2, y)",
        "t.add(x, y, alpha=2)",
    ],
)
def test_the_deprecation_warning_is_torchs_and_shown_once_per_process(calls):
    """PyTorch warns from one TORCH_WARN_ONCE for every deprecated overload, so a process
    sees the first one only; each engine runs in a fresh process here."""
    printed = []
    for module in ("torch", "conformance.reference"):
        script = _WARNINGS.format(module=module, calls=calls)
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        printed.append(run.stdout)
    assert printed[1] == printed[0]


KEYWORDS_AND_SIZES = {
    "reshape-tuple": lambda t, x, y: t.reshape(x, (4,)),
    "reshape-keywords": lambda t, x, y: t.reshape(input=x, shape=(4,)),
    "reshape-int": lambda t, x, y: t.reshape(x, 4),
    "reshape-separate-ints": lambda t, x, y: t.reshape(x, 4, 1),
    "reshape-missing": lambda t, x, y: t.reshape(x),
    "reshape-nothing": lambda t, x, y: t.reshape(),
    "reshape-method-ints": lambda t, x, y: x.reshape(4, 1),
    "reshape-method-keyword": lambda t, x, y: x.reshape(shape=(4,)),
    "reshape-method-both": lambda t, x, y: x.reshape(4, shape=(4,)),
    "permute-keywords": lambda t, x, y: t.permute(input=x, dims=[1, 0]),
    "permute-separate-ints": lambda t, x, y: t.permute(x, 1, 0),
    "permute-int": lambda t, x, y: t.permute(x, 1),
    "permute-method-keyword": lambda t, x, y: x.permute(dims=(1, 0)),
    "permute-method-missing": lambda t, x, y: x.permute(),
    "det-input": lambda t, x, y: t.det(input=x),
    "linalg-det-A": lambda t, x, y: t.linalg.det(A=x),
    "matrix_exp-input": lambda t, x, y: t.matrix_exp(input=x),
    "linalg-matrix_exp-input": lambda t, x, y: t.linalg.matrix_exp(input=x),
    "max-other": lambda t, x, y: t.max(x, other=y),
    "min-other-keywords": lambda t, x, y: t.min(input=x, other=y),
}


@pytest.mark.parametrize("call", KEYWORDS_AND_SIZES.values(), ids=KEYWORDS_AND_SIZES.keys())
def test_sizes_and_keywords_are_taken_as_in_torch(call):
    """torch.reshape and torch.permute take the sizes as one argument, the methods as
    separate ints too; every argument goes by the keyword PyTorch documents."""
    _same(call)


def _parsed_names():
    from conformance.reference.ops import parsed_functions

    return sorted(n for n in parsed_functions.TORCH_INPUT if hasattr(torch, n))


def _torch_names_missing(name):
    """Whether torch refuses f() by naming the missing arguments (ops with one visible
    overload; the others list their overloads, which the engine does not know for these)."""
    try:
        getattr(torch, name)()
    except TypeError as error:
        return "required positional argument" in str(error)
    return False


# unique_consecutive's wrapper takes any arguments, so Python refuses a call without them.
_NAMES_ONLY_THE_INPUT = {"unique_consecutive"}


@pytest.mark.parametrize(
    "name",
    [n for n in _parsed_names() if _torch_names_missing(n) and n not in _NAMES_ONLY_THE_INPUT],
)
def test_functions_behind_the_parser_name_missing_arguments_as_torch(name):
    """The Python functions the engine puts behind PyTorch's argument parser (torch.amax,
    torch.matmul, ...) refuse a call without arguments in the parser's words, not Python's."""
    _same(lambda t, x, y: getattr(t, name)())
    _same(lambda t, x, y: getattr(t, name)(x) if name != "numel" else getattr(t, name)())


def _in_place_names():
    from conformance.reference.ops import inplace_forms

    return [n for n in inplace_forms.__all__ if hasattr(torch, n)]


_ONLY_INPUT_MISSING = 'missing 1 required positional arguments: "input"'


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in _in_place_names()
        if _ONLY_INPUT_MISSING in str(_outcome(torch, lambda t, x, y, n=n: getattr(t, n)()))
    ],
)
def test_in_place_functions_name_a_missing_input_as_torch(name):
    """torch.exp_() and the other in-place functions of the torch namespace: the input named
    in the parser's words, and taken as input= too."""
    _same(lambda t, x, y: getattr(t, name)())
    _same(lambda t, x, y: getattr(t, name)(input=x.clone()))


STABLE_BY_KEYWORD = {
    "sort-dim-by-position": lambda t, x: t.sort(x, 1, stable=True),
    "sort-dim-descending-by-position": lambda t, x: t.sort(x, 0, True, stable=True),
    "sort-keywords-last-first": lambda t, x: t.sort(x, 1, descending=True, stable=True),
    "argsort-dim-by-position": lambda t, x: t.argsort(x, 1, stable=True),
    "argsort-method": lambda t, x: x.argsort(1, stable=True),
    "sort-method": lambda t, x: x.sort(0, stable=False),
    "sort-keywords-taken": lambda t, x: t.sort(x, stable=True, dim=1).indices,
    "argsort-method-keywords-taken": lambda t, x: x.argsort(dim=0, stable=True),
}


@pytest.mark.parametrize("call", STABLE_BY_KEYWORD.values(), ids=STABLE_BY_KEYWORD.keys())
def test_stable_takes_dim_and_descending_by_keyword_only(call):
    """sort's and argsort's overload with stable= has dim and descending keyword-only:
    PyTorch refuses them by position beside it, listing both overloads (the whole message is
    compared, its "didn't match" line and the keywords listed last first included)."""
    seen = []
    for t in (ref, torch):
        x = t.tensor([[3.0, 1.0, 2.0], [1.0, 1.0, 0.0]])
        try:
            seen.append(call(t, x).tolist())
        except TypeError as error:
            seen.append(str(error))
    assert seen[0] == seen[1]
