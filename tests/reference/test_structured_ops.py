"""Runtime settings, structured scatters, windows, statistics and linalg solvers of the
reference engine, side by side with torch.

Each case builds the same call in both namespaces (`m` is `conformance.reference` or `torch`)
and compares values, dtypes, shapes, grad_fn names and errors.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as rt


@pytest.fixture(autouse=True)
def _restore_options():
    yield
    torch.set_printoptions(profile="default")
    rt.set_printoptions(profile="default")


def _same(ours, theirs, atol=1e-6, rtol=1e-5):
    """Same dtype, shape and values (nan where torch has nan)."""
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(
        ours.detach().double().numpy(),
        theirs.detach().double().numpy(),
        atol=atol,
        rtol=rtol,
    )


def _raises_alike(call):
    """call(m) raises the same error type (by name: torch's LinAlgError is its own class),
    with the same message, in both namespaces."""
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(Exception) as ours:
        call(rt)
    assert type(ours.value).__name__ == type(theirs.value).__name__
    assert str(ours.value) == str(theirs.value)


# -- print options ---------------------------------------------------------------------------

PRINT_OPTIONS = {
    "precision-2": {"precision": 2},
    "precision-8": {"precision": 8},
    "threshold-5": {"threshold": 5},
    "edgeitems-1": {"threshold": 5, "edgeitems": 1},
    "linewidth-30": {"linewidth": 30},
    "profile-short": {"profile": "short"},
    "profile-full": {"profile": "full"},
    "short-then-precision": {"profile": "short", "precision": 6},
    "sci-on": {"sci_mode": True},
    "sci-off": {"sci_mode": False, "precision": 3},
}

PRINTED = {
    "fixed": lambda m: m.tensor([1.12345, -2.5, 1000.75]),
    "long": lambda m: m.arange(2000.0) / 7,
    "matrix": lambda m: (m.arange(24.0).reshape(4, 6) * 1.5 - 3).requires_grad_(),
    "sci": lambda m: m.tensor([1e-5, 3.0, 2e6], dtype=m.float64),
    "ints": lambda m: m.arange(30),
}


@pytest.mark.parametrize("options", PRINT_OPTIONS.values(), ids=PRINT_OPTIONS.keys())
@pytest.mark.parametrize("build", PRINTED.values(), ids=PRINTED.keys())
def test_set_printoptions_prints_as_torch(options, build):
    torch.set_printoptions(**options)
    rt.set_printoptions(**options)
    assert repr(build(rt)) == repr(build(torch))
    assert str(build(rt)) == str(build(torch))


def test_set_printoptions_without_sci_mode_returns_it_to_automatic():
    for m in (rt, torch):
        m.set_printoptions(sci_mode=True)
        m.set_printoptions(precision=3)
    assert repr(rt.tensor([1.5, 2.25])) == repr(torch.tensor([1.5, 2.25]))


# -- the generator's state -------------------------------------------------------------------


def test_set_rng_state_replays_the_same_draws_and_seed():
    rt.manual_seed(5)
    state = rt.get_rng_state()
    first = (rt.rand(4), rt.randn(3), rt.randint(0, 9, (5,)), rt.zeros(6).normal_())
    rt.manual_seed(7)
    rt.set_rng_state(state)
    again = (rt.rand(4), rt.randn(3), rt.randint(0, 9, (5,)), rt.zeros(6).normal_())
    assert rt.initial_seed() == 5
    assert all(rt.equal(a, b) for a, b in zip(first, again, strict=True))


def test_rng_state_is_a_cpu_byte_tensor_of_its_own_bytes():
    """Its bytes are the engine's (NumPy's PCG64), not torch's 5056-byte state."""
    ours, theirs = rt.get_rng_state(), torch.get_rng_state()
    assert ours.dtype == rt.uint8 and theirs.dtype == torch.uint8
    assert ours.ndim == theirs.ndim == 1 and not ours.requires_grad
    assert str(ours.device) == str(theirs.device) == "cpu"
    state = rt.get_rng_state()
    rt.set_rng_state(state.view(1, -1))  # any contiguous uint8 tensor of the right size


@pytest.mark.parametrize(
    "bad",
    [
        lambda m: m.zeros(3),
        lambda m: [1, 2],
        lambda m: m.stack([m.get_rng_state()] * 2, 1)[:, 0],
    ],
    ids=["float", "list", "non-contiguous"],
)
def test_set_rng_state_refuses_as_torch(bad):
    _raises_alike(lambda m: m.set_rng_state(bad(m)))


def test_set_rng_state_refuses_a_state_of_the_wrong_size():
    with pytest.raises(RuntimeError, match="found the input RNG state size to be 3"):
        rt.set_rng_state(rt.zeros(3, dtype=rt.uint8))
    with pytest.raises(RuntimeError, match="found the input RNG state size to be 3"):
        torch.set_rng_state(torch.zeros(3, dtype=torch.uint8))


# -- threads, typename, is_same_size ---------------------------------------------------------


def test_threads_single_threaded_engine_reports_one_until_set():
    from conformance.reference.ops import runtime

    assert rt.get_num_interop_threads() == 1
    saved = rt.get_num_threads()
    try:
        runtime._threads[0] = 1
        assert rt.get_num_threads() == 1
        rt.set_num_threads(3)
        assert rt.get_num_threads() == 3  # torch too: get returns what set set
    finally:
        rt.set_num_threads(saved)


@pytest.mark.parametrize("value", [0, -1, True, 2.0, "a"])
def test_set_num_threads_refuses_as_torch(value):
    _raises_alike(lambda m: m.set_num_threads(value))


@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.zeros(2),
        lambda m: m.zeros(2, dtype=m.int64),
        lambda m: m.zeros(2, dtype=m.bfloat16),
        lambda m: m.zeros(2, dtype=m.uint8),
        lambda m: m.zeros(2, dtype=m.bool),
        lambda m: m.zeros(2, dtype=m.complex128),
        lambda m: m.zeros(1, requires_grad=True) * 2,
        lambda m: 3,
        lambda m: None,
        lambda m: [1],
    ],
)
def test_typename_as_torch(build):
    assert rt.typename(build(rt)) == torch.typename(build(torch))


def test_is_same_size_as_torch():
    for m in (rt, torch):
        assert m.is_same_size(m.zeros(2, 3), m.ones(2, 3, dtype=m.int64))
        assert not m.is_same_size(m.zeros(2, 3), m.ones(3, 2))
        assert m.zeros(0).is_same_size(m.zeros(0))
    _raises_alike(lambda m: m.is_same_size(1, m.zeros(1)))
    _raises_alike(lambda m: m.is_same_size(m.zeros(1), 2))
    _raises_alike(lambda m: m.zeros(1).is_same_size(2))


# -- view scatters and index_reduce ----------------------------------------------------------

SCATTERS = {
    "diagonal": lambda m, x: m.diagonal_scatter(x, m.ones(3, dtype=m.float64)),
    "diagonal-offset": lambda m, x: x.diagonal_scatter(m.ones(1, dtype=x.dtype), 2, 1, 0),
    "diagonal-empty": lambda m, x: m.diagonal_scatter(x, m.ones(0, dtype=x.dtype), 9),
    "select": lambda m, x: m.select_scatter(x, m.ones(4, dtype=m.int64), 0, -1),
    "slice": lambda m, x: m.slice_scatter(x, m.ones(3, 2, dtype=x.dtype), 1, -9, 2),
    "slice-empty": lambda m, x: x.slice_scatter(m.ones(0, 4, dtype=x.dtype), 0, 7, 9),
    "slice-step": lambda m, x: m.slice_scatter(x, m.ones(3, 2, dtype=x.dtype), 1, step=3),
    "as-strided": lambda m, x: m.as_strided_scatter(x, m.ones(2, 2, dtype=x.dtype), (2, 2), (1, 4)),
    "as-strided-transposed": lambda m, x: m.as_strided_scatter(
        x.t(), m.ones(2, dtype=x.dtype), (2,), (1,)
    ),
    "as-strided-overlap": lambda m, x: x.as_strided_scatter(
        m.ones(2, 2, dtype=x.dtype), (2, 2), (1, 1), 3
    ),
}


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "bfloat16", "float16"])
@pytest.mark.parametrize("call", SCATTERS.values(), ids=SCATTERS.keys())
def test_view_scatters_match_torch(call, dtype):
    def build(m):
        return m.arange(12).reshape(3, 4).to(getattr(m, dtype))

    ours, theirs = call(rt, build(rt)), call(torch, build(torch))
    _same(ours, theirs)
    assert ours._base is None and theirs._base is None  # a copy, never a view
    assert ours.stride() == theirs.stride()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.diagonal_scatter(m.zeros(3, 3), m.ones(2)),
        lambda m: m.diagonal_scatter(m.zeros(3, 3), m.ones(3), 0, 0, 0),
        lambda m: m.diagonal_scatter(m.zeros(3, 3), m.ones(3), 0, 0, 2),
        lambda m: m.select_scatter(m.zeros(3, 3), m.ones(2), 0, 0),
        lambda m: m.select_scatter(m.zeros(3, 3), m.ones(3), 0, 5),
        lambda m: m.select_scatter(m.zeros(3, 3), m.ones(3), 2, 0),
        lambda m: m.select_scatter(m.zeros(()), m.tensor(1.0), 0, 0),
        lambda m: m.slice_scatter(m.zeros(3, 3), m.ones(3, 2), 0),
        lambda m: m.slice_scatter(m.zeros(3, 3), m.ones(3, 3), 0, 0, 3, 0),
        lambda m: m.slice_scatter(m.zeros(4), m.ones(2), 0, 0, 4, 2.0),
        lambda m: m.as_strided_scatter(m.zeros(3, 3), m.ones(3), (2,), (1,)),
        lambda m: m.as_strided_scatter(m.zeros(3, 3), m.ones(2), (2,), (9,)),
    ],
)
def test_view_scatters_refuse_as_torch(call):
    _raises_alike(call)


def test_view_scatter_gradients_cast_to_src_dtype():
    grads = []
    for m in (rt, torch):
        x = m.zeros(3, 3, requires_grad=True)
        src = m.ones(3, dtype=m.float64, requires_grad=True)
        m.diagonal_scatter(x, src).sum().backward()
        grads.append((x.grad, src.grad))
    for ours, theirs in zip(grads[0], grads[1], strict=True):
        _same(ours, theirs)


def _index_reduce_inputs(m, dtype):
    """(input, dim, index, source): positions 0 and 2 named twice, 1 not at all."""
    x = m.tensor([[5, 1], [2, 2], [0, 7]]).to(getattr(m, dtype))
    source = m.tensor([[1, 4], [3, 3], [9, 0], [2, 8]]).to(getattr(m, dtype))
    return x, 0, m.tensor([0, 2, 0, 2]), source


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "uint8", "float16", "bfloat16"])
def test_index_reduce_matches_torch(reduce, include_self, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = [
            m.index_reduce(*_index_reduce_inputs(m, dtype), reduce, include_self=include_self)
            for m in (rt, torch)
        ]
        _same(*results)
        x, dim, index, source = _index_reduce_inputs(rt, dtype)
        x.index_reduce_(dim, index, source, reduce, include_self=include_self)
        _same(x, results[1])


def test_index_reduce_on_bool_and_0_dim_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for reduce in ("prod", "amax", "amin"):
            _same(*[m.index_reduce(*_index_reduce_inputs(m, "bool"), reduce) for m in (rt, torch)])
        _same(
            *[
                m.index_reduce(m.tensor(3.0), 0, m.tensor([0]), m.tensor(2.0), "prod")
                for m in (rt, torch)
            ]
        )


def test_index_reduce_warns_that_it_is_beta():
    from conformance.reference import warn_once

    warn_once._SHOWN.discard("index_reduce() is in beta and the API may change at any time.")
    with pytest.warns(UserWarning, match=r"index_reduce\(\) is in beta"):
        rt.zeros(3).index_reduce(0, rt.tensor([1]), rt.ones(1), "amax")


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x, _, i, s: m.index_reduce(x, 0, i, s, "sum"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, i.float(), s, "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, i.reshape(2, 2), s, "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, i, s[:3], "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, m.tensor([0, 5, 0, 1]), s, "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, m.tensor([0, -1, 0, 1]), s, "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, i, s.double(), "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 2, i, s, "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, i, s[:, :1], "prod"),
        lambda m, x, _, i, s: m.index_reduce(x, 0, i, s, "prod", include_self=1),
        lambda m, x, _, i, s: m.index_reduce(x, 0, [0, 1, 0, 1], s, "prod"),
    ],
)
def test_index_reduce_refuses_as_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_alike(lambda m: call(m, *_index_reduce_inputs(m, "float32")))


# -- windows ---------------------------------------------------------------------------------

WINDOWS = ["bartlett_window", "blackman_window", "hamming_window", "hann_window", "kaiser_window"]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("name", WINDOWS)
def test_windows_match_torch(name, periodic, dtype):
    """16-bit windows round as torch's step by step, exactly; float32 within torch's cos."""
    for n in (0, 1, 2, 5, 8, 33):
        ours = getattr(rt, name)(n, periodic, dtype=getattr(rt, dtype))
        theirs = getattr(torch, name)(n, periodic, dtype=getattr(torch, dtype))
        exact = dtype in ("float16", "bfloat16") and name != "kaiser_window"
        _same(ours, theirs, atol=0 if exact else 2e-7, rtol=0 if exact else 1e-6)


def test_window_parameters_and_default_dtype_as_torch():
    for call in (
        lambda m: m.hamming_window(7, False, 0.6),
        lambda m: m.hamming_window(6, True, 0.5, 0.3),
        lambda m: m.kaiser_window(9, False, 3.0),
        lambda m: m.kaiser_window(8, beta=5.0) if m is rt else m.kaiser_window(8, True, 5.0),
        lambda m: m.blackman_window(4),
    ):
        _same(call(rt), call(torch), atol=2e-7)
    torch.set_default_dtype(torch.float64)
    rt.set_default_dtype(rt.float64)
    try:
        _same(rt.hann_window(6), torch.hann_window(6), atol=1e-15)
    finally:
        torch.set_default_dtype(torch.float32)
        rt.set_default_dtype(rt.float32)


@pytest.mark.parametrize("name", WINDOWS)
def test_window_is_a_fresh_leaf_that_may_require_grad(name):
    for m in (rt, torch):
        w = getattr(m, name)(5, requires_grad=True)
        assert w.requires_grad and w.is_leaf and w.grad_fn is None and w._base is None
        assert type((w * 2).grad_fn).__name__ == "MulBackward0"
        assert w.is_contiguous()


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize(
    "call",
    [
        lambda m, f: f(-1),
        lambda m, f: f(3, dtype=m.int64),
        lambda m, f: f(-1, dtype=m.uint8),
        lambda m, f: f(1, dtype=m.int32, requires_grad=True),
        lambda m, f: f(3.0),
        lambda m, f: f(True),
        lambda m, f: f(3, dtype=m.complex64),
    ],
)
def test_windows_refuse_as_torch(name, call):
    _raises_alike(lambda m: call(m, getattr(m, name)))


# -- cov, corrcoef, histogram ----------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.cov(m.tensor([[0.0, 1, 2], [2, 1, 0.5]])),
        lambda m: m.cov(m.tensor([1, 2, 4])),
        lambda m: m.cov(m.tensor([1.0, 2, 4], dtype=m.float16)),
        lambda m: m.cov(m.tensor([[1.0, 2, 4]], dtype=m.float64), correction=2),
        lambda m: m.cov(
            m.tensor([[0.0, 1, 2], [2, 1, 0.5]]),
            correction=0,
            fweights=m.tensor([1, 2, 1]),
            aweights=m.tensor([0.5, 1.0, 2.0]),
        ),
        lambda m: m.cov(m.tensor([[0.0, 1, 2], [2, 1, 0.5]]), aweights=m.tensor([0.5, 1.0, 2.0])),
        lambda m: m.corrcoef(m.tensor([1, 2, 4])),
        lambda m: m.corrcoef(m.tensor([[1, 2, 4], [1, 1, 1]])),
        lambda m: m.corrcoef(m.arange(12.0).reshape(3, 4) ** 2),
        lambda m: m.tensor([[3.0, 1, 2], [2, 1, 0.5]]).corrcoef(),
        lambda m: m.tensor([[3.0, 1, 2], [2, 1, 0.5]]).cov(correction=0),
    ],
)
def test_cov_and_corrcoef_match_torch(call):
    ours, theirs = call(rt), call(torch)
    assert str(ours.dtype) == str(theirs.dtype) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3, atol=1e-6)


def test_cov_warns_when_no_degrees_of_freedom_are_left():
    for m in (rt, torch):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            value = m.cov(m.tensor([1.0]))
        assert math.isnan(value.item())


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.cov(m.zeros(2, 2, 2)),
        lambda m, x: m.cov(m.zeros(2, dtype=m.bool)),
        lambda m, x: m.cov(x, fweights=m.tensor([1.0, 2, 1])),
        lambda m, x: m.cov(x, fweights=m.tensor([1, 2])),
        lambda m, x: m.cov(x, fweights=m.tensor([1, -2, 1])),
        lambda m, x: m.cov(x, fweights=m.tensor([[1, 2, 1]])),
        lambda m, x: m.cov(x, aweights=m.tensor([1, 2, 1])),
        lambda m, x: m.cov(x, aweights=m.tensor([-1.0, 2, 1])),
        lambda m, x: m.cov(x, fweights=m.tensor([0, 0, 0])),
        lambda m, x: m.corrcoef(m.zeros(2, 2, 2)),
    ],
)
def test_cov_refuses_as_torch(call):
    _raises_alike(lambda m: call(m, m.tensor([[0.0, 1, 2], [2, 1, 0.5]])))


HISTOGRAMS = {
    "int-bins": lambda m: m.histogram(m.tensor([1.0, 2, 1, 2.5, 4, 0.5]), 3),
    "equal-values": lambda m: m.histogram(m.tensor([1.0, 1.0]), 2),
    "empty": lambda m: m.histogram(m.tensor([]), 2),
    "tensor-bins": lambda m: m.histogram(
        m.tensor([1.0, 2, 1, 2.5, 4, 0.5]), m.tensor([0.0, 1, 2.5, 4])
    ),
    "decreasing-bins": lambda m: m.histogram(m.tensor([1.0, 2]), m.tensor([1.0, 0.0])),
    "range-weight-density": lambda m: m.histogram(
        m.tensor([1.0, 2, 1, 2.5, 4, 0.5, math.nan, math.inf]),
        3,
        range=(0.0, 3.0),
        weight=m.tensor([1.0, 2, 3, 4, 5, 6, 7, 8]),
        density=True,
    ),
    "float64-2d": lambda m: m.histogram(m.tensor([[1.0, 2], [3, 4]], dtype=m.float64), 2),
    "method": lambda m: m.tensor([1.0, 2, 4]).histogram(2),
    "many-bins": lambda m: m.histogram(m.arange(1000.0) / 7 - 30, 37),
    "range-equal": lambda m: m.histogram(m.tensor([1.0, 2]), 2, range=(1.0, 1.0)),
}


@pytest.mark.parametrize("call", HISTOGRAMS.values(), ids=HISTOGRAMS.keys())
def test_histogram_matches_torch(call):
    ours, theirs = call(rt), call(torch)
    assert type(ours).__name__ == type(theirs).__name__ == "histogram"
    assert ours._fields if hasattr(ours, "_fields") else True
    _same(ours.hist, theirs.hist, atol=0, rtol=1e-6)
    # torch's vectorized float32 linspace may differ in the last bit
    _same(ours.bin_edges, theirs.bin_edges, atol=0, rtol=3e-7)


def test_histogram_is_not_differentiable_as_torch():
    for m in (rt, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        hist, edges = m.histogram(x, 2)
        assert type(hist.grad_fn).__name__ == type(edges.grad_fn).__name__ == "NotImplemented"
    _raises_alike(
        lambda m: m.histogram(m.tensor([1.0, 2.0], requires_grad=True), 2)[0].sum().backward()
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.histogram(m.tensor([1, 2]), 2),
        lambda m: m.histogram(m.tensor([1.0, 2], dtype=m.float16), 2),
        lambda m: m.histogram(m.tensor([1.0, 2]), 0),
        lambda m: m.histogram(m.tensor([1.0, 2]), 2, range=(3.0, 1.0)),
        lambda m: m.histogram(m.tensor([1.0, 2]), m.tensor([[1.0, 2.0]])),
        lambda m: m.histogram(m.tensor([1.0, 2]), m.tensor([1.0])),
        lambda m: m.histogram(m.tensor([1.0, 2]), 2, weight=m.tensor([1.0])),
        lambda m: m.histogram(m.tensor([1.0, 2]), 2, weight=m.tensor([1.0, 2], dtype=m.float64)),
        lambda m: m.histogram(m.tensor([1.0, 2]), m.tensor([1.0, 2], dtype=m.float64)),
        lambda m: m.histogram(m.tensor([1.0, math.inf]), 2),
        lambda m: m.histogram(m.tensor([1.0, 2]), 2, range=(1.0, math.inf)),
    ],
)
def test_histogram_refuses_as_torch(call):
    _raises_alike(call)


# -- torch.gradient --------------------------------------------------------------------------

GRADIENTS = [
    lambda m: m.gradient(m.tensor([1.0, 4, 9, 16, 25])),
    lambda m: m.gradient(m.tensor([1.0, 4, 9, 16, 25]), spacing=2.0, edge_order=2),
    lambda m: m.gradient(m.arange(12.0).reshape(3, 4) ** 2),
    lambda m: m.gradient(m.arange(12.0).reshape(3, 4) ** 2, dim=1),
    lambda m: m.gradient(m.arange(12.0).reshape(3, 4) ** 2, dim=(-1,), spacing=(2.0,)),
    lambda m: m.gradient(m.tensor([1, 4, 9, 16])),
    lambda m: m.gradient(m.tensor([1, 4, 9], dtype=m.int32), spacing=2),
    lambda m: m.gradient(m.tensor([1, 4, 9]), spacing=[m.tensor([0, 1, 3])]),
    lambda m: m.gradient(m.tensor([1.0, 4, 9], dtype=m.float16)),
    lambda m: m.gradient(m.tensor([1.0, 4, 9], dtype=m.float64), spacing=[m.tensor([0.0, 1, 3])]),
    lambda m: m.gradient(m.tensor(1.0)),
]


@pytest.mark.parametrize("call", GRADIENTS)
def test_gradient_matches_torch(call):
    ours, theirs = call(rt), call(torch)
    assert type(ours) is tuple and len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        _same(a, b)


def test_gradient_is_a_cat_as_torch():
    for m in (rt, torch):
        (g,) = m.gradient(m.tensor([1.0, 4, 9], requires_grad=True))
        assert type(g.grad_fn).__name__ == "CatBackward0"


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.gradient(m.tensor([1.0])),
        lambda m: m.gradient(m.tensor([1.0, 2]), edge_order=2),
        lambda m: m.gradient(m.tensor([1.0, 2, 3]), edge_order=3),
        lambda m: m.gradient(m.tensor([1.0, 2, 3]), dim=1),
        lambda m: m.gradient(m.tensor([1.0, 2, 3]), spacing=[1.0, 2.0]),
        lambda m: m.gradient(m.zeros(3, 3), spacing=[2.0]),
        lambda m: m.gradient(m.zeros(3, 3), dim=(0,), spacing=[1.0, 2.0]),
        lambda m: m.gradient(m.zeros(3, 3), dim=(0, 0)),
        lambda m: m.gradient(m.tensor([True, False, True])),
    ],
)
def test_gradient_refuses_as_torch(call):
    _raises_alike(call)


# -- cholesky_solve, cholesky_inverse, triangular_solve, lu_unpack ----------------------------


def _spd_factor(batch=(), dtype=torch.float64, seed=0):
    """A torch lower Cholesky factor (and a right-hand side) of a well-conditioned matrix."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(*batch, 3, 3, generator=generator, dtype=dtype)
    A = a @ a.mT + 3 * torch.eye(3, dtype=dtype)
    return torch.linalg.cholesky(A), torch.randn(*batch, 3, 2, generator=generator, dtype=dtype)


def _both(*tensors):
    """The same values as (reference tensors, torch tensors)."""
    ours = [rt.tensor(t.numpy(), dtype=getattr(rt, str(t.dtype)[6:])) for t in tensors]
    return ours, [t.clone() for t in tensors]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_match_torch(dtype, upper):
    L, B = _spd_factor((2,), dtype)
    factor = L.mT.contiguous() if upper else L
    ours, theirs = _both(B, factor)
    for m, (b, f) in ((rt, ours), (torch, theirs)):
        results = (
            m.cholesky_solve(b, f, upper),
            f.cholesky_inverse(upper),
            b.cholesky_solve(f, upper),
        )
        if m is rt:
            mine = results
        else:
            for a, t in zip(mine, results, strict=True):
                _same(a, t, atol=1e-5, rtol=1e-5)


def test_cholesky_solve_broadcasts_batches_as_torch():
    L, B = _spd_factor()
    ours, theirs = _both(B.expand(2, 3, 2).contiguous(), L)
    _same(rt.cholesky_solve(*ours), torch.cholesky_solve(*theirs), atol=1e-12)
    ours, theirs = _both(B, L.expand(2, 3, 3).contiguous())
    _same(rt.cholesky_solve(*ours), torch.cholesky_solve(*theirs), atol=1e-12)


def test_cholesky_inverse_reads_only_the_factors_triangle():
    for m in (rt, torch):
        lower = m.cholesky_inverse(m.tensor([[2.0, 5], [1, 3]]))
        upper = m.cholesky_inverse(m.tensor([[2.0, 5], [1, 3]]), upper=True)
        if m is rt:
            mine = (lower, upper)
    _same(mine[0], lower)
    _same(mine[1], upper)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.cholesky_solve(m.ones(3, 2), m.eye(3, dtype=m.float64)),
        lambda m: m.cholesky_solve(m.ones(3), m.eye(3)),
        lambda m: m.cholesky_solve(m.ones(3, 2), m.ones(3)),
        lambda m: m.cholesky_solve(m.ones(4, 2), m.eye(3)),
        lambda m: m.cholesky_solve(m.ones(3, 2), m.ones(3, 2)),
        lambda m: m.cholesky_solve(m.ones(3, 2, dtype=m.int64), m.ones(3, 3, dtype=m.int64)),
        lambda m: m.cholesky_solve(m.ones(3, 2, dtype=m.float16), m.eye(3, dtype=m.float16)),
        lambda m: m.cholesky_solve(m.ones(2, 3, 2), m.eye(3).expand(3, 3, 3)),
        lambda m: m.cholesky_inverse(m.ones(3)),
        lambda m: m.cholesky_inverse(m.ones(3, 2)),
        lambda m: m.cholesky_inverse(m.eye(3, dtype=m.int64)),
        lambda m: m.cholesky_inverse(m.zeros(2, 2)),
        lambda m: m.cholesky_inverse(m.eye(3).expand(2, 3, 3) * m.tensor([1.0, 1, 0])),
        lambda m: m.triangular_solve(m.ones(3, 2), m.ones(3, 2)),
        lambda m: m.triangular_solve(m.ones(4, 2), m.eye(3)),
        lambda m: m.triangular_solve(m.ones(3, 2), m.eye(3, dtype=m.float64)),
        lambda m: m.triangular_solve(m.ones(3), m.eye(3)),
        lambda m: m.triangular_solve(m.ones(3, 2), m.ones(3)),
        lambda m: m.triangular_solve(m.ones(3, 2, dtype=m.int64), m.ones(3, 3, dtype=m.int64)),
        lambda m: m.lu_unpack(m.eye(3), m.tensor([1, 2, 3])),
        lambda m: m.lu_unpack(m.eye(3), m.tensor([0, 2, 3], dtype=m.int32)),
        lambda m: m.lu_unpack(m.eye(3), m.tensor([1, 2, 4], dtype=m.int32)),
        lambda m: m.lu_unpack(m.eye(3), m.tensor([1, 2], dtype=m.int32)),
        lambda m: m.lu_unpack(m.ones(3), m.tensor([1], dtype=m.int32)),
    ],
)
def test_solvers_refuse_as_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_alike(call)


@pytest.mark.parametrize(
    "flags", [(True, False, False), (False, False, False), (True, True, False), (False, True, True)]
)
def test_triangular_solve_matches_torch(flags):
    L, B = _spd_factor((2,))
    ours, theirs = _both(B, L.mT.contiguous() if flags[0] else L)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine, expected = rt.triangular_solve(*ours, *flags), torch.triangular_solve(*theirs, *flags)
        method = ours[0].triangular_solve(ours[1], *flags)
    assert type(mine).__name__ == "triangular_solve" and len(mine) == 2
    _same(mine.solution, expected.solution, atol=1e-12)
    _same(mine.cloned_coefficient, expected.cloned_coefficient, atol=0)
    _same(method.solution, expected.solution, atol=1e-12)


def test_triangular_solve_broadcasts_and_divides_by_a_zero_diagonal_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in (rt, torch):
            batched = m.triangular_solve(m.ones(2, 3, 2), m.eye(3) * 2)
            singular = m.triangular_solve(m.ones(3, 2), m.zeros(3, 3))
            empty = m.triangular_solve(m.ones(0, 2), m.eye(0))
            if m is rt:
                mine = (batched, singular, empty)
        for a, b in zip(mine, (batched, singular, empty), strict=True):
            _same(a.solution, b.solution)
            _same(a.cloned_coefficient, b.cloned_coefficient)


def test_triangular_solve_warns_once_that_it_is_deprecated():
    from conformance.reference import warn_once
    from conformance.reference.ops.linalg_solvers import _TRIANGULAR_SOLVE_DEPRECATED

    warn_once._SHOWN.discard(_TRIANGULAR_SOLVE_DEPRECATED)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rt.triangular_solve(rt.ones(2, 1), rt.eye(2))
        rt.triangular_solve(rt.ones(2, 1), rt.eye(2))
        torch.triangular_solve(torch.ones(2, 1), torch.eye(2))
    ours = [str(w.message) for w in caught if "triangular_solve" in str(w.message)]
    assert len(ours) >= 1 and ours[0].startswith(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand"
    )
    assert ours[0].count("\n") == 4 and ours[0].endswith("X = torch.linalg.solve_triangular(A, B).")


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3), (3, 3)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_lu_unpack_matches_torch(shape, dtype):
    generator = torch.Generator().manual_seed(1)
    LU, pivots = torch.linalg.lu_factor(torch.randn(*shape, generator=generator, dtype=dtype))
    ours, theirs = _both(LU, pivots)
    for flags in ((True, True), (False, True), (True, False)):
        mine, expected = rt.lu_unpack(*ours, *flags), torch.lu_unpack(*theirs, *flags)
        assert type(mine).__name__ == "lu_unpack"
        for a, b in zip(mine, expected, strict=True):
            _same(a, b, atol=0, rtol=0)


def test_lu_unpack_nodes_and_integer_data_as_torch():
    for m in (rt, torch):
        LU = m.tensor([[2.0, 1], [0.5, 3]], requires_grad=True)
        P, L, U = m.lu_unpack(LU, m.tensor([2, 2], dtype=m.int32))
        assert P.grad_fn is None and not P.requires_grad
        assert type(L.grad_fn).__name__ == type(U.grad_fn).__name__ == "LuUnpackBackward0"
        _, L, U = m.lu_unpack(LU, m.tensor([2, 2], dtype=m.int32), unpack_data=False)
        assert L.shape == (0,) and type(U.grad_fn).__name__ == "LuUnpackBackward0"
    ours, theirs = (
        m.lu_unpack(m.eye(3, dtype=m.int64), m.tensor([1, 3, 3], dtype=m.int32))
        for m in (rt, torch)
    )
    for a, b in zip(ours, theirs, strict=True):
        _same(a, b)
