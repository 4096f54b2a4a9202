"""searchsorted, bucketize, quantile and nanquantile (conformance/reference/ops/searching.py)
against real PyTorch: values, result dtypes and shapes, strides, the errors for misuse and
their order, grad_fn names and gradients (quantile's reach a tensor q too), out=, and the
binary search's answers where NaN breaks the sorted order.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

NAN, INF = float("nan"), float("inf")
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _observe(result):
    """A result as plain data: dtype, shape, values and strides per tensor (not of empty
    tensors: the reference engine gives those NumPy's strides, not PyTorch's)."""
    if isinstance(result, tuple | list):
        return tuple(_observe(r) for r in result)
    if not isinstance(result, ref.Tensor | torch.Tensor):
        return result
    values = result.double() if result.dtype.is_floating_point else result
    strides = tuple(result.stride()) if result.numel() else None
    return (str(result.dtype), tuple(result.shape), strides, values.tolist())


def _outcome(t, call):
    try:
        return _observe(call(t))
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))


def _same(call):
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    assert repr(ours) == repr(theirs)  # reprs: nan prints alike, and nan != nan


# -- searchsorted and bucketize ---------------------------------------------------------------

S = [1.0, 3.0, 5.0, 7.0, 9.0]
V = [[3.0, 6.0, 9.0], [0.0, 10.0, 5.0]]

SEARCHES = {
    "left": lambda t: t.searchsorted(t.tensor(S), t.tensor(V)),
    "right": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), right=True),
    "side-right": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), side="right"),
    "side-left": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), side="left"),
    "side-right-and-right": lambda t: t.searchsorted(t.tensor(S), 5.0, right=True, side="right"),
    "number": lambda t: t.searchsorted(t.tensor(S), 5.0),
    "number-int-right": lambda t: t.searchsorted(t.tensor(S), 5, right=True),
    "number-bool": lambda t: t.searchsorted(t.tensor(S), True),
    "out-int32": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), out_int32=True),
    "0d-value": lambda t: t.searchsorted(t.tensor(S), t.tensor(6.0)),
    "rows": lambda t: t.searchsorted(
        t.tensor([[1.0, 2.0], [3.0, 4.0]]), t.tensor([[1.0, 2.0, 3.0], [0.0, 5.0, 3.5]])
    ),
    "rows-right": lambda t: t.searchsorted(
        t.tensor([[1.0, 2.0], [3.0, 4.0]]), t.tensor([[1.0, 2.0, 3.0], [0.0, 5.0, 3.0]]), right=True
    ),
    "rows-3d": lambda t: t.searchsorted(
        t.arange(24.0).view(2, 3, 4), t.arange(12.0).view(2, 3, 2) * 2 - 1
    ),
    "sorter": lambda t: t.searchsorted(
        t.tensor([3.0, 1.0, 2.0]), t.tensor([2.0, 0.0, 5.0]), sorter=t.tensor([1, 2, 0])
    ),
    "sorter-rows-right": lambda t: t.searchsorted(
        t.tensor([[3.0, 1.0, 2.0], [6.0, 4.0, 5.0]]),
        t.tensor([[2.0], [4.5]]),
        sorter=t.tensor([[1, 2, 0], [1, 2, 0]]),
        side="right",
    ),
    "sorter-empty": lambda t: t.searchsorted(
        t.tensor([]), t.tensor([1.0]), sorter=t.tensor([], dtype=t.int64)
    ),
    "int-boundaries-float-values": lambda t: t.searchsorted(t.tensor([1, 2, 3]), t.tensor([2.5])),
    "int-boundaries-float-number": lambda t: t.searchsorted(t.tensor([1, 2, 3]), 2.5),
    "uint8-and-minus-one": lambda t: t.searchsorted(t.tensor([1, 2, 3], dtype=t.uint8), -1),
    "int8-and-uint8": lambda t: t.searchsorted(
        t.tensor([1, 2, 3], dtype=t.int8), t.tensor([255, 2], dtype=t.uint8)
    ),
    "float16-rounds-the-number": lambda t: t.searchsorted(t.tensor(S).half(), 5.0001),
    "float-and-bool-values": lambda t: t.searchsorted(t.tensor(S), t.tensor([True, False])),
    "empty-boundaries": lambda t: t.searchsorted(t.tensor([]), t.tensor([2.0])),
    "empty-values": lambda t: t.searchsorted(t.tensor([1.0]), t.tensor([])),
    "empty-rows": lambda t: t.searchsorted(t.ones(2, 0), t.ones(2, 3)),
    "no-rows": lambda t: t.searchsorted(t.ones(0, 3), t.ones(0, 3)),
    "bucketize": lambda t: t.bucketize(t.tensor(V), t.tensor(S)),
    "bucketize-right-int32": lambda t: t.bucketize(
        t.tensor(V), t.tensor(S), right=True, out_int32=True
    ),
    "bucketize-number": lambda t: t.bucketize(3, t.tensor(S)),
    "bucketize-0d": lambda t: t.bucketize(t.tensor(9.0), t.tensor(S)),
    "bucketize-keywords": lambda t: t.bucketize(
        input=t.tensor([1.0, 2.0]), boundaries=t.tensor([1.0])
    ),
    "searchsorted-keywords": lambda t: t.searchsorted(
        sorted_sequence=t.tensor([1.0]), input=t.tensor([1.0, 2.0])
    ),
}


@pytest.mark.parametrize("name", SEARCHES)
def test_searchsorted_and_bucketize_match_torch(name):
    _same(SEARCHES[name])


@pytest.mark.parametrize("dtype", DTYPES)
def test_each_dtype_is_searched_or_refused_as_torch_does(dtype):
    """Every real dtype but bool (refused by the kernel, after promotion); int64 positions."""
    _same(
        lambda t: t.searchsorted(
            t.tensor(S).to(getattr(t, dtype)), t.tensor(V).to(getattr(t, dtype))
        )
    )
    _same(
        lambda t: t.bucketize(t.tensor(V).to(getattr(t, dtype)), t.tensor(S).to(getattr(t, dtype)))
    )


MISUSE = {
    "side-unknown": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), side="middle"),
    "side-and-right-opposite": lambda t: t.searchsorted(
        t.tensor(S), t.tensor(V), side="left", right=True
    ),
    "0d-boundaries": lambda t: t.searchsorted(t.tensor(5.0), t.tensor([5.0])),
    "0d-boundaries-0d-value": lambda t: t.searchsorted(t.tensor(5.0), t.tensor(5.0)),
    "scalar-with-rows": lambda t: t.searchsorted(t.ones(2, 2), 3.0),
    "rows-mismatch": lambda t: t.searchsorted(t.ones(2, 5), t.ones(3, 2)),
    "rows-ndim": lambda t: t.searchsorted(t.ones(2, 5), t.ones(2, 2, 2)),
    "rows-1-row": lambda t: t.searchsorted(t.ones(1, 5), t.ones(3)),
    "complex": lambda t: t.searchsorted(t.tensor(S), 2.5j),
    "sorter-size": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), sorter=t.tensor([1, 2])),
    "sorter-int32": lambda t: t.searchsorted(
        t.tensor([3.0, 1.0]), t.tensor([2.0]), sorter=t.tensor([1, 0], dtype=t.int32)
    ),
    "sorter-too-large": lambda t: t.searchsorted(
        t.tensor([3.0, 1.0]), t.tensor([2.0]), sorter=t.tensor([1, 2])
    ),
    "sorter-negative": lambda t: t.searchsorted(
        t.tensor([3.0, 1.0]), t.tensor([2.0]), sorter=t.tensor([1, -1])
    ),
    "out-dtype": lambda t: t.searchsorted(
        t.tensor(S), t.tensor([1.0]), out=t.empty(1, dtype=t.int32)
    ),
    "out-int32-dtype": lambda t: t.searchsorted(
        t.tensor(S), t.tensor([1.0]), out_int32=True, out=t.empty(1, dtype=t.int64)
    ),
    "right-by-position": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), True),
    "right-an-int": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), right=1),
    "values-a-list": lambda t: t.searchsorted(t.tensor(S), [1.0, 2.0]),
    "boundaries-a-list": lambda t: t.searchsorted(S, t.tensor(V)),
    "side-an-int": lambda t: t.searchsorted(t.tensor(S), t.tensor(V), side=3),
    "bucketize-2d": lambda t: t.bucketize(t.tensor(V), t.ones(1, 5)),
    "bucketize-0d": lambda t: t.bucketize(t.tensor(V), t.tensor(1.0)),
    "bucketize-right-by-position": lambda t: t.bucketize(t.tensor(V), t.tensor(S), True),
    "bucketize-bool": lambda t: t.bucketize(t.tensor([True]), t.tensor([False, True])),
}


@pytest.mark.parametrize("name", MISUSE)
def test_misuse_is_refused_with_torchs_error(name):
    _same(MISUSE[name])


def test_the_binary_search_meets_nan_where_torchs_does():
    """The kernel's comparisons are false for NaN: a NaN value goes past every boundary, and
    NaN among (possibly unsorted) boundaries decides as the search happens to meet it."""
    rng = np.random.default_rng(0)
    pool = np.array([0.0, 1.0, 2.0, NAN, INF, -INF, -0.0])
    for _ in range(150):
        boundaries = rng.choice(pool, int(rng.integers(0, 9)))
        if rng.random() < 0.5:
            boundaries.sort()
        values = rng.choice(pool, (2, 3))
        for right in (False, True):
            _same(
                lambda t, b=boundaries, v=values, r=right: t.searchsorted(
                    t.tensor(b), t.tensor(v), right=r
                )
            )
            sorter = np.argsort(boundaries, kind="stable")
            _same(
                lambda t, b=boundaries, v=values, s=sorter, r=right: t.searchsorted(
                    t.tensor(b), t.tensor(v), right=r, sorter=t.tensor(s)
                )
            )


def test_positions_are_not_differentiable():
    for t in (ref, torch):
        x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
        for result in (t.searchsorted(x, x * 2), t.bucketize(x * 2, x), t.searchsorted(x, 2.0)):
            assert result.dtype is t.int64
            assert result.grad_fn is None and not result.requires_grad


def test_out_is_resized_with_torchs_warning_and_written():
    def call(t):
        out = t.zeros(3, dtype=t.int64)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = t.searchsorted(t.tensor(S), t.tensor([4.0, 9.0]), out=out)
        messages = [str(w.message).split(" (Triggered")[0] for w in caught]
        return result is out, out._version, _observe(out), messages

    _same(call)
    _same(lambda t: t.bucketize(t.tensor([4.0]), t.tensor(S), out=t.empty(0, dtype=t.int64)))


def test_non_contiguous_arguments_are_warned_about_once():
    """PyTorch copies them first and says so once per process (TORCH_WARN_ONCE)."""
    script = textwrap.dedent(
        """
        import warnings
        import {module} as t
        warnings.simplefilter("always")
        with warnings.catch_warnings(record=True) as caught:
            b = t.tensor([[1.0, 5.0], [2.0, 6.0]]).t()
            v = t.tensor([[1.0, 3.0], [2.0, 9.0]]).t()
            t.searchsorted(b, v)
            t.searchsorted(b, v)
            t.searchsorted(b[0], t.tensor([]).expand(0))
        for w in caught:
            print(str(w.message).split(" (Triggered")[0])
        """
    )
    outputs = []
    for module in ("conformance.reference", "torch"):
        run = subprocess.run(
            [sys.executable, "-c", script.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 2  # input value, boundary: once each


# -- quantile and nanquantile -----------------------------------------------------------------

X = [[1.0, 5.0, 2.0, 4.0], [3.0, 0.0, 7.0, 7.0]]
X_NAN = [[1.0, NAN, 2.0, 4.0], [NAN, NAN, NAN, NAN]]
MODES = ["linear", "lower", "higher", "midpoint", "nearest"]
REDUCTIONS = {
    "all": {},
    "all-keepdim": {"dim": None, "keepdim": True},
    "last": {"dim": -1},
    "first-keepdim": {"dim": 0, "keepdim": True},
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("q", [0.4, [0.0, 0.25, 0.4, 0.5, 1.0]], ids=["float", "tensor"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_values_gradients_and_nodes_match_torch(name, mode, q, reduction):
    """Values (NaN slices included), result strides (a 1-D q's dimension comes first, by a
    transpose: not contiguous), the grad_fn PyTorch records (its in-place squeeze_:
    SqueezeBackward4) and the gradient through sort, gather and lerp."""

    def call(t, data):
        x = t.tensor(data, requires_grad=True)
        qs = q if isinstance(q, float) else t.tensor(q)
        y = getattr(t, name)(x, qs, interpolation=mode, **REDUCTIONS[reduction])
        y.backward(t.ones_like(y))
        return y, x.grad, type(y.grad_fn).__name__, y._base is None

    _same(lambda t: call(t, X))
    _same(lambda t: call(t, X_NAN))


def test_quantile_records_torchs_composition():
    """sort, view, gather, lerp, then the in-place view ops on PyTorch's own temporary."""

    def chain(t, q, **kwargs):
        y = t.quantile(t.tensor(X, requires_grad=True), q, **kwargs)
        names, node = [], y.grad_fn
        while node is not None:
            names.append(type(node).__name__)
            node = next((f for f, _ in node.next_functions if f is not None), None)
        return names

    for kwargs in ({}, {"dim": 0}, {"dim": 1, "interpolation": "lower"}):
        for q in (0.3, [0.2, 0.9]):
            ours = chain(ref, q if isinstance(q, float) else ref.tensor(q), **kwargs)
            theirs = chain(torch, q if isinstance(q, float) else torch.tensor(q), **kwargs)
            assert ours == theirs


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("mode", ["linear", "midpoint", "lower"])
def test_a_tensor_q_gets_a_gradient_through_the_interpolation_weights(name, mode):
    def call(t, data):
        x = t.tensor(data, requires_grad=True)
        q = t.tensor([0.3, 0.6], requires_grad=True)
        getattr(t, name)(x, q, dim=1, interpolation=mode).sum().backward()
        return q.grad, x.grad

    _same(lambda t: call(t, X))
    _same(lambda t: call(t, X_NAN))


def test_nearest_rounds_half_ranks_to_even():
    _same(
        lambda t: t.quantile(
            t.tensor([0.0, 1.0, 2.0, 3.0]),
            t.tensor([0.5, 1 / 6, 0.125, 0.375, 0.625]),
            interpolation="nearest",
        )
    )


def test_quantile_in_float64_on_longer_slices_matches_torch():
    values = np.random.default_rng(1).standard_normal((3, 5, 7))
    q = np.linspace(0, 1, 9)
    for dim in (None, 0, 1, 2):
        _same(lambda t, d=dim: t.quantile(t.tensor(values), t.tensor(q), dim=d))
        _same(lambda t, d=dim: t.nanquantile(t.tensor(values).transpose(0, 2), t.tensor(q), dim=d))


QUANTILE_EDGES = {
    "0d": lambda t: t.quantile(t.tensor(3.0), 0.5),
    "0d-dim": lambda t: t.quantile(t.tensor(3.0), 0.5, dim=0),
    "0d-dim-keepdim": lambda t: t.quantile(t.tensor(3.0), 0.5, dim=-1, keepdim=True),
    "0d-q-tensor-keepdim": lambda t: t.quantile(t.tensor(3.0), t.tensor([0.5, 0.2]), keepdim=True),
    "empty-q": lambda t: t.quantile(t.tensor(X), t.tensor([])),
    "empty-q-dim": lambda t: t.quantile(t.tensor(X), t.tensor([]), dim=1),
    "0d-q-tensor": lambda t: t.quantile(t.tensor(X), t.tensor(0.5)),
    "int-q": lambda t: t.quantile(t.tensor(X), 1),
    "bool-q": lambda t: t.quantile(t.tensor(X), True),
    "positional": lambda t: t.quantile(t.tensor(X), 0.5, 1, True),
    "method": lambda t: t.tensor(X).quantile(0.5, dim=0),
    "method-keywords": lambda t: t.tensor(X).nanquantile(q=0.5, dim=0),
    "float64": lambda t: t.quantile(t.tensor(X, dtype=t.float64), t.tensor([0.5], dtype=t.float64)),
    "non-contiguous": lambda t: t.quantile(t.tensor(X).t(), t.tensor([0.2, 0.7]), dim=0),
}


@pytest.mark.parametrize("name", QUANTILE_EDGES)
def test_quantile_edges_match_torch(name):
    _same(QUANTILE_EDGES[name])


QUANTILE_MISUSE = {
    "q-above-one": lambda t: t.quantile(t.tensor(X), 1.5),
    "q-nan": lambda t: t.quantile(t.tensor(X), NAN),
    "q-below-zero-before-the-mode": lambda t: t.quantile(t.tensor(X), -0.1, interpolation="x"),
    "mode-unknown": lambda t: t.quantile(t.tensor(X), 0.1, interpolation="foo"),
    "mode-before-q-values": lambda t: t.quantile(t.tensor(X), t.tensor([1.5]), interpolation="x"),
    "q-tensor-out-of-range": lambda t: t.quantile(t.tensor(X), t.tensor([0.1, 1.5])),
    "q-tensor-nan": lambda t: t.nanquantile(t.tensor(X), t.tensor(NAN)),
    "q-2d": lambda t: t.quantile(t.tensor(X), t.tensor([[0.1]])),
    "q-dtype": lambda t: t.quantile(t.tensor(X), t.tensor([0.1], dtype=t.float64)),
    "float16": lambda t: t.quantile(t.tensor(X).half(), 0.5),
    "bfloat16": lambda t: t.nanquantile(t.tensor(X).bfloat16(), 0.5),
    "int64": lambda t: t.quantile(t.tensor(X).long(), 0.5),
    "int64-q-out-of-range": lambda t: t.quantile(t.tensor(X).long(), 1.5),
    "empty": lambda t: t.quantile(t.tensor([]), 0.5),
    "empty-int64": lambda t: t.quantile(t.tensor([]).long(), 0.5),
    "empty-slices": lambda t: t.quantile(t.ones(2, 0, 3), 0.5, dim=2),
    "dim-out-of-range": lambda t: t.quantile(t.tensor(X), 0.5, dim=2),
    "dim-out-of-range-before-q-values": lambda t: t.quantile(t.tensor(X), t.tensor([1.5]), dim=2),
    "0d-dim-out-of-range": lambda t: t.quantile(t.tensor(3.0), 0.5, dim=1),
    "mode-by-position": lambda t: t.quantile(t.tensor(X), 0.5, 1, True, "lower"),
    "q-a-list": lambda t: t.quantile(t.tensor(X), [0.5]),
    "dim-a-float": lambda t: t.quantile(t.tensor(X), 0.5, dim=1.0),
    "mode-none": lambda t: t.quantile(t.tensor(X), t.tensor([0.5]), interpolation=None),
    "out-dtype": lambda t: t.quantile(t.tensor(X), 0.5, out=t.empty(0, dtype=t.float64)),
}


@pytest.mark.parametrize("name", QUANTILE_MISUSE)
def test_quantile_misuse_is_refused_with_torchs_error(name):
    _same(QUANTILE_MISUSE[name])


def test_quantile_out_is_resized_and_copied_into():
    """quantile(out=) copies into out (copy_: CopyBackwards when the input requires grad)."""

    def call(t):
        x = t.tensor(X, requires_grad=True)
        out = t.empty(3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = t.quantile(x, t.tensor([0.5, 0.2]), dim=1, out=out)
        messages = [str(w.message).split(" (Triggered")[0] for w in caught]
        return result is out, type(out.grad_fn).__name__, _observe(out.detach()), messages

    _same(call)
