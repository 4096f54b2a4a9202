"""Errors PyTorch raises before an op computes anything, checked side by side with torch:
its argument parser refusing a Python number where a schema takes only tensors, and its order
of checks (shapes before dtypes and kernels, in place too). Found by running random op chains
on both engines; each case failed before its fix."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _first_line(t, make):
    try:
        make(t)
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return type(exc).__name__, str(exc).splitlines()[0]
    return None


def _x(t):
    return t.tensor([1.0, 2.0, 3.0])


NUMBER_REFUSED = {
    "maximum": lambda t: t.maximum(_x(t), 2),
    "minimum": lambda t: t.minimum(_x(t), 2.5),
    "logical_and": lambda t: t.logical_and(_x(t), True),
    "logical_or": lambda t: t.logical_or(_x(t), 2),
    "logical_and_": lambda t: _x(t).logical_and_(2),
    "isclose": lambda t: t.isclose(_x(t), 2),
    "isclose-method": lambda t: _x(t).isclose(2.5),
    "allclose": lambda t: t.allclose(_x(t), 2),
    "equal": lambda t: t.equal(_x(t), 2),
    "equal-method": lambda t: _x(t).equal(True),
    "expand_as": lambda t: _x(t).expand_as(2),
    "view_as": lambda t: _x(t).view_as(2.5),
    "reshape_as": lambda t: _x(t).reshape_as(True),
    "type_as": lambda t: _x(t).type_as(2),
    "lerp-number-end": lambda t: t.lerp(_x(t), 2, 0.5),
    "lerp-number-end-tensor-weight": lambda t: t.lerp(_x(t), 2, _x(t)),
    "trapezoid-number-x": lambda t: t.trapezoid(_x(t), 2),
    "cumulative_trapezoid-number-x": lambda t: t.cumulative_trapezoid(_x(t), 2.5),
    "trapezoid-x-and-dx": lambda t: t.trapezoid(_x(t), _x(t), dx=2),
    "clamp-tensor-min-number-max": lambda t: t.clamp(_x(t), _x(t), 2),
    "clamp-number-min-tensor-max": lambda t: t.clamp(_x(t), 1, _x(t)),
    "clip-mixed": lambda t: t.clip(_x(t), _x(t), 2),
    "dsplit-float": lambda t: t.dsplit(_x(t), 2.5),
    "vsplit-bool": lambda t: t.vsplit(_x(t), True),
    "dist-number": lambda t: t.dist(_x(t), 2),
    "isin-bool-number": lambda t: t.isin(_x(t), True),
    "isin-bool-elements": lambda t: t.isin(False, _x(t)),
    "tensordot-number": lambda t: t.tensordot(_x(t), 2),
    # torch.nn.functional's losses read target.size() then input.size() (an AttributeError
    # naming `size`); soft_margin_loss goes straight to the parser
    "mse_loss-number-target": lambda t: t.nn.functional.mse_loss(_x(t), 1),
    "l1_loss-number-input": lambda t: t.nn.functional.l1_loss(1.0, _x(t)),
    "smooth_l1_loss-bool-target": lambda t: t.nn.functional.smooth_l1_loss(_x(t), True),
    "huber_loss-number-target": lambda t: t.nn.functional.huber_loss(_x(t), 2),
    "binary_cross_entropy-number": lambda t: t.nn.functional.binary_cross_entropy(_x(t), 1),
    "bce_with_logits-number": lambda t: t.nn.functional.binary_cross_entropy_with_logits(_x(t), 1),
    "soft_margin_loss-number-input": lambda t: t.nn.functional.soft_margin_loss(1, _x(t)),
    "soft_margin_loss-number-target": lambda t: t.nn.functional.soft_margin_loss(_x(t), 1.5),
    "eq-number-first": lambda t: t.eq(2, _x(t)),
    "sin-number": lambda t: t.sin(2.5),
    "polygamma-number-input": lambda t: t.polygamma(1, 2.0),
}

CHECK_ORDER = {
    "shape-before-kernel": lambda t: t.gcd(
        t.zeros(4, 0, dtype=t.bfloat16), t.zeros(3, dtype=t.int64)
    ),
    "in-place-output-shape-before-cast": lambda t: t.zeros((), dtype=t.int8).div_(
        t.ones(2, 2, dtype=t.int64)
    ),
    "in-place-broadcast-before-cast": lambda t: t.zeros(3, 4, dtype=t.bool).add_(
        t.ones(4, 2, 2, dtype=t.int32)
    ),
    "in-place-operator-output-shape-before-cast": lambda t: t.zeros(1, dtype=t.int64).__imul__(
        t.ones(3)
    ),
    "in-place-cast-when-shapes-fit": lambda t: t.zeros(3, dtype=t.int64).mul_(t.ones(3)),
    "dist-shape-before-dtype": lambda t: t.dist(
        t.zeros(2, 2, dtype=t.int64), t.zeros(4, 3, dtype=t.int64)
    ),
    "dist-bool-before-shape": lambda t: t.dist(t.zeros(2, dtype=t.bool), t.zeros(3, dtype=t.bool)),
    "rsub-names-other-first": lambda t: t.rsub(t.zeros(1, 3), t.zeros(4, 2)),
    "softmax-0d-is-lastdim": lambda t: t.softmax(t.zeros((), dtype=t.bool), 0),
    "log_softmax-first-dim": lambda t: t.log_softmax(t.zeros(2, 3, dtype=t.bool), 0),
    "ifloordiv-shape-before-zero-division": lambda t: t.zeros(4, dtype=t.int8).__ifloordiv__(
        t.zeros(4, 4, dtype=t.int16)
    ),
    "ifloordiv-zero-division": lambda t: t.zeros(4, dtype=t.int64).__ifloordiv__(
        t.zeros(4, dtype=t.int64)
    ),
    "copy_-overlap-before-shape": lambda t: t.zeros(4).expand(2, 4).copy_(t.ones(3)),
    "recorded-eq_-broadcast": lambda t: t.zeros(4, dtype=t.int16).eq_(
        t.zeros(3, dtype=t.float64, requires_grad=True)
    ),
    "recorded-eq_-leaf-before-broadcast": lambda t: t.ones(4, 3, requires_grad=True).eq_(
        t.ones(4, 2, dtype=t.int64)
    ),
    "sub_-leaf-before-bool": lambda t: t.ones(3, requires_grad=True).sub_(t.ones(3).bool()),
    "mul_-overlap-before-broadcast": lambda t: t.ones(3).expand(2, 3).mul_(t.ones(4, 3)),
    "mul_-overlap-before-cast": lambda t: (
        t.ones(3, dtype=t.int64).expand(2, 3).mul_(t.ones(4, 2, 3, dtype=t.float64))
    ),
    "multi-view-before-view-of-leaf": lambda t: (
        t.ones(2, 3, requires_grad=True).chunk(1)[0].pow_(2)
    ),
    "multi-view-without-node-before-cast": lambda t: (
        t.ones(4, 2, dtype=t.bool)
        .chunk(2)[0]
        .__ifloordiv__(t.ones(1, dtype=t.float64, requires_grad=True))
    ),
    "index_put_-empty-dimension-before-dtype": lambda t: t.zeros(0, 2).index_put_(
        (t.tensor([0]),), t.tensor(1.0, dtype=t.float64)
    ),
    "floor_divide_-backward-names-the-in-place-op": lambda t: (
        (t.ones(2, requires_grad=True) * 1).floor_divide_(2).sum().backward()
    ),
}


@pytest.mark.parametrize("make", NUMBER_REFUSED.values(), ids=NUMBER_REFUSED.keys())
def test_a_number_is_refused_as_torch_refuses_it(make):
    theirs = _first_line(torch, make)
    assert theirs is not None
    ours = _first_line(ref, make)
    assert ours is not None and ours[0] == theirs[0], (ours, theirs)
    # torch lists its overloads per call form; and the engine words an in-place method's
    # refusal as the function's (position 2 of logical_and, not position 1 of logical_and_)
    if "invalid combination" not in theirs[1] and "_()" not in theirs[1]:
        assert ours == theirs


@pytest.mark.parametrize("make", CHECK_ORDER.values(), ids=CHECK_ORDER.keys())
def test_checks_run_in_torch_order(make):
    theirs = _first_line(torch, make)
    assert theirs is not None
    assert _first_line(ref, make) == theirs


def test_empty_integer_softmax_returns_before_the_kernel_check():
    for t in (torch, ref):
        out = t.log_softmax(t.zeros(2, 0, dtype=t.int64), 0)
        assert out.dtype == t.int64 and tuple(out.shape) == (2, 0)
    with pytest.raises(NotImplementedError):
        ref.softmax(ref.zeros(2, dtype=ref.int64), 0)


def test_clamp_with_bounds_of_one_kind_still_works():
    for t in (torch, ref):
        x = _x(t)
        assert t.clamp(x, x, None).tolist() == [1.0, 2.0, 3.0]
        assert t.clamp(x, None, 2).tolist() == [1.0, 2.0, 2.0]
        assert x.clamp(max=x, min=None).tolist() == [1.0, 2.0, 3.0]


def _pointwise_ops():
    """The elementwise ops of the torch and torch.special namespaces, aliases included
    (torch.arctan2 is atan2's op, refused as arctan2; torch.special.expit as special_expit)."""
    from conformance.reference.ops.define import PointwiseOp

    found = []
    for prefix, namespace in (("", ref), ("special.", ref.special)):
        found += [
            prefix + name
            for name in dir(namespace)
            if isinstance(getattr(namespace, name), PointwiseOp)
            and not name.startswith("_")
            and callable(_function(torch, prefix + name))
        ]
    return sorted(found)


def _function(namespace, path):
    for part in path.split("."):
        namespace = getattr(namespace, part, None)
    return namespace


def _same_outcome(call):
    """call(torch) and call(ref) both raise the same error type (a TypeError word for word),
    or both return tensors of one dtype and equal values."""
    try:
        expected = call(torch)
    except Exception as exc:  # noqa: BLE001 - what is compared
        with pytest.raises(type(exc)) as ours:
            call(ref)
        if isinstance(exc, TypeError):
            assert str(ours.value) == str(exc)
        return
    got = call(ref)
    assert str(got.dtype) == str(expected.dtype)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


# Which operands get a non-tensor: the first a number, every one a number, or the last None.
_NOT_TENSORS = {
    "number first": lambda operands: [2] + operands[1:],
    "numbers only": lambda operands: [2] * len(operands),
    "None last": lambda operands: operands[:-1] + [None],
}


@pytest.mark.parametrize("case", sorted(_NOT_TENSORS))
@pytest.mark.parametrize("name", _pointwise_ops())
def test_operands_that_are_not_tensors_are_refused_or_taken_as_in_torch(name, case):
    """torch.sin(2) is a TypeError from PyTorch's argument parser (the comparisons list their
    two schemas, the bitwise ops their three); add, sub, mul and the divisions take numbers
    as tensors, even when no operand is one (torch.add(2, 3) is tensor(5))."""
    op = _function(ref, name)

    def call(t):
        operands = _NOT_TENSORS[case]([t.tensor([1.0, 2.0])] * len(op.operands))
        args = [None] * op.n_required
        for index, value in zip(op.operands, operands, strict=True):
            args[index] = value
        for index in range(op.n_required):  # a required non-operand parameter (polygamma's n)
            if index not in op.operands:
                args[index] = 1
        return _function(t, name)(*args)

    _same_outcome(call)


# The functions that pick one of an op's overloads by which operand is a number.
_OVERLOADED = [
    "xlogy",
    "pow",
    "remainder",
    "float_power",
    "special.xlog1py",
    "special.zeta",
    "special.legendre_polynomial_p",
    "special.xlogy",
    "div",
    "div floor",  # (div with rounding_mode="floor")
    "div out",  # (div with out=)
]
_OPERAND_PAIRS = {
    "numbers only": lambda x: (2, 3),
    "number first": lambda x: (2, x),
    "number last": lambda x: (x, 2),
    "None first": lambda x: (None, x),
    "None last": lambda x: (x, None),
}


@pytest.mark.parametrize("pair", sorted(_OPERAND_PAIRS))
@pytest.mark.parametrize("name", _OVERLOADED)
def test_overloaded_functions_take_or_refuse_numbers_as_torch(name, pair):
    def call(t):
        path, _, keyword = name.partition(" ")
        function = _function(t, path)
        keywords = {"floor": {"rounding_mode": "floor"}, "out": {"out": t.empty(0)}}
        return function(*_OPERAND_PAIRS[pair](t.tensor([1.5, 2.0])), **keywords.get(keyword, {}))

    _same_outcome(call)


def _parsed_checks():
    """Every (namespace, function, argument) that ops/parsed_functions.py puts behind
    PyTorch's argument parser."""
    from conformance.reference.ops import parsed_functions as parsed

    found = []
    for var, path in [
        ("TORCH", ""),
        ("FUNCTIONAL", "nn.functional"),
        ("LINALG", "linalg"),
        ("SPECIAL", "special"),
    ]:
        for name in getattr(parsed, f"{var}_INPUT"):
            found.append((path, name, 0))
        for name, checks in getattr(parsed, f"{var}_OTHERS").items():
            found.extend((path, name, check[0]) for check in checks)
    return found


def _namespace(t, path):
    for part in filter(None, path.split(".")):
        t = getattr(t, part)
    return t


@pytest.mark.parametrize("path, name, index", _parsed_checks(), ids=str)
def test_parsed_functions_refuse_a_number_as_torch_does(path, name, index):
    """A number where the function takes a Tensor: PyTorch's TypeError, word for word."""

    function = getattr(_namespace(ref, path), name).__wrapped__
    if hasattr(function, "n_required"):  # a declared op (clone, t)
        required = function.n_required
    else:
        required = sum(
            p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
            for p in inspect.signature(function).parameters.values()
        )

    def call(t):
        args = [t.ones(2, 2)] * max(index + 1, required)
        args[index] = 2
        getattr(_namespace(t, path), name)(*args)

    _same_type_error(call)


def _same_type_error(call):
    """call(torch) and call(ref) both raise a TypeError, word for word the same."""
    with pytest.raises(TypeError) as theirs:
        call(torch)
    with pytest.raises(TypeError) as ours:
        call(ref)
    assert str(ours.value) == str(theirs.value)


def test_parsed_functions_still_compute():
    assert ref.sum(ref.ones(3)).item() == 3.0
    assert ref.nn.functional.hardswish(ref.zeros(2)).tolist() == [0.0, 0.0]
    assert ref.linalg.vector_norm(ref.ones(4)).item() == 2.0
    assert ref.special.entr(ref.ones(1)).tolist() == [-0.0]


# Functions whose modules warn with a stacklevel, so they check their tensor themselves
# rather than behind a wrapper (which would move their warnings a frame), and where's and
# repeat_interleave's several overloads.
CHECKED_IN_PLACE = {
    **{
        name: (lambda t, name=name: getattr(t, name)(2))
        for name in [
            "bernoulli",
            "poisson",
            "bincount",
            "histc",
            "cov",
            "corrcoef",
            "cumulative_trapezoid",
            "empty_like",
            "ones_like",
            "zeros_like",
            "rand_like",
            "randn_like",
            "clone",
            "t",
        ]
    },
    "full_like": lambda t: t.full_like(2, 1.0),
    "where-one": lambda t: t.where(2),
    "where-numbers": lambda t: t.where(True, 2, 3),
    "where-None": lambda t: t.where(t.ones(2) > 0, 2, None),
    "where-str": lambda t: t.where(t.ones(2) > 0, "a", t.ones(2)),
    "repeat_interleave-one": lambda t: t.repeat_interleave(2),
    "repeat_interleave-two": lambda t: t.repeat_interleave(2, 3),
}


@pytest.mark.parametrize("call", CHECKED_IN_PLACE.values(), ids=CHECKED_IN_PLACE.keys())
def test_functions_checking_their_own_arguments_refuse_as_torch(call):
    _same_type_error(call)


def _binary_methods():
    """The elementwise ops of two or more operands that are Tensor methods in PyTorch too."""
    from conformance.reference.ops.define import PointwiseOp

    return sorted(
        name
        for name in dir(ref.Tensor)
        if not name.startswith("_")
        and isinstance(getattr(ref, name, None), PointwiseOp)
        and len(getattr(ref, name).operands) >= 2
        and callable(getattr(torch.Tensor, name, None))
    )


@pytest.mark.parametrize("suffix", ["", "_"])
@pytest.mark.parametrize("name", _binary_methods())
def test_methods_refuse_a_wrong_operand_as_torchs_methods(name, suffix):
    """x.add(None) is refused with the positions counted after self (position 1, not 2),
    and x.eq(None) lists the method's overloads ("Tensor other", "Number other"); x.add_
    as add_."""
    if not hasattr(torch.Tensor, name + suffix):
        pytest.skip(f"torch has no Tensor.{name + suffix}")

    def call(t):
        x = t.ones(2, dtype=t.int64 if "bitwise" in name or name in ("gcd", "lcm") else t.float32)
        method = getattr(x, name + suffix)
        return method(None, *[x] * (len(getattr(ref, name).operands) - 2))

    _same_outcome(call)
