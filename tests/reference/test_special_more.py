"""torch.special's entr, erfcx, xlog1py, zeta, gammainc/gammaincc, round, the Bessel and Airy
functions added in PyTorch 1.13 and the orthogonal polynomials, against real PyTorch: values
in float64 and float32 on random inputs and at zeros, poles and infinities; result dtypes for
every input dtype and the kernels PyTorch lacks; Python numbers on either side; keyword
names; grad_fn names, and which functions have no derivative at all.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from test_special_functions import _outcome

import conformance.reference as ref

NAN, INF = float("nan"), float("inf")
DTYPES = ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 5.0, -5.0, 8.0, -8.0, 2.09, -2.09]
EDGES += [1e-6, -1e-6, 1e-300, 26.6, -26.6, -26.8, 50.0, 51.0, 6e7, 103.0, 104.0, 800.0, -800.0]
EDGES += [INF, -INF, NAN]

BESSELS = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "spherical_bessel_j0",
]
POLYNOMIALS = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
]
# float64 agrees to a few ulp, except where a function crosses zero (J0, Y1, ...): the
# cancellation there magnifies one ulp of sin or log; atol covers it. float32 kernels compute
# in float32 (PyTorch's with fused multiply-adds), so they agree to a few float32 ulp.
TOLERANCES = {"float64": (1e-12, 1e-14), "float32": (2e-5, 2e-6)}


def _same(ours, theirs, rtol=1e-2, atol=1e-3):
    if isinstance(ours[0], str) and not ours[0].startswith("torch."):
        assert ours == theirs
        return
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=rtol, atol=atol, equal_nan=True)


def _values(name, dtype, *arrays):
    """Our and torch's torch.special.<name> of the arrays (numbers pass through)."""
    ours = getattr(ref.special, name)(
        *[
            ref.tensor(a, dtype=getattr(ref, dtype)) if isinstance(a, np.ndarray) else a
            for a in arrays
        ]
    )
    theirs = getattr(torch.special, name)(
        *[
            torch.tensor(a, dtype=getattr(torch, dtype)) if isinstance(a, np.ndarray) else a
            for a in arrays
        ]
    )
    assert str(ours.dtype) == str(theirs.dtype)
    if dtype == "bfloat16":  # (NumPy has no bfloat16 for torch to hand over)
        return ours.double().numpy(), theirs.double().numpy()
    return ours.numpy(), theirs.numpy()


def _close(name, dtype, *arrays, rtol=None, atol=None):
    ours, theirs = _values(name, dtype, *arrays)
    default_rtol, default_atol = TOLERANCES[dtype]
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True, err_msg=name)


def _random(seed, low, high, size=2000):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(low, high, size), EDGES])


# ---------------------------------------------------------------------------------------------
# entr, erfcx, xlog1py, zeta


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_entr_and_erfcx_values(dtype) -> None:
    x = _random(0, -30, 30)
    _close("entr", dtype, x)
    _close("erfcx", dtype, x, rtol=1e-13 if dtype == "float64" else None)
    _close("erfcx", dtype, _random(1, -1, 1), rtol=1e-13 if dtype == "float64" else None)


def test_entr_half_precision_rounds_once() -> None:
    x = _random(2, 0, 10, 500)
    for dtype in ("float16", "bfloat16"):
        ours, theirs = _values("entr", dtype, x)
        np.testing.assert_array_equal(ours.astype("float64"), theirs.astype("float64"))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_xlog1py_values_with_numbers_on_either_side(dtype) -> None:
    x = _random(3, -5, 5)
    y = np.concatenate([np.random.default_rng(4).uniform(-3, 10, 2000), [0, -1, -1, -2] * 10])
    y = y[: len(x)]
    x[-40:-30] = 0.0  # 0 * log1p(-1) is 0, 0 * log1p(nan) is nan
    y[-30:] = NAN
    _close("xlog1py", dtype, x, y)
    _close("xlog1py", dtype, 2.5, y)
    _close("xlog1py", dtype, x, -1.0)
    _close("xlog1py", dtype, x, NAN)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_zeta_values_poles_and_domain(dtype) -> None:
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.uniform(0.5, 12, 1500), [1, 2, 3, 2, 2, 2, 2, NAN, 4, 2.5, 3, 1, 0.5]])
    q = np.concatenate(
        [rng.uniform(-6, 10, 1500), [1, 1, 1, 0, -1, -1.5, INF, 1, -2.5, -2.5, -3.5, 0, 1]]
    )
    _close("zeta", dtype, x, q)
    _close("zeta", dtype, 3.0, q)
    _close("zeta", dtype, x, 2.0)
    _close("zeta", dtype, x[:, None][:20], q[None, :20])  # broadcast


@pytest.mark.parametrize("name", ["entr", "erfcx"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_result_dtypes_and_missing_kernels(name, dtype) -> None:
    def call(t):
        return getattr(t.special, name)(t.tensor([0, 1, 2]).to(getattr(t, dtype)))

    _same(_outcome(ref, call), _outcome(torch, call))


@pytest.mark.parametrize("name", ["xlog1py", "zeta"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_result_dtypes_and_missing_kernels(name, dtype) -> None:
    def call(t):
        x = t.tensor([2, 3, 4]).to(getattr(t, dtype))
        return getattr(t.special, name)(x, x)

    _same(_outcome(ref, call), _outcome(torch, call))


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.special.xlog1py(t.tensor([1, 2]), 2),
        lambda t: t.special.xlog1py(2, t.tensor([1, 2])),
        lambda t: t.special.zeta(2, t.tensor([1, 2])),
        lambda t: t.special.zeta(t.tensor([2.0, 3.0], dtype=t.float64), 2),
        lambda t: t.special.zeta(t.tensor([2.0, 3.0]), t.tensor(2.0, dtype=t.float64)),
        lambda t: t.special.xlog1py(input=t.tensor([2.0]), other=t.tensor([3.0])),
        lambda t: t.special.zeta(input=t.tensor([2.0]), other=t.tensor([3.0])),
        lambda t: t.special.entr(input=t.tensor([2.0])),
        lambda t: t.special.erfcx(t.zeros(2, 0)),
        lambda t: t.special.zeta(t.tensor(3.0), t.tensor(2.0)),
    ],
)
def test_numbers_keywords_and_shapes(call) -> None:
    _same(_outcome(ref, call), _outcome(torch, call), rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", ["xlog1py", "zeta"])
def test_two_numbers_are_refused(name) -> None:
    def call(t):
        return getattr(t.special, name)(2.0, 3.0)

    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    assert ours[0] == theirs[0] == "TypeError"
    assert ours[1].split(" - ")[0] == theirs[1].split(" - ")[0]


@pytest.mark.parametrize(
    ("call", "node"),
    [
        (lambda t, x: t.special.entr(x), "SpecialEntrBackward0"),
        (lambda t, x: t.special.erfcx(x), "SpecialErfcxBackward0"),
        (lambda t, x: t.special.xlog1py(x, x), "SpecialXlog1PyBackward0"),
        (lambda t, x: t.special.xlog1py(2.0, x), "SpecialXlog1PyBackward1"),
        (lambda t, x: t.special.xlog1py(x, 2.0), "SpecialXlog1PyBackward2"),
        (lambda t, x: t.special.zeta(x, x), "SpecialZetaBackward0"),
        (lambda t, x: t.special.zeta(3.0, x), "SpecialZetaBackward1"),
        (lambda t, x: t.special.zeta(x, 2.0), "SpecialZetaBackward2"),
        (lambda t, x: t.special.gammainc(x, x), "IgammaBackward0"),
        (lambda t, x: t.special.gammaincc(x, x), "IgammacBackward0"),
        (lambda t, x: t.special.round(x), "RoundBackward1"),
        (lambda t, x: t.special.round(x, decimals=0), "RoundBackward1"),
        (lambda t, x: t.round(x), "RoundBackward0"),
    ],
)
def test_grad_fn_names(call, node) -> None:
    for t in (ref, torch):
        x = t.tensor([1.5, 2.5], dtype=t.float64, requires_grad=True)
        assert type(call(t, x).grad_fn).__name__ == node


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.special.zeta(x, x.detach() + 1),
        lambda t, x: t.special.zeta(x, 2.0),
        lambda t, x: t.special.gammainc(x, x.detach()),
    ],
)
def test_derivatives_pytorch_does_not_have(call) -> None:
    outcomes = []
    for t in (ref, torch):
        x = t.tensor([1.5, 2.5], dtype=t.float64, requires_grad=True)
        try:
            call(t, x).sum().backward()
            outcomes.append(None)
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            outcomes.append((type(exc).__name__, str(exc)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0] is not None


def test_gammainc_and_gammaincc_are_igamma_and_igammac() -> None:
    a = np.array([0.5, 2.0, 3.5, 10.0])
    x = np.array([0.1, 2.5, 3.0, 12.0])
    for name in ("gammainc", "gammaincc"):
        _close(name, "float64", a, x)
    for alias, op in (("gammainc", ref.igamma), ("gammaincc", ref.igammac)):
        twin = getattr(ref.special, alias)
        assert twin.forward is op.forward and twin.node is op.node  # (named special_gammainc)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.special.round(t.tensor([0.5, 1.5, 2.5, -0.5, 1.2345])),
        lambda t: t.special.round(t.tensor([0.5, 1.2345, 123.0]), decimals=2),
        lambda t: t.special.round(t.tensor([15.0, 125.0]), decimals=-1),
        lambda t: t.special.round(t.tensor([1, 2])),
        lambda t: t.special.round(t.tensor([1.5]), decimals=1.0),
    ],
)
def test_round(call) -> None:
    _same(_outcome(ref, call), _outcome(torch, call), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["entr", "erfcx", "xlog1py", "zeta", *BESSELS, *POLYNOMIALS])
def test_only_in_torch_special(name) -> None:
    assert hasattr(ref, name) == hasattr(torch, name)
    assert hasattr(ref.Tensor, name) == hasattr(torch.Tensor, name)


# ---------------------------------------------------------------------------------------------
# Bessel and Airy functions


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", BESSELS)
def test_bessel_values(name, dtype) -> None:
    for seed, (low, high) in enumerate([(-30, 30), (-6, 6), (-1e-3, 1e-3), (-120, 120)]):
        x = _random(10 + seed, low, high, 1500)
        if name == "airy_ai":  # it decays as exp(-x^1.5): compare relative to its size
            ours, theirs = _values(name, dtype, x)
            np.testing.assert_allclose(
                ours, theirs, rtol=TOLERANCES[dtype][0] * 10, atol=0, equal_nan=True
            )
        else:
            _close(name, dtype, x)


@pytest.mark.parametrize("name", BESSELS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_bessel_result_dtypes_and_missing_kernels(name, dtype) -> None:
    def call(t):
        return getattr(t.special, name)(t.tensor([0, 1, 2]).to(getattr(t, dtype)))

    _same(_outcome(ref, call), _outcome(torch, call), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", BESSELS)
def test_bessel_functions_have_no_derivative(name) -> None:
    for t in (ref, torch):
        x = t.tensor([0.5, 1.5], requires_grad=True)
        out = getattr(t.special, name)(x)
        assert out.grad_fn is None
        assert not out.requires_grad


@pytest.mark.parametrize("name", BESSELS)
def test_bessel_keywords_and_shapes(name) -> None:
    for keyword in ("input", "x"):

        def call(t, keyword=keyword):
            return getattr(t.special, name)(**{keyword: t.tensor([[0.5, 3.0]])})

        ours, theirs = _outcome(ref, call), _outcome(torch, call)
        if theirs[0] == "TypeError":  # (scaled K, spherical j0 and Ai take only x)
            assert ours[0] == "TypeError"
        else:
            _same(ours, theirs, rtol=1e-6, atol=0)
    for shape in ((), (0,), (2, 0)):

        def empty(t, shape=shape):
            return getattr(t.special, name)(t.ones(shape))

        _same(_outcome(ref, empty), _outcome(torch, empty), rtol=1e-6, atol=0)


# ---------------------------------------------------------------------------------------------
# Orthogonal polynomials


def _degrees(seed, size):
    rng = np.random.default_rng(seed)
    n = rng.integers(-2, 30, size).astype(float)
    n[:100] += 0.5  # truncated toward zero
    n[100:110] = NAN
    n[110:120] = INF
    n[120:130] = -INF
    n[130:140] = 1e30
    n[140:150] = -0.5
    return n


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_values_float64(name) -> None:
    rng = np.random.default_rng(20)
    size = 3000
    x = np.concatenate(
        [rng.uniform(-1.2, 1.2, size), rng.uniform(-0.1, 1.1, size), rng.uniform(-4, 4, size)]
    )
    n = np.concatenate([_degrees(21, size), _degrees(22, size), _degrees(23, size)])
    ends = np.array([0.0, 1.0, -1.0, 0.5, INF, -INF, 2.0, -2.0])
    x = np.concatenate([x, np.repeat(ends, 14)])
    n = np.concatenate([n, np.tile(np.arange(-1, 13.0), len(ends))])
    _close(name, "float64", x, n, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_values_float32(name) -> None:
    """float32 recurrences lose accuracy with the degree; PyTorch's fuse multiply-adds, so the
    comparison is for moderate degrees and relative to the size of the values."""
    rng = np.random.default_rng(30)
    x = np.concatenate([rng.uniform(-1, 1, 2000), rng.uniform(0, 1, 2000)])
    n = rng.integers(0, 12, 4000).astype(float)
    ours, theirs = _values(name, "float32", x, n)
    scale = np.maximum(np.abs(theirs), 1.0)
    np.testing.assert_allclose(ours / scale, theirs / scale, rtol=0, atol=2e-4, equal_nan=True)


@pytest.mark.parametrize("name", ["hermite_polynomial_h", "hermite_polynomial_he"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hermite_is_nan_above_its_degree_limit(name, dtype) -> None:
    x = np.array([0.5, 0.5, 0.5, 0.5, 0.5])
    n = np.array([128.0, 129.0, 512.0, 513.0, 1000.0])
    ours, theirs = _values(name, dtype, x, n)
    assert np.array_equal(np.isnan(ours), np.isnan(theirs))
    assert np.isnan(ours[n > (128 if dtype == "float32" else 512)]).all()


@pytest.mark.parametrize("name", POLYNOMIALS)
@pytest.mark.parametrize(
    "make",
    [
        lambda t: (t.tensor([0.3, 0.5]), t.tensor([2, 3])),
        lambda t: (t.tensor([0.3, 0.5], dtype=t.float64), t.tensor([2, 3])),
        lambda t: (t.tensor([0.3, 0.5]), t.tensor([2.7, -1.0])),
        lambda t: (t.tensor([2, 3]), t.tensor([2, 3])),
        lambda t: (t.tensor([True, False]), t.tensor([2, 3])),
        lambda t: (t.tensor([0.3, 0.5]), 3),
        lambda t: (0.5, t.tensor([2, 3])),
        lambda t: (t.tensor([0.3, 0.5]), 2.5),
        lambda t: (t.tensor([0.3, 0.5]), t.tensor(3.0, dtype=t.float64)),
        lambda t: (t.tensor([0.3, 0.5]).half(), t.tensor([2, 3])),
        lambda t: (t.tensor([0.3, 0.5]).bfloat16(), 2),
        lambda t: (t.tensor([[0.3], [0.5]]), t.tensor([1, 2, 3])),
        lambda t: (t.zeros(0), t.tensor([], dtype=t.int64)),
        lambda t: (t.tensor(0.25), t.tensor(4)),
    ],
)
def test_polynomial_dtypes_numbers_and_shapes(name, make) -> None:
    def call(t):
        return getattr(t.special, name)(*make(t))

    _same(_outcome(ref, call), _outcome(torch, call), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_polynomial_keywords_errors_and_no_derivative(name) -> None:
    def keywords(t):
        return getattr(t.special, name)(x=t.tensor([0.25]), n=t.tensor([3]))

    _same(_outcome(ref, keywords), _outcome(torch, keywords), rtol=1e-6, atol=0)

    def numbers(t):
        return getattr(t.special, name)(0.5, 3)

    ours, theirs = _outcome(ref, numbers), _outcome(torch, numbers)
    assert ours[0] == theirs[0] == "TypeError"
    assert ours[1].split(" - ")[0] == theirs[1].split(" - ")[0]
    for t in (ref, torch):
        out = getattr(t.special, name)(t.tensor([0.5], requires_grad=True), 3)
        assert out.grad_fn is None and not out.requires_grad


# ---------------------------------------------------------------------------------------------
# torch.func.functional_call and stack_module_state


def _models(t):
    """The same small modules in either namespace: a Linear-and-BatchNorm net, one that
    reassigns an attribute in forward, and one with a tied weight."""

    class Net(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = t.nn.Linear(3, 2)
            self.bn = t.nn.BatchNorm1d(2)

        def forward(self, x, scale=1.0):
            return self.bn(self.l1(x)) * scale

    class Counter(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("foo", t.zeros(()))

        def forward(self, x):
            self.foo = self.foo + 1
            return x + self.foo

    class Tied(t.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = t.nn.Linear(2, 2, bias=False)
            self.tied = self.l1.weight

        def forward(self, x):
            return self.l1(x) + x @ self.tied

    t.manual_seed(0)
    return Net(), Counter(), Tied()


def _state(t, net):
    """Fixed values for Net's parameters and buffers (the two engines' random streams differ)."""
    return {
        "l1.weight": t.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], requires_grad=True),
        "l1.bias": t.tensor([0.01, -0.02], requires_grad=True),
    }, {
        "bn.running_mean": t.tensor([0.5, -0.5]),
        "bn.running_var": t.tensor([2.0, 3.0]),
        "bn.num_batches_tracked": t.tensor(4),
    }


def _functional_call_outcome(t):
    net, counter, _ = _models(t)
    params, buffers = _state(t, net)
    x = t.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 2.0], [0.5, 0.5, 0.5]])
    before = {k: v.detach().clone() for k, v in net.state_dict().items()}
    out = t.func.functional_call(net, (params, buffers), (x,), {"scale": 2.0})
    (out * t.tensor([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])).sum().backward()
    after = net.state_dict()
    untouched = all(bool((before[k] == after[k]).all()) for k in before)
    net.eval()
    eval_out = t.func.functional_call(net, {**params, **buffers}, x)
    a = {"foo": t.zeros(())}
    counted = t.func.functional_call(counter, a, t.ones(()))
    return [
        out.detach().numpy(),
        params["l1.weight"].grad.numpy(),
        params["l1.bias"].grad.numpy(),
        buffers["bn.running_mean"].numpy(),
        buffers["bn.running_var"].numpy(),
        int(buffers["bn.num_batches_tracked"]),
        untouched,
        eval_out.detach().numpy(),
        float(counted),
        float(a["foo"]),
        float(counter.foo),
    ]


def test_functional_call_values_gradients_and_state() -> None:
    ours, theirs = _functional_call_outcome(ref), _functional_call_outcome(torch)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)  # (float32 batch norm)
    assert ours[6] is True


def _error_of(call):
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize(
    "call",
    [
        lambda t, net, p, b, x: t.func.functional_call(net, (p, p), x),
        lambda t, net, p, b, x: t.func.functional_call(net, [p, 3], x),
        lambda t, net, p, b, x: t.func.functional_call(net, 3, x),
        lambda t, net, p, b, x: t.func.functional_call(net, p, x, strict=True),
        lambda t, net, p, b, x: t.func.functional_call(net, {**p, **b, "extra": x}, x, strict=True),
        lambda t, net, p, b, x: t.func.functional_call(net, {"l1.nothing.weight": x}, x),
        lambda t, net, p, b, x: t.func.functional_call(net, {"l1.weight": 3.0}, x),
        lambda t, net, p, b, x: t.func.functional_call(net, {"l1.": x}, x),
        lambda t, net, p, b, x: t.stack_module_state if False else t.func.stack_module_state([]),
    ],
)
def test_functional_call_errors(call) -> None:
    outcomes = []
    for t in (ref, torch):
        net, _, _ = _models(t)
        params, buffers = _state(t, net)
        x = t.ones(2, 3)
        outcomes.append(
            _error_of(lambda t=t, net=net, p=params, b=buffers, x=x: call(t, net, p, b, x))
        )
    assert outcomes[0] is not None
    if outcomes[0][0] == "TypeError":  # (the message quotes the object's repr)
        assert outcomes[0][0] == outcomes[1][0]
        assert outcomes[0][1].split(" is not ")[1] == outcomes[1][1].split(" is not ")[1]
    else:
        assert outcomes[0] == outcomes[1]


def _tied_outcome(t):
    _, _, tied = _models(t)
    w = t.tensor([[1.0, 2.0], [3.0, 4.0]])
    x = t.tensor([[1.0, -1.0]])
    results = [
        t.func.functional_call(tied, {"l1.weight": w}, x),
        t.func.functional_call(tied, {"l1.weight": w, "tied": w}, x),
    ]
    error = _error_of(lambda: t.func.functional_call(tied, {"l1.weight": w, "tied": w * 2}, x))
    untied = t.func.functional_call(
        tied, {"l1.weight": w, "tied": w * 2}, x, tie_weights=False
    ).detach()
    # Without tying, the other name keeps the module's own weight.
    plain = x @ w.T + x @ tied.l1.weight.detach()
    lone = t.func.functional_call(tied, {"l1.weight": w}, x, tie_weights=False).detach()
    return [r.detach().numpy() for r in results], error, untied.numpy(), bool((lone == plain).all())


def test_functional_call_tied_weights() -> None:
    ours, theirs = _tied_outcome(ref), _tied_outcome(torch)
    for a, b in zip(ours[0], theirs[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert ours[1] == theirs[1] and ours[1][0] == "ValueError"
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-6)
    assert ours[3] and theirs[3]


def test_functional_call_unexpected_name_is_a_plain_attribute_for_the_call() -> None:
    for t in (ref, torch):

        class Reads(t.nn.Module):
            def forward(self, x):
                return x * self.extra

        module = Reads()
        out = t.func.functional_call(module, {"extra": t.tensor(3.0)}, t.tensor([1.0, 2.0]))
        assert out.tolist() == [3.0, 6.0]
        assert not hasattr(module, "extra")


def _stacked_outcome(t):
    t.manual_seed(0)
    models = [t.nn.Linear(3, 2) for _ in range(4)]
    for i, m in enumerate(models):
        with t.no_grad():
            m.weight.fill_(i)
            m.bias.fill_(-i)
    params, buffers = t.func.stack_module_state(models)
    shapes = {k: tuple(v.shape) for k, v in params.items()}
    leaves = [(v.is_leaf, v.requires_grad, v.grad_fn is None) for v in params.values()]

    def one(p, b, x):
        return t.func.functional_call(models[0], (p, b), (x,))

    data = t.ones(5, 3)
    out = t.vmap(one, (0, 0, None))(params, buffers, data)
    bn = [t.nn.BatchNorm1d(2) for _ in range(2)]
    _, bn_buffers = t.func.stack_module_state(bn)
    bn_shapes = {k: (tuple(v.shape), v.requires_grad) for k, v in bn_buffers.items()}
    mixed = [t.nn.Linear(1, 1), t.nn.Linear(1, 1)]
    mixed[1].weight.requires_grad_(False)
    errors = [
        _error_of(lambda: t.func.stack_module_state(mixed)),
        _error_of(lambda: t.func.stack_module_state([t.nn.Linear(1, 1), t.nn.Linear(1, 1).eval()])),
        _error_of(lambda: t.func.stack_module_state([t.nn.Linear(1, 1), t.nn.Tanh()])),
    ]
    return list(params), shapes, leaves, out.detach().numpy(), list(buffers), bn_shapes, errors


def test_stack_module_state() -> None:
    ours, theirs = _stacked_outcome(ref), _stacked_outcome(torch)
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b)
        else:
            assert a == b


# ---------------------------------------------------------------------------------------------
# torch.testing.make_tensor: layout, ranges and errors (values are random, so not compared)

MAKE_DTYPES = [*DTYPES, "int8", "int16", "complex64", "complex128"]


def _made(t, *shape, **kwargs):
    """What make_tensor gives, without its random values: dtype, shape, strides, contiguity,
    grad flags, and whether every value lies in the range asked for."""
    dtype = getattr(t, kwargs.pop("dtype"))
    low, high = kwargs.get("low"), kwargs.get("high")
    try:
        out = t.testing.make_tensor(*shape, dtype=dtype, device="cpu", **kwargs)
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return type(exc).__name__, str(exc)
    values = out.detach()
    # (The engine's complex support stops at creation and arithmetic: no .real or .imag, so
    # complex ranges are not checked here.)
    parts = [] if dtype.is_complex else [values]
    if dtype == t.bool:
        parts = [values.to(t.int64)]
    in_range = True
    for part in parts:
        if not part.numel():
            continue
        smallest, largest = float(part.min()), float(part.max())
        if part.dtype.is_floating_point:  # [low, high], high itself by rounding
            in_range &= (low is None or smallest >= low) and (high is None or largest <= high)
        else:  # [ceil(low), ceil(high))
            in_range &= (low is None or smallest >= math.ceil(low)) and (
                high is None or largest < math.ceil(high)
            )
    has_zero = bool((values == 0).any()) if values.numel() else False
    return (
        str(out.dtype),
        tuple(out.shape),
        out.stride(),
        out.is_contiguous(),
        out.requires_grad,
        out.is_leaf,
        in_range,
        has_zero if kwargs.get("exclude_zero") else None,
    )


@pytest.mark.parametrize("dtype", MAKE_DTYPES)
@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((2, 3), {}),
        (((4, 5),), {"noncontiguous": True}),
        (([1],), {"noncontiguous": True}),
        ((), {}),
        ((0, 3), {}),
        ((20, 20), {"exclude_zero": True, "low": -1, "high": 2}),
        ((3, 4), {"low": 2, "high": 5}),
        ((3, 4), {"low": 0.5, "high": 3.5}),
        ((2, 3), {"requires_grad": True}),
        ((2, 3), {"requires_grad": True, "noncontiguous": True}),
        ((2, 3, 4, 5), {"memory_format": "channels_last"}),
        ((2, 3), {"noncontiguous": True, "memory_format": "channels_last"}),
        ((2,), {"low": 5, "high": 5}),
        ((2,), {"low": 5, "high": 1}),
        ((2,), {"low": NAN}),
        ((2,), {"low": -1e300, "high": 1e300}),
        ((2,), {"low": 300, "high": 400}),
    ],
)
def test_make_tensor(dtype, shape, kwargs) -> None:
    def run(t):
        given = dict(kwargs)
        if "memory_format" in given:
            given["memory_format"] = getattr(t, given["memory_format"])
        with __import__("warnings").catch_warnings(record=True) as caught:
            __import__("warnings").simplefilter("always")
            out = _made(t, *shape, dtype=dtype, **given)
        return out, [str(w.message) for w in caught if w.category is FutureWarning]

    ours, theirs = run(ref), run(torch)
    assert ours == theirs


def test_make_tensor_draws_across_its_default_range() -> None:
    for dtype, (low, high) in [
        ("bool", (0, 1)),
        ("uint8", (0, 9)),
        ("int64", (-9, 9)),
        ("float64", (-9, 9)),
    ]:
        out = ref.testing.make_tensor(4000, dtype=getattr(ref, dtype), device="cpu")
        values = out.to(ref.float64)
        assert float(values.min()) >= low and float(values.max()) <= high
        assert float(values.min()) < low + 1 and float(values.max()) > high - 1
