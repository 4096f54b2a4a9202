"""Random sampling (conformance/reference/ops/random_sampling.py) against real PyTorch.

The numbers cannot be PyTorch's (its generator is not reproduced), so each call is compared on
what is not random: dtype, shape, grad_fn name, requires_grad, the errors and their messages;
and each distribution is checked on a few thousand seeded draws (support, mean, variance).
logspace is deterministic and compared by value.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

DTYPES = [
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
]


def _observe(result):
    """What does not depend on the draw: dtype, shape, requires_grad, grad_fn name."""
    node = result.grad_fn
    return (
        str(result.dtype),
        tuple(result.shape),
        result.requires_grad,
        None if node is None else type(node).__name__,
    )


def _outcome(t, call):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _observe(call(t))
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))


def _same(call):
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    assert ours == theirs


def _zeros(t, dtype, shape=(3,)):
    return t.zeros(shape, dtype=getattr(t, dtype))


FILLS = [
    ("uniform_", ()),
    ("uniform_", (2.0, 1.0)),
    ("uniform_", (0, float("inf"))),
    ("uniform_", (-1e5, 1e5)),
    ("uniform_", (-3e38, 3e38)),
    ("normal_", ()),
    ("normal_", (0.0, -1.0)),
    ("normal_", (0.0, float("nan"))),
    ("bernoulli_", ()),
    ("bernoulli_", (1.5,)),
    ("bernoulli_", (-0.1,)),
    ("exponential_", ()),
    ("exponential_", (0.0,)),
    ("geometric_", (0.5,)),
    ("geometric_", (1.0,)),
    ("log_normal_", ()),
    ("log_normal_", (1.0, 0.0)),
    ("cauchy_", ()),
    ("cauchy_", (0.0, -1.0)),
    ("random_", ()),
    ("random_", (5,)),
    ("random_", (-3, 5)),
    ("random_", (5, 2)),
    ("random_", (0,)),
    ("random_", (300,)),
    ("random_", (-200, 5)),
    ("random_", (-129, 128)),
    ("random_", (2**17,)),
    ("random_", (100, None)),
    ("random_", (2**62, None)),
    ("random_", (2**25 + 1, 2**25 + 3)),
    ("random_", (1.5,)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "args"), FILLS, ids=[f"{n}{a}" for n, a in FILLS])
def test_fill_dtypes_and_argument_checks_match_torch(name, args, dtype):
    _same(lambda t: getattr(_zeros(t, dtype), name)(*args))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("uniform_", {"from": 1, "to": 2}),
        ("uniform_", {"a": 1}),
        ("normal_", {"mean": 1, "std": 0.5}),
        ("bernoulli_", {"p": 0.25}),
        ("exponential_", {"lambd": 2}),
        ("geometric_", {"p": 0.2}),
        ("log_normal_", {"mean": 0, "std": 1}),
        ("cauchy_", {"median": 0, "sigma": 1}),
        ("random_", {"from": 1, "to": 3}),
        ("random_", {"to": 3}),
    ],
)
def test_fill_keywords_match_torch(name, kwargs):
    _same(lambda t: getattr(t.zeros(3), name)(**kwargs))


@pytest.mark.parametrize(
    ("name", "args", "node"),
    [
        ("uniform_", (), "UniformBackward0"),
        ("normal_", (), "NormalBackward0"),
        ("bernoulli_", (0.3,), "BernoulliBackward2"),
        ("exponential_", (), "ExponentialBackward0"),
        ("geometric_", (0.5,), "GeometricBackward0"),
        ("log_normal_", (), "LogNormalBackward0"),
        ("cauchy_", (), "CauchyBackward0"),
        ("random_", (), "RandomBackward2"),
        ("random_", (4,), "RandomBackward1"),
        ("random_", (1, 4), "RandomBackward0"),
    ],
)
def test_fill_in_place_rules_node_and_zero_gradient(name, args, node):
    for t in (ref, torch):
        leaf = t.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            getattr(leaf, name)(*args)
        y = leaf * 2
        version = y._version
        out = getattr(y, name)(*args)
        assert out is y and y._version == version + 1
        assert type(y.grad_fn).__name__ == node
        y.sum().backward()
        assert leaf.grad.tolist() == [0.0, 0.0, 0.0]
        base = leaf.clone()
        getattr(base[:2], name)(*args)
        assert type(base.grad_fn).__name__.endswith("CopySlices")
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            getattr(t.zeros(1).expand(3), name)(*args)


def test_fill_under_no_grad_keeps_the_leaf_a_leaf():
    for t in (ref, torch):
        leaf = t.zeros(3, requires_grad=True)
        with t.no_grad():
            leaf.uniform_()
        assert leaf.requires_grad and leaf.grad_fn is None and leaf._version == 1


@pytest.mark.parametrize("shape", [(), (0, 3)])
@pytest.mark.parametrize("name", ["uniform_", "normal_", "bernoulli_", "random_", "cauchy_"])
def test_fill_zero_dim_and_empty(name, shape):
    _same(lambda t: getattr(t.zeros(shape), name)())


def test_bernoulli_fill_tensor_p():
    _same(lambda t: t.zeros(2, 3).bernoulli_(t.tensor([0.0, 1.0, 1.0])))
    _same(lambda t: t.zeros(3).bernoulli_(t.tensor([0.5, 1.5, 0.2])))
    _same(lambda t: t.zeros(3).bernoulli_(t.tensor([[0.0, 1.0, 1.0]] * 2)))
    _same(lambda t: t.zeros(3).bernoulli_(t.tensor([0.0, 1.0])))
    _same(lambda t: t.zeros(3).bernoulli_(t.tensor([0, 1, 1])))
    _same(lambda t: t.zeros(3, dtype=t.int64).bernoulli_(t.tensor([0.0, 1.0, 1.0])))
    _same(lambda t: t.zeros(3, dtype=t.complex64).bernoulli_(t.tensor([0.0, 1.0, 1.0])))
    _same(lambda t: t.zeros(3).bernoulli_(t.full((3,), 0.5, requires_grad=True)))
    for t in (ref, torch):
        out = t.zeros(2, 3).bernoulli_(t.tensor([0.0, 1.0, 1.0]))
        assert out.tolist() == [[0.0, 1.0, 1.0]] * 2
        p = t.full((3,), 0.5, requires_grad=True)
        t.zeros(3).bernoulli_(p).sum().backward()
        assert p.grad.tolist() == [0.0, 0.0, 0.0]


def _moments(values):
    a = np.asarray(values, dtype=np.float64)
    return a.mean(), a.var()


N = 20000


def test_fill_distributions():
    ref.manual_seed(0)
    x = ref.empty(N, dtype=ref.float64)
    mean, var = _moments(x.uniform_(2, 5).tolist())
    assert x.min().item() >= 2 and x.max().item() < 5
    assert abs(mean - 3.5) < 0.05 and abs(var - 0.75) < 0.03
    mean, var = _moments(x.normal_(1, 2).tolist())
    assert abs(mean - 1) < 0.06 and abs(var - 4) < 0.2
    values = x.bernoulli_(0.3).tolist()
    assert set(values) == {0.0, 1.0} and abs(np.mean(values) - 0.3) < 0.02
    mean, var = _moments(x.exponential_(2).tolist())
    assert x.min().item() >= 0 and abs(mean - 0.5) < 0.02 and abs(var - 0.25) < 0.03
    values = x.geometric_(0.25).tolist()
    assert min(values) == 1 and all(v == int(v) for v in values)
    assert abs(np.mean(values) - 4) < 0.15 and abs(np.var(values) - 12) < 1.2
    values = np.log(x.log_normal_(1, 0.5).tolist())
    assert abs(values.mean() - 1) < 0.02 and abs(values.var() - 0.25) < 0.02
    values = np.asarray(x.cauchy_(3, 2).tolist())
    assert abs(np.median(values) - 3) < 0.1
    assert abs(np.median(np.abs(values - 3)) - 2) < 0.15  # half the mass within sigma
    z = np.asarray(ref.empty(N, dtype=ref.complex64).normal_(1, 2).tolist())
    assert abs(z.real.mean() - 1) < 0.05 and abs(z.imag.var() - 2) < 0.15


@pytest.mark.parametrize(
    ("dtype", "low", "high"),
    [
        ("bool", 0, 1),
        ("uint8", 0, 255),
        ("int8", 0, 127),
        ("int16", 0, 2**15 - 1),
        ("float16", 0, 2**11),
        ("bfloat16", 0, 2**8),
    ],
)
def test_random_default_range_per_dtype(dtype, low, high):
    """random_() reaches both ends of its range on small dtypes (a float dtype: 2**digits)."""
    ref.manual_seed(1)
    values = ref.empty(N * 5, dtype=getattr(ref, dtype)).random_().double()
    assert values.min().item() == low and values.max().item() == high


def test_random_ranges():
    ref.manual_seed(2)
    values = ref.empty(N, dtype=ref.int64).random_(-3, 5).tolist()
    assert set(values) == set(range(-3, 5))
    values = ref.empty(N, dtype=ref.int8).random_(100, None).tolist()
    assert set(values) == set(range(100, 128))
    big = ref.empty(N, dtype=ref.int64).random_().tolist()
    assert min(big) >= 0 and max(big) > 2**62
    full = ref.empty(N, dtype=ref.int64).random_(-(2**63), None).tolist()
    assert min(full) < -(2**62) and max(full) > 2**62


def test_random_warns_beyond_exact_integers():
    for t in (ref, torch):
        with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]"):
            t.zeros(3).random_(2**25)


NORMAL_CALLS = [
    lambda t: t.normal(t.zeros(2, 3, requires_grad=True), t.ones(3, requires_grad=True)),
    lambda t: t.normal(t.zeros(2, 3), t.ones(3, requires_grad=True)),
    lambda t: t.normal(t.zeros(3, requires_grad=True), 2.0),
    lambda t: t.normal(t.zeros(3, requires_grad=True)),
    lambda t: t.normal(2.0, t.ones(3, requires_grad=True)),
    lambda t: t.normal(2.0, 3.0, (2, 3)),
    lambda t: t.normal(2.0, 3.0, size=(2,), dtype=t.float64, requires_grad=True),
    lambda t: t.normal(mean=t.zeros(3), std=t.ones(3)),
    lambda t: t.normal(t.zeros(3), -1.0),
    lambda t: t.normal(0.0, -t.ones(3)),
    lambda t: t.normal(t.zeros(3), -t.ones(3)),
    lambda t: t.normal(0.0, -1.0, (3,)),
    lambda t: t.normal(t.zeros(2), t.ones(3)),
    lambda t: t.normal(t.zeros(2, 1), t.ones(3)),
    lambda t: t.normal(t.zeros(3, dtype=t.float64), t.ones(3)),
    lambda t: t.normal(t.zeros(3), t.ones(3, dtype=t.int64)),
    lambda t: t.normal(t.zeros(3, dtype=t.int64), t.ones(3)),
    lambda t: t.normal(t.zeros(3, dtype=t.int64), 1.0),
    lambda t: t.normal(t.zeros(3, dtype=t.float16), 1.0),
    lambda t: t.normal(0.0, t.ones(3, dtype=t.float64)),
    lambda t: t.normal(t.tensor(0.0), t.tensor(1.0)),
    lambda t: t.normal(t.zeros(0, 2), t.ones(2)),
    lambda t: t.normal(0.0, 1.0, (2,), dtype=t.int64),
]


@pytest.mark.parametrize("index", range(len(NORMAL_CALLS)))
def test_normal_overloads_match_torch(index):
    _same(NORMAL_CALLS[index])


def test_normal_gradients_are_zero_and_distribution():
    for t in (ref, torch):
        mean = t.zeros(2, 3, requires_grad=True)
        std = t.ones(3, requires_grad=True)
        t.normal(mean, std).sum().backward()
        assert mean.grad.tolist() == [[0.0] * 3] * 2 and std.grad.tolist() == [0.0] * 3
    ref.manual_seed(3)
    draws = ref.normal(
        ref.tensor([[-5.0], [5.0]]), ref.tensor([1.0, 3.0]).repeat(N // 2)[:, None].T
    )
    assert tuple(draws.shape) == (2, N)
    left = np.asarray(draws[0].tolist()).reshape(-1, 2)
    assert abs(left[:, 0].mean() + 5) < 0.06 and abs(left[:, 1].std() - 3) < 0.1
    values = ref.normal(2.0, ref.full((N,), 0.5)).tolist()
    assert abs(np.mean(values) - 2) < 0.02 and abs(np.std(values) - 0.5) < 0.02


BERNOULLI_CALLS = [
    lambda t: t.bernoulli(t.full((3,), 0.5, requires_grad=True)),
    lambda t: t.bernoulli(t.full((3,), 0.5, requires_grad=True), 0.3),
    lambda t: t.bernoulli(t.full((3,), 0.5, requires_grad=True), p=0.3),
    lambda t: t.bernoulli(t.zeros(3), p=1.5),
    lambda t: t.bernoulli(t.tensor([1.5])),
    lambda t: t.bernoulli(t.tensor([float("nan")])),
    lambda t: t.bernoulli(t.tensor([1, 0])),
    lambda t: t.bernoulli(t.tensor([1, 0]), 0.5),
    lambda t: t.bernoulli(t.tensor([1.0, 0], dtype=t.float16)),
    lambda t: t.bernoulli(t.tensor(1.0)),
    lambda t: t.tensor([1.0, 0.0]).bernoulli(),
    lambda t: t.tensor([1.0, 0.0]).bernoulli(0.5),
]


@pytest.mark.parametrize("index", range(len(BERNOULLI_CALLS)))
def test_bernoulli_matches_torch(index):
    _same(BERNOULLI_CALLS[index])


def test_bernoulli_values_and_gradients():
    for t in (ref, torch):
        assert t.bernoulli(t.tensor([1.0, 0.0, 1.0])).tolist() == [1.0, 0.0, 1.0]
        p = t.full((3,), 0.5, requires_grad=True)
        t.bernoulli(p).sum().backward()
        assert p.grad.tolist() == [0.0, 0.0, 0.0]
        with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
            t.bernoulli(p, 0.3).sum().backward()
    ref.manual_seed(4)
    draws = ref.bernoulli(ref.tensor([0.2, 0.7]).repeat(N // 2)).tolist()
    assert abs(np.mean(draws[0::2]) - 0.2) < 0.02 and abs(np.mean(draws[1::2]) - 0.7) < 0.02


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.poisson(t.full((3,), 2.0, requires_grad=True)),
        lambda t: t.poisson(t.tensor([-1.0])),
        lambda t: t.poisson(t.tensor([float("nan")])),
        lambda t: t.poisson(t.tensor([1])),
        lambda t: t.poisson(t.tensor([1.0], dtype=t.float16)),
        lambda t: t.poisson(t.tensor([1.0], dtype=t.float64)),
        lambda t: t.poisson(t.zeros(0, 2)),
    ],
)
def test_poisson_matches_torch(call):
    _same(call)


def test_poisson_values_and_gradient():
    for t in (ref, torch):
        rate = t.tensor([0.0, 2.0, float("inf")], requires_grad=True)
        out = t.poisson(rate)
        assert out.tolist()[0] == 0.0 and out.tolist()[2] == -(2.0**63)
        out.sum().backward()
        assert rate.grad.tolist() == [0.0, 0.0, 0.0]
    ref.manual_seed(5)
    mean, var = _moments(ref.poisson(ref.full((N,), 3.5)).tolist())
    assert abs(mean - 3.5) < 0.06 and abs(var - 3.5) < 0.15


MULTINOMIAL_CALLS = [
    lambda t: t.multinomial(t.tensor([1.0, 2.0, 3.0, 4.0]), 2),
    lambda t: t.multinomial(t.tensor([1.0, 2.0, 3.0, 4.0]), 6, True),
    lambda t: t.multinomial(t.tensor([1.0, 2.0]), num_samples=6, replacement=True),
    lambda t: t.multinomial(t.tensor([1.0, 2.0, 3.0, 4.0]), 5),
    lambda t: t.multinomial(t.tensor([1.0]), 0),
    lambda t: t.multinomial(t.tensor([1.0, -1.0]), 1),
    lambda t: t.multinomial(t.tensor([0.0, 0.0]), 1),
    lambda t: t.multinomial(t.tensor([[1.0, 1.0], [0.0, 0.0]]), 1),
    lambda t: t.multinomial(t.tensor([1.0, float("inf")]), 1),
    lambda t: t.multinomial(t.tensor([1.0, float("nan")]), 1),
    lambda t: t.multinomial(t.tensor([1.0, -1.0]), 2, True),
    lambda t: t.multinomial(t.tensor([1.0, float("inf")]), 2, True),
    lambda t: t.multinomial(t.tensor([1.0, float("nan")]), 2, True),
    lambda t: t.multinomial(t.tensor([0.0, 0.0]), 2, True),
    lambda t: t.multinomial(t.tensor(1.0), 1),
    lambda t: t.multinomial(t.ones(2, 2, 2), 1),
    lambda t: t.multinomial(t.ones(3, 4), 2),
    lambda t: t.multinomial(t.ones(0), 1),
    lambda t: t.multinomial(t.ones(0, 3), 1),
    lambda t: t.multinomial(t.tensor([1, 2]), 1),
    lambda t: t.multinomial(t.tensor([1.0]), 2.0, True),
    lambda t: t.multinomial(t.tensor([1.0, 2.0], dtype=t.float16), 1),
    lambda t: t.multinomial(t.tensor([1.0, 2.0], requires_grad=True), 1),
    lambda t: t.tensor([1.0, 2.0]).multinomial(2),
]


@pytest.mark.parametrize("index", range(len(MULTINOMIAL_CALLS)))
def test_multinomial_matches_torch(index):
    _same(MULTINOMIAL_CALLS[index])


def test_multinomial_distribution():
    ref.manual_seed(6)
    weights = ref.tensor([[0.0, 1.0, 3.0, 6.0], [5.0, 0.0, 0.0, 5.0]])
    draws = np.asarray(ref.multinomial(weights, N, replacement=True).tolist())
    counts = np.stack([np.bincount(row, minlength=4) for row in draws]) / N
    assert np.abs(counts - [[0, 0.1, 0.3, 0.6], [0.5, 0, 0, 0.5]]).max() < 0.02
    rows = np.asarray(ref.multinomial(ref.rand(200, 50) + 0.01, 50).tolist())
    assert all(sorted(row) == list(range(50)) for row in rows)  # no repeats
    # Without replacement, categories with weight come first; the one heavy category is first
    # nearly always.
    firsts = [ref.multinomial(ref.tensor([0.0, 100.0, 1.0, 0.0]), 4).tolist() for _ in range(200)]
    assert all(set(f[:2]) == {1, 2} for f in firsts)
    assert sum(f[0] == 1 for f in firsts) > 190


@pytest.mark.parametrize(
    "args",
    [
        (0, 2, 3),
        (0, 2, 3, 2),
        (-1, 1, 5),
        (0, 2, 7),
        (0, 2, 1),
        (0, 2, 0),
        (0, 2, -1),
        (1, 0, 5),
        (0, 1, 5, 0.5),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
def test_logspace_matches_torch(args, dtype):
    def call(t):
        return t.logspace(*args, dtype=getattr(t, dtype))

    _same(call)
    try:
        theirs = call(torch)
    except RuntimeError:
        return
    ours = np.asarray(call(ref).tolist())
    expected = np.asarray(theirs.tolist())
    if dtype.startswith("float"):
        rtol = 4e-7 if dtype == "float32" else 1e-15
        np.testing.assert_allclose(ours, expected, rtol=rtol)
    else:
        np.testing.assert_array_equal(ours, expected)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.logspace(0.5, 1.5, 3, dtype=t.int64),
        lambda t: t.logspace(0, 10, 3, dtype=t.uint8),
        lambda t: t.logspace(0, 10, 3, dtype=t.int64),
        lambda t: t.logspace(0, 3, 4, dtype=t.float16),
        lambda t: t.logspace(0, 3, 4, dtype=t.bfloat16),
        lambda t: t.logspace(0, 1, 4, dtype=t.bool),
        lambda t: t.logspace(t.tensor(0.0), t.tensor(1.0), 3),
        lambda t: t.logspace(0, 1, 3, requires_grad=True),
    ],
)
def test_logspace_dtype_rules_match_torch(call):
    _same(call)
    try:
        theirs = call(torch).tolist()
    except NotImplementedError:
        return
    ours = call(ref).tolist()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_draws_follow_the_seed_and_vmap_error_mode():
    ref.manual_seed(7)
    first = [ref.zeros(4).uniform_().tolist(), ref.multinomial(ref.ones(5), 3).tolist()]
    ref.manual_seed(7)
    assert first == [ref.zeros(4).uniform_().tolist(), ref.multinomial(ref.ones(5), 3).tolist()]
    for t in (ref, torch):
        with pytest.raises(RuntimeError, match="randomness error mode"):
            t.func.vmap(lambda x: x.clone().normal_())(t.zeros(2, 3))
        with pytest.raises(RuntimeError, match="randomness error mode"):
            t.func.vmap(t.bernoulli)(t.zeros(2, 3))
