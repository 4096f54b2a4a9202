"""repr of reference tensors against torch's, built from the same data.

Each case is a function of a namespace (`conformance.reference` or `torch`), so one table
builds both tensors; the options fixture restores print options and the default dtype.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import conformance.reference as rt
from conformance.reference import printing
from conformance.reference.devices import device
from conformance.reference.tensor import Tensor

NAN, INF = math.nan, math.inf


@pytest.fixture(autouse=True)
def _restore_options():
    yield
    torch.set_printoptions(profile="default")
    printing.set_printoptions(profile="default")
    torch.set_default_dtype(torch.float32)
    rt.set_default_dtype(rt.float32)


def _grid(m, n, *shape, scale=1.0, dtype=None):
    """arange(n) * scale reshaped, built from a list so that it needs no ops beyond tensor()."""
    values = (np.arange(n, dtype=np.float64) * scale).reshape(shape or (n,))
    return m.tensor(values.tolist(), dtype=dtype or m.float32)


CASES = {
    # scalars and the basic float styles
    "scalar-int": lambda m: m.tensor(3),
    "scalar-float": lambda m: m.tensor(2.5),
    "scalar-int-valued-float": lambda m: m.tensor(3.0),
    "scalar-neg-small": lambda m: m.tensor(-1e-7),
    "scalar-bool": lambda m: m.tensor(True),
    "scalar-nan": lambda m: m.tensor(NAN),
    "scalar-neg-zero": lambda m: m.tensor(-0.0),
    "one": lambda m: m.tensor([5.0]),
    "int-valued": lambda m: m.tensor([1.0, 2.0, -30.0]),
    "fixed": lambda m: m.tensor([0.1, 2.25, -3.125]),
    "rounding": lambda m: m.tensor([0.00015, 1.23456789, 999.99999]),
    "sci-ratio": lambda m: m.tensor([1e-5, 1e5]),
    "sci-large": lambda m: m.tensor([1e9, 2e9]),
    "sci-large-int-valued": lambda m: m.tensor([1e8, 1.5e8]),
    "sci-small": lambda m: m.tensor([5e-5, 6e-5]),
    "ratio-1000": lambda m: m.tensor([1.0, 1000.0]),
    "ratio-1001": lambda m: m.tensor([1.0, 1001.0]),
    "big-int-valued": lambda m: m.tensor([12345678.0, 1.0]),
    "huge": lambda m: m.tensor([1e38, -3e38]),
    "tiny-subnormal": lambda m: m.tensor([1e-45, 1.0], dtype=m.float64),
    # special values
    "nan-inf": lambda m: m.tensor([NAN, INF, -INF]),
    "nan-with-ints": lambda m: m.tensor([1.0, NAN, -INF, 100.0]),
    "nan-with-fixed": lambda m: m.tensor([1.5, NAN, INF]),
    "nan-with-sci": lambda m: m.tensor([1e-6, NAN, -INF, 1e6]),
    "zeros": lambda m: m.tensor([0.0, 0.0]),
    "zeros-and-nan": lambda m: m.tensor([0.0, NAN]),
    "neg-zero-int": lambda m: m.tensor([-0.0, 1.0]),
    "neg-zero-fixed": lambda m: m.tensor([-0.0, 1.5]),
    "neg-zero-sci": lambda m: m.tensor([-0.0, 1e-5, 1.0]),
    # integers and bools
    "ints": lambda m: m.tensor([1, -20, 300]),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "int16": lambda m: m.tensor([[1, 2], [-3, 4]], dtype=m.int16),
    "int8": lambda m: m.tensor([-128, 127], dtype=m.int8),
    "uint8": lambda m: m.tensor([0, 255], dtype=m.uint8),
    "int64-big": lambda m: m.tensor([2**62, -1]),
    "bools": lambda m: m.tensor([True, False]),
    "bools-2d": lambda m: m.tensor([[True], [False]]),
    # dtypes
    "float64": lambda m: m.tensor([1.0, 2.5], dtype=m.float64),
    "float16": lambda m: m.tensor([1.0, 2.5, 65504.0], dtype=m.float16),
    "float16-rounded": lambda m: m.tensor([0.1, 0.2], dtype=m.float16),
    "bfloat16": lambda m: m.tensor([1.0, 3.14159, -2.0], dtype=m.bfloat16),
    "bfloat16-scalar": lambda m: m.tensor(2.5, dtype=m.bfloat16),
    "float32-of-0.1": lambda m: m.tensor([0.1, 0.7]),
    "to-float64": lambda m: m.tensor([1.0, 2.0]).to(m.float64),
    "to-int32": lambda m: m.tensor([1.7, -2.2]).to(m.int32),
    "to-bfloat16": lambda m: m.tensor([1.0 / 3.0, 1e-3]).to(m.bfloat16),
    "complex": lambda m: m.tensor([1 + 2j, -1.5 - 0.5j]),
    "complex-scalar": lambda m: m.tensor(1 - 1j),
    "complex-mixed": lambda m: m.tensor([1e-5 + 1j, 3 + 1e5j]),
    "complex-nan": lambda m: m.tensor([complex(NAN, 1.0), complex(1.0, -INF)]),
    "complex128": lambda m: m.tensor([1 + 2j], dtype=m.complex128),
    "complex-2d": lambda m: m.tensor([[1j, 2.0], [-0.5j, 3 + 3j]]),
    # empty tensors
    "empty": lambda m: m.tensor([]),
    "empty-2d": lambda m: m.zeros(0, 3),
    "empty-3d": lambda m: m.zeros(2, 0, 1),
    "empty-int": lambda m: m.tensor([], dtype=m.int64),
    "empty-2d-int32": lambda m: m.zeros(0, 3, dtype=m.int32),
    "empty-bool": lambda m: m.zeros(0, dtype=m.bool),
    "empty-float64": lambda m: m.zeros(0, dtype=m.float64),
    "empty-requires-grad": lambda m: m.zeros(0, 2, requires_grad=True),
    # layout: 2-D, 3-D, 4-D, wrapping
    "2d-ints": lambda m: m.tensor([[1, 2, 3], [40, 50, 60]]),
    "2d-fixed": lambda m: m.tensor([[1.5, -2.0], [3.25, 4.0]]),
    "3d": lambda m: _grid(m, 24, 2, 3, 4),
    "3d-fixed": lambda m: _grid(m, 12, 2, 2, 3, scale=0.37),
    "4d": lambda m: _grid(m, 16, 2, 2, 2, 2, scale=-1.5),
    "long-row": lambda m: _grid(m, 40, scale=1.1),
    "long-rows-2d": lambda m: _grid(m, 60, 3, 20, scale=0.5),
    "long-row-ints": lambda m: m.tensor(list(range(100))),
    "long-row-sci": lambda m: _grid(m, 30, scale=1e5),
    "long-row-complex": lambda m: m.tensor([complex(i, -i) for i in range(12)]),
    "transposed-view": lambda m: _grid(m, 6, 2, 3, scale=0.25).t(),
    "transposed-3d": lambda m: _grid(m, 24, 2, 3, 4).transpose(0, 2),
    # summarization
    "summarized-1d": lambda m: _grid(m, 1001),
    "summarized-ints": lambda m: m.tensor(list(range(2000))),
    "summarized-2d": lambda m: _grid(m, 2000, 40, 50, scale=0.01),
    "summarized-2d-short-rows": lambda m: _grid(m, 1200, 600, 2),
    "summarized-3d": lambda m: _grid(m, 1100, 11, 10, 10, scale=-1.0),
    "summarized-widths": lambda m: m.tensor([1e6] + [1.0] * 1000 + [0.5]),
    "not-summarized-1000": lambda m: _grid(m, 1000),
    # autograd suffixes
    "requires-grad": lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    "requires-grad-scalar": lambda m: m.tensor(1.5, requires_grad=True),
    "requires-grad-float64": lambda m: m.tensor([1.0], dtype=m.float64, requires_grad=True),
    "grad-fn-mul": lambda m: m.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad-fn-add": lambda m: m.tensor([1.0, 2.0], requires_grad=True) + 1,
    "grad-fn-float64": lambda m: m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True) * 2,
    "grad-fn-to": lambda m: m.tensor([1.0, 2.0], requires_grad=True).to(m.float64),
    "detached": lambda m: (m.tensor([1.0, 2.0], requires_grad=True) * 2).detach(),
    # suffixes that no longer fit on the last line
    "suffix-wraps-dtype": lambda m: _grid(m, 11, dtype=m.float64),
    "suffix-wraps-grad": lambda m: _grid(m, 14, scale=1.5, dtype=m.float64).requires_grad_(),
    "suffix-wraps-2d": lambda m: _grid(m, 16, 2, 8, scale=1.5, dtype=m.float64).requires_grad_(),
    "suffix-wraps-empty": lambda m: m.zeros(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, dtype=m.int32),
}


@pytest.mark.parametrize("build", CASES.values(), ids=CASES.keys())
def test_repr_matches_torch(build):
    assert repr(build(rt)) == repr(build(torch))


@pytest.mark.parametrize("build", CASES.values(), ids=CASES.keys())
def test_str_is_repr(build):
    t = build(rt)
    assert str(t) == repr(t)


OPTIONS = {
    "precision-2": {"precision": 2},
    "precision-0": {"precision": 0},
    "precision-8": {"precision": 8},
    "sci-on": {"sci_mode": True},
    "sci-off": {"sci_mode": False},
    "threshold-5": {"threshold": 5},
    "edgeitems-1": {"threshold": 5, "edgeitems": 1},
    "edgeitems-0": {"threshold": 5, "edgeitems": 0},
    "edgeitems-0-unsummarized": {"edgeitems": 0},
    "linewidth-20": {"linewidth": 20},
    "linewidth-1": {"linewidth": 1},
    "profile-short": {"profile": "short"},
    "profile-full": {"profile": "full"},
    "profile-short-precision-6": {"profile": "short", "precision": 6},
}
OPTION_CASES = (
    "scalar-float",
    "fixed",
    "int-valued",
    "sci-ratio",
    "nan-with-sci",
    "ints",
    "bools",
    "complex",
    "empty",
    "empty-2d",
    "3d-fixed",
    "long-row",
    "long-rows-2d",
    "summarized-1d",
    "summarized-3d",
    "grad-fn-float64",
)


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_print_options_match_torch(options):
    torch.set_printoptions(**options)
    printing.set_printoptions(**options)
    for name in OPTION_CASES:
        assert repr(CASES[name](rt)) == repr(CASES[name](torch)), name


def test_printoptions_defaults_and_context():
    assert printing.get_printoptions() == torch._tensor_str.get_printoptions()
    with printing.printoptions(precision=1, sci_mode=True):
        assert repr(rt.tensor([1.25])) == "tensor([1.2e+00])"
    assert printing.get_printoptions() == torch._tensor_str.get_printoptions()


def test_sci_mode_resets_when_left_out():
    printing.set_printoptions(sci_mode=True)
    printing.set_printoptions(precision=4)
    assert printing.PRINT_OPTS.sci_mode is None


@pytest.mark.parametrize("name", ["fixed", "float64", "complex", "complex128", "empty-float64"])
def test_default_dtype_float64(name):
    torch.set_default_dtype(torch.float64)
    rt.set_default_dtype(rt.float64)
    # the tensors keep the dtypes they were built with: float32 now shows its dtype
    assert repr(CASES[name](rt)) == repr(CASES[name](torch))
    assert repr(rt.tensor([1.5])) == "tensor([1.5000])"
    assert repr(rt.tensor([1.5], dtype=rt.float32)) == "tensor([1.5000], dtype=torch.float32)"
    assert repr(rt.tensor([], dtype=rt.float32)) == "tensor([], dtype=torch.float32)"


def test_default_dtype_float16():
    torch.set_default_dtype(torch.float16)
    rt.set_default_dtype(rt.float16)
    for name in ("fixed", "float16", "float64", "empty"):
        assert repr(CASES[name](rt)) == repr(CASES[name](torch)), name


def test_device_suffix():
    """A CPU-only torch cannot make a CUDA tensor: the expected strings follow its rules."""
    values = np.array([1.0, 2.0], dtype=np.float32)
    t = Tensor._wrap(values, rt.float32, device("cuda", 0))
    assert repr(t) == "tensor([1., 2.], device='cuda:0')"
    t = Tensor._wrap(values.astype(np.float64), rt.float64, device("cuda", 1))
    t._requires_grad = True
    expected = "tensor([1., 2.], device='cuda:1', dtype=torch.float64, requires_grad=True)"
    assert repr(t) == expected
    t = Tensor._wrap(np.zeros((0, 2), np.int64), rt.int64, device("cuda"))
    assert repr(t) == "tensor([], device='cuda:0', size=(0, 2), dtype=torch.int64)"


def test_parameter_repr():
    expected = repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert printing.parameter_repr(rt.tensor([1.0, 2.0], requires_grad=True)) == expected


def test_nn_parameter_matches_torch():
    parameter = pytest.importorskip("conformance.reference.nn.parameter").Parameter

    class Mine(parameter):
        pass

    class TorchMine(torch.nn.Parameter):
        pass

    for requires_grad in (True, False):
        ours = parameter(rt.tensor([[1.0, 2.5]], dtype=rt.float64), requires_grad)
        theirs = torch.nn.Parameter(torch.tensor([[1.0, 2.5]], dtype=torch.float64), requires_grad)
        assert repr(ours) == repr(theirs)
    # a subclass prints under its own name, wrapped in Parameter(...)
    expected = repr(TorchMine(torch.tensor([1.0, 2.0]))).replace("TorchMine", "Mine")
    assert repr(Mine(rt.tensor([1.0, 2.0]))) == expected


def test_subclass_prefix():
    class Mine(Tensor):
        pass

    class TorchMine(torch.Tensor):
        pass

    t = Tensor._wrap(np.array([1.0, 2.5], np.float32), rt.float32)
    t.__class__ = Mine
    assert repr(t) == repr(torch.tensor([1.0, 2.5]).as_subclass(TorchMine)).replace(
        "TorchMine", "Mine"
    )


# -- random arrays ---------------------------------------------------------------------------

_MAGNITUDES = st.floats(min_value=-8, max_value=8).map(lambda e: 10.0**e)
_VALUES = st.one_of(
    st.tuples(st.sampled_from([-1.0, 1.0]), _MAGNITUDES).map(lambda p: p[0] * p[1]),
    st.integers(-1000, 1000).map(float),
    st.sampled_from([0.0, -0.0, NAN, INF, -INF, 0.5, -1.25]),
)
_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)
_DTYPES = ("float32", "float64", "float16", "bfloat16")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=hnp.arrays(np.float64, _SHAPES, elements=_VALUES),
    dtype=st.sampled_from(_DTYPES),
    requires_grad=st.booleans(),
)
def test_random_float_arrays_match_torch(values, dtype, requires_grad):
    expected = torch.tensor(values.tolist(), dtype=torch.float64).to(getattr(torch, dtype))
    # Build ours from torch's rounded values: each is exact in float64 and in `dtype`, so the
    # conversion cannot differ (torch rounds float64 to float16 through float32).
    exact = expected.to(torch.float64).tolist()
    ours = rt.tensor(exact, dtype=rt.float64).to(getattr(rt, dtype))
    expected.requires_grad_(requires_grad)
    ours.requires_grad_(requires_grad)
    assert repr(ours) == repr(expected)


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(np.float64, _SHAPES, elements=_VALUES),
    precision=st.integers(0, 8),
    threshold=st.integers(0, 50),
    edgeitems=st.integers(0, 3),
    linewidth=st.integers(1, 100),
    sci_mode=st.sampled_from([None, True, False]),
)
def test_random_options_match_torch(values, precision, threshold, edgeitems, linewidth, sci_mode):
    options = dict(
        precision=precision,
        threshold=threshold,
        edgeitems=edgeitems,
        linewidth=linewidth,
        sci_mode=sci_mode,
    )
    torch.set_printoptions(**options)
    printing.set_printoptions(**options)
    try:
        assert repr(rt.tensor(values.tolist())) == repr(torch.tensor(values.tolist()))
    finally:
        torch.set_printoptions(profile="default")
        printing.set_printoptions(profile="default")
