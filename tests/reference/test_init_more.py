"""nn.init's trunc_normal_, orthogonal_, dirac_, sparse_ and the deprecated aliases, against torch.

The reference engine's random numbers are not PyTorch's, so random initialisers are compared
by what they guarantee (bounds, orthogonality, zeros per column) and by statistics of large
draws, beside torch's own draws; deterministic ones (dirac_, the aliases of constant_ and
eye_) are compared value for value. Errors, warnings and the number of in-place writes (the
version counter) are compared with torch's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref


def _both(call):
    """call(lib) on each engine: (torch's, the reference's)."""
    return call(torch), call(ref)


def _writes(lib, shape: tuple, init) -> tuple:
    t = lib.empty(*shape)
    start = t._version
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        init(lib, t)
    return t, t._version - start


def _truncated_moments(mean: float, std: float, a: float, b: float) -> tuple:
    """Mean and standard deviation of N(mean, std) truncated to [a, b]."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    var = std**2 * (
        1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - ((pdf(alpha) - pdf(beta)) / z) ** 2
    )
    return m, math.sqrt(var)


@pytest.mark.parametrize(
    "mean, std, a, b",
    [(0.0, 1.0, -2.0, 2.0), (1.0, 0.5, 0.0, 1.2), (0.0, 1.0, 1.5, 4.0), (0.0, 2.0, -0.1, 0.1)],
    ids=str,
)
def test_trunc_normal_stays_in_bounds_with_the_truncated_moments(mean, std, a, b) -> None:
    """Both of PyTorch's samplers (redraw when [a, b] holds over 30% of the mass, else accept
    or reject uniform draws): in bounds, mean and std of the truncated normal, like torch's."""
    expected_mean, expected_std = _truncated_moments(mean, std, a, b)
    for lib in (torch, ref):
        lib.manual_seed(0)  # a 3-sigma bound on 40000 draws: unseeded, it failed now and then
        t, writes = _writes(
            lib, (200, 200), lambda L, t: L.nn.init.trunc_normal_(t, mean, std, a, b)
        )
        x = t.numpy().astype(np.float64)
        assert a <= x.min() and x.max() <= b and t.dtype == lib.float32
        assert abs(x.mean() - expected_mean) < 0.01 * std
        assert abs(x.std() - expected_std) < 0.01 * std
        assert writes == 2  # a draw and, since some draws were redone, a copy


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("a, b", [(-0.3, 0.7), (1.3, 3.3)], ids=str)
def test_trunc_normal_stays_within_the_bounds_rounded_to_the_dtype(dtype: str, a, b) -> None:
    """-0.3 is -0.30004883 in float16: values reach the rounded bound, in torch as here."""
    for lib in (torch, ref):
        kind = getattr(lib, dtype)
        t = lib.nn.init.trunc_normal_(lib.empty(5000, dtype=kind), 0.0, 1.0, a, b)
        lo, hi = lib.tensor(a, dtype=kind).item(), lib.tensor(b, dtype=kind).item()
        x = t.double().numpy()
        assert t.dtype == kind and lo <= x.min() and x.max() <= hi and x.std() > 0.1


def test_trunc_normal_warns_when_the_mean_is_far_from_the_bounds() -> None:
    def caught(lib):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            lib.nn.init.trunc_normal_(lib.empty(10), mean=5.0, std=1.0, a=-1.0, b=1.0)
        return [(c.category, str(c.message)) for c in seen]

    theirs, ours = _both(caught)
    assert ours == theirs and len(ours) == 1


def test_trunc_normal_is_reproducible_under_manual_seed() -> None:
    draws = []
    for _ in range(2):
        ref.manual_seed(3)
        draws.append(ref.nn.init.trunc_normal_(ref.empty(50), std=0.02).numpy())
    np.testing.assert_array_equal(*draws)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3, 2), (2, 12)], ids=str)
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(shape: tuple, gain: float) -> None:
    for lib in (torch, ref):
        t, writes = _writes(lib, shape, lambda L, t: L.nn.init.orthogonal_(t, gain))
        m = t.numpy().astype(np.float64).reshape(shape[0], -1)
        gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-5)
        assert writes == 2  # copy_ then mul_(gain)


def test_orthogonal_is_haar_so_entries_are_centred() -> None:
    """R's diagonal fixes the columns' signs: without it, QR's sign convention biases Q."""
    firsts = [ref.nn.init.orthogonal_(ref.empty(3, 3))[0, 0].item() for _ in range(2000)]
    assert abs(np.mean(firsts)) < 0.05 and abs(np.mean(np.square(firsts)) - 1 / 3) < 0.03


def test_orthogonal_of_an_empty_tensor_is_a_no_op() -> None:
    theirs, ours = _both(lambda L: _writes(L, (0, 3), lambda L, t: L.nn.init.orthogonal_(t))[1])
    assert ours == theirs == 0


@pytest.mark.parametrize(
    "shape, groups",
    [((4, 3, 3), 1), ((2, 5, 5), 1), ((6, 4, 3, 3), 2), ((4, 4, 2, 3, 5), 1), ((6, 2, 3), 3)],
    ids=str,
)
def test_dirac_matches_torch_value_for_value(shape: tuple, groups: int) -> None:
    (t_t, writes_t), (t_r, writes_r) = _both(
        lambda L: _writes(L, shape, lambda L, t: L.nn.init.dirac_(t, groups))
    )
    np.testing.assert_array_equal(t_r.numpy(), t_t.numpy())
    assert writes_r == writes_t


def test_dirac_keeps_a_convolution_the_identity() -> None:
    w = ref.nn.init.dirac_(ref.empty(3, 3, 3, 3))
    x = ref.randn(1, 3, 5, 5)
    np.testing.assert_allclose(ref.nn.functional.conv2d(x, w, padding=1).numpy(), x.numpy())


@pytest.mark.parametrize("sparsity", [0.1, 0.5, 0.0, 1.0])
def test_sparse_zeros_a_fraction_of_each_column(sparsity: float) -> None:
    for lib in (torch, ref):
        t, writes = _writes(lib, (40, 300), lambda L, t: L.nn.init.sparse_(t, sparsity, std=0.1))
        x = t.numpy()
        assert ((x == 0).sum(axis=0) == math.ceil(sparsity * 40)).all()
        if sparsity < 1:
            assert abs(x[x != 0].std() - 0.1) < 0.005 and abs(x[x != 0].mean()) < 0.005
        assert writes == 1 + 300  # normal_, then one write per column


def _error(lib, call):
    try:
        call(lib)
    except ValueError as e:
        return str(e)
    return None


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.nn.init.dirac_(L.empty(3, 3)),
        lambda L: L.nn.init.dirac_(L.empty(3, 3, 3, 3, 3, 3)),
        lambda L: L.nn.init.dirac_(L.empty(5, 3, 3), groups=2),
        lambda L: L.nn.init.orthogonal_(L.empty(4)),
        lambda L: L.nn.init.sparse_(L.empty(4, 4, 4), 0.5),
        lambda L: L.nn.init.sparse_(L.empty(4), 0.5),
    ],
)
def test_errors_match_torch(call) -> None:
    theirs, ours = _both(lambda L: _error(L, call))
    assert ours == theirs != None  # noqa: E711


@pytest.mark.parametrize(
    "name, args",
    [
        ("uniform", ()),
        ("normal", ()),
        ("constant", (0.25,)),
        ("eye", ()),
        ("dirac", ()),
        ("xavier_uniform", ()),
        ("xavier_normal", ()),
        ("kaiming_uniform", ()),
        ("kaiming_normal", ()),
        ("orthogonal", ()),
        ("sparse", (0.5,)),
    ],
)
def test_deprecated_aliases_warn_as_torch_and_do_the_same(name: str, args: tuple) -> None:
    def run(lib):
        t = lib.empty(4, 4) if name != "dirac" else lib.empty(4, 4, 3)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            out = getattr(lib.nn.init, name)(t, *args)
        return out is t, [(c.category, str(c.message)) for c in seen], t.numpy(), seen

    (same_t, warned_t, values_t, seen_t), (same_r, warned_r, values_r, seen_r) = _both(run)
    assert same_r and same_t and warned_r == warned_t
    assert warned_r[0][0] is FutureWarning and seen_r[0].filename == __file__
    assert getattr(ref.nn.init, name).__name__ == getattr(torch.nn.init, name).__name__ == name
    if name in ("constant", "eye", "dirac"):
        np.testing.assert_array_equal(values_r, values_t)


def test_initialisers_leave_a_parameter_a_leaf_that_requires_grad() -> None:
    for init in (
        lambda t: ref.nn.init.trunc_normal_(t),
        lambda t: ref.nn.init.orthogonal_(t),
        lambda t: ref.nn.init.sparse_(t, 0.5),
        lambda t: ref.nn.init.dirac_(t.view(2, 3, 1)),
    ):
        p = ref.nn.Parameter(ref.empty(2, 3))
        init(p)
        assert p.is_leaf and p.requires_grad and p.grad_fn is None
