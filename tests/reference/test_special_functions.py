"""The special functions (conformance/reference/ops/gamma_functions.py, normal_distribution.py,
bessel_functions.py and matrix_exponential.py, and the torch.special namespace) against real
PyTorch: values to a few ulp in float64 over wide ranges and at the poles, zeros and
infinities; result dtypes for every input dtype and the kernels PyTorch lacks;
argument errors; in-place methods; grad_fn names; and the matrix exponential's degree choice,
batches, trivial sizes and errors.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import conformance.reference as ref

NAN, INF = float("nan"), float("inf")
DTYPES = ["bool", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "float64"]
EDGES = [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, 0.5, -0.5, -2.5, INF, -INF, NAN, 1e-300, 1e300, 1e-30]
EDGES += [171.7, 1e10, -1e10, 3.0, 10.0, 8.0, -8.0, 2.0**52, -(2.0**52) - 1, 0.7, -1e-5]


def _outcome(t, call):
    """(dtype, shape, values) of call(t), or the error it raised as (type name, message)."""
    try:
        out = call(t)
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))
    values = out.double() if out.dtype.is_floating_point else out
    return (str(out.dtype), tuple(out.shape), values.tolist())


def _same(ours, theirs):
    if isinstance(ours[0], str) and not ours[0].startswith("torch."):
        assert ours == theirs
        return
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-2, atol=1e-3, equal_nan=True)


def _ulps(ours: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Distance in units in the last place of PyTorch's value (0 where both agree exactly,
    infinities and nan included)."""
    same = (ours == theirs) | (np.isnan(ours) & np.isnan(theirs))
    with np.errstate(all="ignore"):
        distance = np.abs(ours - theirs) / np.spacing(np.abs(theirs))
    return np.where(same, 0.0, distance)


FUNCTIONS = {
    "lgamma": lambda t, x: t.lgamma(x),
    "digamma": lambda t, x: t.digamma(x),
    "polygamma-1": lambda t, x: t.polygamma(1, x),
    "polygamma-2": lambda t, x: t.polygamma(2, x),
    "polygamma-4": lambda t, x: x.polygamma(4),
    "mvlgamma-3": lambda t, x: t.mvlgamma(x, 3),
    "erfinv": lambda t, x: t.erfinv(x),
    "i0": lambda t, x: t.i0(x),
    "i0e": lambda t, x: t.special.i0e(x),
    "i1": lambda t, x: t.special.i1(x),
    "i1e": lambda t, x: t.special.i1e(x),
    "ndtri": lambda t, x: t.special.ndtri(x),
    "log_ndtr": lambda t, x: t.special.log_ndtr(x),
    "ndtr": lambda t, x: t.special.ndtr(x),
}

# Where each function's inputs are drawn, and how many ulp from PyTorch's float64 values the
# engine may be there. lgamma is PyTorch's C library's (glibc: fdlibm, plus its own expansions
# around the zeros of lgamma below -2, where absolute errors of 1e-16 are many ulp); away from
# those the engine's port of fdlibm agrees to 2 ulp. polygamma's zeta sums cancel near the
# poles. The Bessel functions' Chebyshev sums fuse their multiply-adds as PyTorch's compiled
# kernels do, which makes them exact.
RANGES = {
    "lgamma": ((0.0, 40.0), 3),
    "digamma": ((-30.0, 30.0), 3),
    "polygamma-1": ((-30.0, 30.0), 3),
    "polygamma-2": ((0.0, 30.0), 8),
    "polygamma-4": ((0.0, 30.0), 8),
    "mvlgamma-3": ((1.0, 40.0), 4),
    "erfinv": ((-1.0, 1.0), 5),
    "i0": ((-30.0, 30.0), 0),
    "i0e": ((-30.0, 30.0), 0),
    "i1": ((-30.0, 30.0), 0),
    "i1e": ((-30.0, 30.0), 0),
    "ndtri": ((0.0, 1.0), 4),
    "log_ndtr": ((-40.0, 5.0), 6),
}


@pytest.mark.parametrize("name", list(RANGES))
def test_float64_values_are_within_a_few_ulp_of_torch(name: str) -> None:
    (low, high), bound = RANGES[name]
    x = np.random.default_rng(0).uniform(low, high, 3000)
    call = FUNCTIONS[name]
    ours = call(ref, ref.tensor(x)).numpy()
    theirs = call(torch, torch.tensor(x)).numpy()
    assert _ulps(ours, theirs).max() <= bound


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e"])
def test_float32_bessel_functions_are_torchs_to_the_bit(name: str) -> None:
    """In float32 PyTorch sums the series in float32 (i1 and i1e over fewer terms), so i0(0) is
    0.99999994. The engine agrees bit for bit except where glibc's expf is not correctly
    rounded (about 0.06% of arguments: one ulp of exp, up to two in the result after i1's two
    products); a nan stays nan in the scaled forms."""
    x = np.concatenate([np.linspace(-30, 30, 6001), [0.0, 1.0, 2.0, np.nan]]).astype(np.float32)
    call = FUNCTIONS[name]
    ours = call(ref, ref.tensor(x)).numpy()
    theirs = call(torch, torch.tensor(x)).numpy()
    differ = ~((ours == theirs) | (np.isnan(ours) & np.isnan(theirs)))
    assert differ.sum() <= 12
    assert _ulps(ours[differ], theirs[differ]).max(initial=0) <= 2
    assert ours[-4:-1].tolist() == theirs[-4:-1].tolist()
    assert np.isnan(ours[-1])


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_poles_zeros_and_infinities_are_torchs(name: str) -> None:
    """+-inf and nan exactly where PyTorch gives them (digamma's signed infinities at the
    signed zeros, trigamma's huge finite values at the negative integers, lgamma's +inf at
    -inf), and the finite values close."""
    call = FUNCTIONS[name]
    ours = call(ref, ref.tensor(EDGES, dtype=ref.float64)).numpy()
    theirs = call(torch, torch.tensor(EDGES, dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(theirs))
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_result_dtype_and_refusals_are_torchs(name: str, dtype: str) -> None:
    """Integers and bools give the default float dtype; ndtri and log_ndtr have no half
    precision kernel; mvlgamma refuses bools by name."""
    values = [0.25, 1.0, 3.0, 0.0]
    call = FUNCTIONS[name]
    ours = _outcome(ref, lambda t: call(t, t.tensor(values).to(getattr(t, dtype))))
    theirs = _outcome(torch, lambda t: call(t, t.tensor(values).to(getattr(t, dtype))))
    _same(ours, theirs)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_empty_and_zero_dim_shapes(name: str) -> None:
    call = FUNCTIONS[name]
    for values in (np.zeros((0, 3)), np.array(0.75)):
        ours = _outcome(ref, lambda t, v=values: call(t, t.tensor(v)))
        theirs = _outcome(torch, lambda t, v=values: call(t, t.tensor(v)))
        _same(ours, theirs)


def test_float32_values_agree_with_torch() -> None:
    x = np.random.default_rng(1).uniform(0.05, 20, 2000).astype(np.float32)
    for name, call in FUNCTIONS.items():
        if name in ("erfinv", "ndtri"):
            v = x / 21
        elif name == "mvlgamma-3":
            v = x + 1
        else:
            v = x
        ours = call(ref, ref.tensor(v)).numpy()
        theirs = call(torch, torch.tensor(v)).numpy()
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=1e-7, err_msg=name)


ERRORS = [
    lambda t: t.polygamma(-1, t.tensor([1.0])),
    lambda t: t.polygamma(1.5, t.tensor([1.0])),
    lambda t: t.polygamma(1, 2.0),
    lambda t: t.mvlgamma(t.tensor([1.0]), 0),
    lambda t: t.mvlgamma(t.tensor([True]), 1),
    lambda t: t.erfinv(t.tensor([0.5 + 1j])),
    lambda t: t.i0(t.tensor([0.5 + 1j])),
    lambda t: t.lgamma(t.tensor([0.5 + 1j])),
    lambda t: t.polygamma(0, t.tensor([0.5 + 1j])),
    lambda t: t.polygamma(1, t.tensor([0.5 + 1j])),
    lambda t: t.polygamma(3, t.tensor([0.5 + 1j])),
    lambda t: t.mvlgamma(t.tensor([0.5 + 1j]), 2),
    lambda t: t.special.ndtr(t.tensor([0.5 + 1j])),
    lambda t: t.special.i1e(t.tensor([0.5 + 1j])),
    lambda t: t.special.ndtri(t.tensor([0.5], dtype=t.float16)),
    lambda t: t.special.log_ndtr(t.tensor([0.5], dtype=t.bfloat16)),
    lambda t: t.tensor([1, 2]).lgamma_(),
    lambda t: t.tensor([1, 2]).erfinv_(),
    lambda t: t.tensor([1, 2]).polygamma_(1),
    lambda t: t.tensor([1, 2]).mvlgamma_(1),
    lambda t: t.matrix_exp(t.ones(3)),
    lambda t: t.matrix_exp(t.ones(2, 3)),
    lambda t: t.ones(2, 3).matrix_exp(),
    lambda t: t.matrix_exp(t.ones(2, 2, dtype=t.int64)),
    lambda t: t.matrix_exp(t.ones(2, 2, dtype=t.bool)),
]


@pytest.mark.parametrize("call", ERRORS, ids=range(len(ERRORS)))
def test_misuse_raises_torchs_error(call) -> None:
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    assert ours == theirs
    assert not ours[0].startswith("torch.")  # (each of these is an error)


IN_PLACE = [
    lambda x: x.lgamma_(),
    lambda x: x.digamma_(),
    lambda x: x.polygamma_(2),
    lambda x: x.mvlgamma_(2),
    lambda x: x.erfinv_(),
    lambda x: x.i0_(),
]


@pytest.mark.parametrize("call", IN_PLACE, ids=range(len(IN_PLACE)))
def test_in_place_methods_write_into_self(call) -> None:
    seen = []
    for t in (ref, torch):
        x = t.tensor([0.3, 2.5, 0.9], dtype=t.float64)
        version = x._version
        out = call(x)
        seen.append((out is x, x._version - version, x.tolist()))
    assert seen[0][:2] == seen[1][:2] == (True, 1)
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-14)


SPECIAL_ALIASES = [
    ("gammaln", "lgamma"),
    ("psi", "digamma"),
    ("digamma", "digamma"),
    ("multigammaln", "mvlgamma"),
    ("expit", "sigmoid"),
    ("erfinv", "erfinv"),
    ("i0", "i0"),
    ("erf", "erf"),
    ("erfc", "erfc"),
    ("exp2", "exp2"),
    ("expm1", "expm1"),
    ("log1p", "log1p"),
    ("sinc", "sinc"),
    ("logit", "logit"),
]


@pytest.mark.parametrize(("special", "name"), SPECIAL_ALIASES)
def test_special_names_are_the_torch_functions(special: str, name: str) -> None:
    """torch.special.gammaln is torch.lgamma under SciPy's name: same values, same node."""
    args = (3,) if special == "multigammaln" else ()
    seen = []
    for t in (ref, torch):
        x = t.tensor([0.2, 0.6, 2.5], dtype=t.float64, requires_grad=True)
        a = getattr(t.special, special)(x, *args)
        b = getattr(t, name)(x, *args)
        seen.append((a.grad_fn.name(), b.grad_fn.name(), a.tolist(), b.tolist()))
    assert seen[0][0] == seen[0][1] == seen[1][0]
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-13)


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x: t.special.softmax(x, 0),
        lambda t, x: t.special.log_softmax(x, 0),
        lambda t, x: t.special.logsumexp(x, 0),
        lambda t, x: t.special.xlogy(x, x + 1),
        lambda t, x: t.special.polygamma(2, x),
    ],
)
def test_special_reductions_and_binary_ops(call) -> None:
    seen = []
    for t in (ref, torch):
        x = t.tensor([0.2, 0.6, 2.5], dtype=t.float64, requires_grad=True)
        out = call(t, x)
        seen.append((out.grad_fn.name(), out.tolist()))
    assert seen[0][0] == seen[1][0]
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-13)


def test_ndtr_is_recorded_as_torch_composes_it() -> None:
    """ndtr is (1 + erf(x / sqrt 2)) * 0.5 in C++: its graph is MulBackward1 over AddBackward1
    over ErfBackward0 over MulBackward1."""
    chains = []
    for t in (ref, torch):
        x = t.tensor([0.3], requires_grad=True)
        node, chain = t.special.ndtr(x).grad_fn, []
        while node is not None and node.name() != "torch::autograd::AccumulateGrad":
            chain.append(node.name())
            node = node.next_functions[0][0]
        chains.append(chain)
    assert chains[0] == chains[1]


def test_mvlgamma_gradient_and_poles() -> None:
    """d/dx mvlgamma(x, p) = sum_j digamma(x - j/2); inf where any term meets a pole (PyTorch
    no longer refuses x <= (p - 1) / 2)."""
    seen = []
    for t in (ref, torch):
        x = t.tensor([0.5, 1.0, 0.75, 3.0], dtype=t.float64, requires_grad=True)
        y = t.mvlgamma(x, 2)
        y[2:].sum().backward()
        seen.append((y.detach().tolist(), x.grad.tolist()))
    np.testing.assert_allclose(seen[0][0], seen[1][0], rtol=1e-14)
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-13)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_polygamma_gradient_is_the_next_polygamma(n: int) -> None:
    seen = []
    for t in (ref, torch):
        x = t.tensor([-1.5, 0.3, 2.0, 7.5], dtype=t.float64, requires_grad=True)
        (g,) = t.autograd.grad(t.polygamma(n, x).sum(), x, create_graph=True)
        (h,) = t.autograd.grad(g.sum(), x)
        seen.append((g.grad_fn.name(), g.tolist(), h.tolist()))
    assert seen[0][0] == seen[1][0]
    np.testing.assert_allclose(seen[0][1], seen[1][1], rtol=1e-13)
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-12)


@pytest.mark.parametrize("name", ["i1", "i1e"])
def test_i1_derivative_at_zero_is_one_half(name: str) -> None:
    """I1'(0) = 1/2, where I0(x) - I1(x)/x would be 0/0: PyTorch substitutes it for |x| up to
    the dtype's epsilon."""
    for dtype in ("float32", "float64"):
        grads = []
        for t in (ref, torch):
            x = t.tensor([0.0, 1e-9, -1e-20, 0.5], dtype=getattr(t, dtype), requires_grad=True)
            getattr(t.special, name)(x).sum().backward()
            grads.append(x.grad.tolist())
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)


# -- the matrix exponential ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("scale", [1e-20, 1e-9, 1e-5, 1e-2, 0.2, 0.8, 3.0, 40.0])
def test_matrix_exp_matches_torch_at_every_degree(scale: float, dtype: str) -> None:
    """The 1-norm picks the Taylor degree of one matrix (1, 2, 4, 8, 12 or 18 with scaling
    and squaring): PyTorch's degree 8 is accurate only to ~1e-12 near its bound, so the same
    degree must be chosen to agree to rounding."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, 4)) * scale / 4
    ours = ref.matrix_exp(ref.tensor(a).to(getattr(ref, dtype))).numpy()
    theirs = torch.matrix_exp(torch.tensor(a).to(getattr(torch, dtype))).numpy()
    assert ours.dtype == theirs.dtype
    tol = 1e-14 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * np.abs(theirs).max())


def test_matrix_exp_takes_degree_18_for_every_matrix_of_a_batch() -> None:
    """In a batch of more than one matrix PyTorch skips the degree choice: each one gets
    degree 18 with scaling and squaring, more accurate than degree 8 alone."""
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 3, 3)) * 0.015  # 1-norms near degree 8's bound
    ours = ref.matrix_exp(ref.tensor(a)).numpy()
    theirs = torch.matrix_exp(torch.tensor(a)).numpy()
    alone = np.stack([torch.matrix_exp(torch.tensor(m)).numpy() for m in a])
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-15)
    assert np.abs(alone - theirs).max() > 1e-14  # (so the batch path is what is tested)


@pytest.mark.parametrize(
    "values",
    [
        np.zeros((0, 0)),
        np.ones((2, 1, 1)),
        np.zeros((0, 2, 2)),
        np.array([[NAN, 0.0], [0.0, 1.0]]),
        np.array([[INF, 0.0], [0.0, 1.0]]),
        np.array([[1e300, 0.0], [0.0, 1.0]]),
        np.array([[[NAN, 0.0], [0.0, 1.0]], [[1.0, 2.0], [0.0, 1.0]]]),
        np.zeros((2, 3, 3)),
    ],
    ids=["0x0", "1x1", "empty-batch", "nan", "inf", "huge", "batch-with-nan", "zeros"],
)
def test_matrix_exp_edges(values) -> None:
    ours = _outcome(ref, lambda t: t.matrix_exp(t.tensor(values)))
    theirs = _outcome(torch, lambda t: t.matrix_exp(t.tensor(values)))
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-14, equal_nan=True)


def test_matrix_exp_is_a_new_tensor_with_torchs_node() -> None:
    seen = []
    for t in (ref, torch):
        a = t.tensor([[0.1, 2.0], [0.3, -1.0]], dtype=t.float64, requires_grad=True)
        y = a.matrix_exp()
        seen.append((y.grad_fn.name(), y._base is None, t.matrix_exp(a).tolist()))
    assert seen[0][:2] == seen[1][:2] == ("LinalgMatrixExpBackward0", True)
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-14)


def test_matrix_exp_gradient_of_a_complex_matrix_uses_the_adjoint() -> None:
    a = np.array([[0.3 + 0.2j, 1.0 - 0.5j], [0.1j, -0.4 + 0.1j]])
    g = np.array([[1.0 + 0.5j, -0.3j], [0.2, 0.7 - 0.1j]])
    grads = []
    for t in (ref, torch):
        x = t.tensor(a, requires_grad=True)
        t.matrix_exp(x).backward(t.tensor(g))
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-14, atol=1e-15)


def test_on_the_simulated_cuda_device() -> None:
    """Written against the array namespace only: the same values on a (simulated) CUDA
    device, in a fresh interpreter that turns the simulation on."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import conformance.reference as t
        x = t.tensor([-2.5, -0.5, 0.25, 0.75, 3.0], dtype=t.float64)
        cpu = [f(x).tolist() for f in FUNCTIONS]
        cuda = [f(x.to("cuda")).cpu().tolist() for f in FUNCTIONS]
        m = t.tensor([[[0.1, 2.0], [0.3, -1.0]]] * 2, dtype=t.float64)
        assert m.to("cuda").matrix_exp().device.type == "cuda"
        assert repr(cpu) == repr(cuda), (cpu, cuda)  # (nan != nan)
        """
    ).replace(
        "FUNCTIONS",
        "(t.lgamma, t.digamma, lambda v: t.polygamma(3, v), lambda v: t.mvlgamma(v, 1), "
        "t.special.erfinv, t.special.ndtri, t.special.log_ndtr, t.special.i1e, t.i0)",
    )
    env = {**__import__("os").environ, "CONFORMANCE_SIMULATED_CUDA": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
