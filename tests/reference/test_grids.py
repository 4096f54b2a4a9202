"""meshgrid, cartesian_prod, combinations and cdist (conformance/reference/ops/grids.py)
against real PyTorch: values, dtypes, shapes, strides, which results are views, grad_fn
names, gradients, the errors for misuse, and cdist's two formulas (its own kernel and the
matrix-product path PyTorch takes for p=2 on large inputs).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import conformance.reference as ref

INF = float("inf")


def _observe(result):
    if isinstance(result, tuple | list):
        return tuple(_observe(r) for r in result)
    if not isinstance(result, ref.Tensor | torch.Tensor):
        return result
    values = result.detach().double() if result.dtype.is_floating_point else result
    strides = tuple(result.stride()) if result.numel() else None
    return (str(result.dtype), tuple(result.shape), strides, np.asarray(values.tolist()))


def _outcome(t, call):
    try:
        return _observe(call(t))
    except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
        return (type(exc).__name__, str(exc))


def _assert_close(ours, theirs):
    """Equal structure and metadata; floating values to a few ulps (the kernels sum in
    another order)."""
    if isinstance(ours, tuple) and isinstance(theirs, tuple) and len(ours) == len(theirs):
        if ours and isinstance(ours[-1], np.ndarray):
            assert ours[:-1] == theirs[:-1]
            np.testing.assert_allclose(ours[-1], theirs[-1], rtol=1e-12, atol=1e-12)
            return
        for a, b in zip(ours, theirs, strict=True):
            _assert_close(a, b)
        return
    assert ours == theirs


def _same(call):
    _assert_close(_outcome(ref, call), _outcome(torch, call))


def _with_gradients(call, *shapes, dtype="float64"):
    """call's results, grad_fn names, whether each is a view, and the inputs' gradients for
    a weighted sum of the results."""

    def run(t):
        rng = np.random.default_rng(0)
        xs = [
            t.tensor(rng.standard_normal(s)).to(getattr(t, dtype)).requires_grad_() for s in shapes
        ]
        ys = call(t, *xs)
        ys = ys if isinstance(ys, tuple | list) else (ys,)
        loss = sum((y * (t.arange(y.numel(), dtype=y.dtype).view(y.shape) + 1)).sum() for y in ys)
        loss.backward()
        names = tuple(type(y.grad_fn).__name__ for y in ys)
        views = tuple(y._base is not None for y in ys)
        return (*ys, names, views, *[x.grad for x in xs])

    return run


# -- meshgrid ---------------------------------------------------------------------------------

GRIDS = {
    "ij": lambda t, a, b: t.meshgrid(a, b, indexing="ij"),
    "xy": lambda t, a, b: t.meshgrid(a, b, indexing="xy"),
    "xy-list": lambda t, a, b: t.meshgrid([a, b], indexing="xy"),
    "xy-tuple-of-three": lambda t, a, b: t.meshgrid((a, b, a), indexing="xy"),
    "xy-one": lambda t, a, b: t.meshgrid(a, indexing="xy"),
}


@pytest.mark.parametrize("name", GRIDS)
def test_meshgrid_gives_expanded_views_of_its_inputs(name):
    """Each grid is its input viewed and expanded (ExpandBackward0, stride 0 along the other
    dimensions); 'xy' swaps the first two dimensions."""
    _same(_with_gradients(GRIDS[name], (3,), (2,)))


def test_meshgrid_of_0d_and_empty_tensors():
    _same(_with_gradients(lambda t, a, b: t.meshgrid(a, b, indexing="xy"), (), (3,)))
    _same(lambda t: t.meshgrid(t.ones(3), t.tensor([]), indexing="ij"))
    _same(lambda t: t.meshgrid(t.arange(2), t.arange(3), indexing="xy"))


def test_meshgrid_views_share_their_inputs_memory():
    for t in (ref, torch):
        a, b = t.tensor([1.0, 2.0, 3.0]), t.tensor([4.0, 5.0])
        x, y = t.meshgrid(a, b, indexing="xy")
        assert x._base is a and y._base is b
        a[0] = 10.0
        assert x[:, 0].tolist() == [10.0, 10.0]


def test_meshgrid_without_indexing_warns_once():
    """Leaving indexing out (or None) means 'ij', with a warning PyTorch gives once per
    process."""
    script = textwrap.dedent(
        """
        import warnings
        import {module} as t
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            grids = t.meshgrid(t.ones(2), t.ones(3))
            t.meshgrid(t.ones(2), t.ones(3), indexing=None)
        print(tuple(grids[0].shape))
        for w in caught:
            print(w.category.__name__, str(w.message).split(" (Triggered")[0])
        """
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script.format(module=module)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for module in ("conformance.reference", "torch")
    ]
    assert outputs[0] == outputs[1]
    assert outputs[0].count("UserWarning") == 1


MESHGRID_MISUSE = {
    "nothing": lambda t: t.meshgrid(indexing="ij"),
    "empty-list": lambda t: t.meshgrid([], indexing="xy"),
    "indexing-unknown": lambda t: t.meshgrid(t.ones(2), t.ones(3), indexing="foo"),
    "dtypes-differ": lambda t: t.meshgrid(t.ones(2), t.ones(3).double(), indexing="ij"),
    "a-list-element": lambda t: t.meshgrid(t.ones(2), [1, 2], indexing="ij"),
    "two-lists": lambda t: t.meshgrid([t.ones(2)], [t.ones(2)], indexing="ij"),
}


@pytest.mark.parametrize("name", MESHGRID_MISUSE)
def test_meshgrid_misuse_is_refused_with_torchs_error(name):
    _same(MESHGRID_MISUSE[name])


def test_meshgrid_refuses_a_2d_tensor():
    """PyTorch prints the tensor's values too (C++'s format); the reference names its type
    and shape only."""
    for t in (ref, torch):
        with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor in the tensor list"):
            t.meshgrid(t.ones(2), t.ones(2, 2), indexing="ij")


# -- cartesian_prod and combinations ----------------------------------------------------------

PRODUCTS = {
    "cartesian-prod": (lambda t, a, b: t.cartesian_prod(a, b), [(3,), (2,)]),
    "cartesian-prod-3": (lambda t, a, b, c: t.cartesian_prod(a, b, c), [(3,), (2,), (2,)]),
    "combinations": (lambda t, a: t.combinations(a), [(4,)]),
    "combinations-3": (lambda t, a: t.combinations(a, 3), [(4,)]),
    "combinations-r-too-large": (lambda t, a: t.combinations(a, 4), [(3,)]),
    "combinations-1": (lambda t, a: t.combinations(a, 1), [(3,)]),
    "with-replacement": (lambda t, a: t.combinations(a, r=3, with_replacement=True), [(3,)]),
    "keywords": (lambda t, a: t.combinations(input=a, r=2, with_replacement=True), [(3,)]),
}


@pytest.mark.parametrize("name", PRODUCTS)
def test_products_match_torch_with_their_nodes_and_gradients(name):
    """cartesian_prod stacks flattened grids, combinations stacks masked_select of grids:
    StackBackward0, copies (not views)."""
    call, shapes = PRODUCTS[name]
    _same(_with_gradients(call, *shapes))


def test_cartesian_prod_of_one_vector_is_the_vector_itself():
    for t in (ref, torch):
        a = t.ones(3, requires_grad=True)
        assert t.cartesian_prod(a) is a


PRODUCT_EDGES = {
    "cartesian-prod-empty": lambda t: t.cartesian_prod(t.ones(2), t.tensor([])),
    "cartesian-prod-int-and-bool": lambda t: t.cartesian_prod(t.tensor([1, 2]), t.tensor([True])),
    "cartesian-prod-ints": lambda t: t.cartesian_prod(t.tensor([1, 2]), t.tensor([3, 4, 5])),
    "cartesian-prod-nothing": lambda t: t.cartesian_prod(),
    "cartesian-prod-list": lambda t: t.cartesian_prod([t.ones(2), t.ones(3)]),
    "cartesian-prod-dtypes": lambda t: t.cartesian_prod(t.ones(2), t.ones(3).double()),
    "cartesian-prod-0d": lambda t: t.cartesian_prod(t.ones(2), t.tensor(2.0)),
    "cartesian-prod-0d-alone": lambda t: t.cartesian_prod(t.tensor(2.0)),
    "combinations-r0": lambda t: t.combinations(t.ones(3, requires_grad=True), 0),
    "combinations-r0-with-replacement": lambda t: t.combinations(t.ones(3), 0, True),
    "combinations-negative": lambda t: t.combinations(t.ones(3), -1),
    "combinations-empty": lambda t: t.combinations(t.tensor([]), 2),
    "combinations-one-element": lambda t: t.combinations(t.tensor([1]), 2),
    "combinations-0d": lambda t: t.combinations(t.tensor(2.0), 2),
    "combinations-2d": lambda t: t.combinations(t.ones(2, 2), 2),
    "combinations-int64": lambda t: t.combinations(t.tensor([1, 2, 3]), 2),
    "combinations-bool": lambda t: t.combinations(t.tensor([True, False]), 2),
    "combinations-float-r": lambda t: t.combinations(t.ones(3), 2.0),
    "combinations-int-with-replacement": lambda t: t.combinations(t.ones(3), 2, 1),
}


@pytest.mark.parametrize("name", PRODUCT_EDGES)
def test_product_edges_and_misuse_match_torch(name):
    _same(PRODUCT_EDGES[name])


# -- cdist ------------------------------------------------------------------------------------

MODES = ["use_mm_for_euclid_dist_if_necessary", "donot_use_mm_for_euclid_dist"]
SHAPES = {
    "small": [(3, 4), (2, 4)],
    "batched": [(2, 3, 4), (1, 2, 4)],
    "large": [(30, 3), (2, 3)],
}


@pytest.mark.parametrize("shapes", SHAPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("p", [0.0, 1.0, 0.5, 1.5, 2.0, 3.0, INF])
def test_cdist_values_nodes_and_gradients_match_torch(p, mode, shapes):
    """CdistBackward0 with the kernel's gradient for each p; for p=2 on more than 25 rows (by
    default) the matrix-product path: ViewBackward0 over EuclideanDistBackward0."""
    _same(_with_gradients(lambda t, a, b: t.cdist(a, b, p=p, compute_mode=mode), *SHAPES[shapes]))


@pytest.mark.parametrize("shapes", SHAPES)
def test_cdist_matrix_product_path_on_request(shapes):
    _same(
        _with_gradients(
            lambda t, a, b: t.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), *SHAPES[shapes]
        )
    )


def test_the_two_formulas_in_float32():
    """The direct formula gives 0 between equal rows; the matrix-product one computes
    |a|^2 - 2 a.b + |b|^2, whose cancellation leaves a distance of up to ~1e-3 there. Its
    last bits depend on the order the matrix product sums in (PyTorch's BLAS against
    NumPy's), so the two engines agree on it only to that size."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((40, 5)).astype(np.float32)
    b = np.concatenate([a[:3], rng.standard_normal((27, 5)).astype(np.float32)])
    direct = "donot_use_mm_for_euclid_dist"
    for t in (ref, torch):
        distances = t.cdist(t.tensor(a), t.tensor(b), compute_mode=direct).numpy()
        assert (distances[:3, :3].diagonal() == 0).all()
    ours = ref.cdist(ref.tensor(a), ref.tensor(b)).numpy()  # 40 rows: the matrix product
    theirs = torch.cdist(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("p", [1.0, 2.0, INF, 0.5])
def test_cdist_gradient_at_equal_rows_and_ties(p):
    """A zero distance gives a zero gradient; p=inf sends it to every difference equal to
    the distance; p<1 to no zero difference."""

    def call(t):
        a = t.tensor([[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]], dtype=t.float64, requires_grad=True)
        b = t.tensor([[1.0, 2.0], [2.0, 2.0]], dtype=t.float64, requires_grad=True)
        for mode in MODES:
            t.cdist(a, b, p=p, compute_mode=mode).sum().backward()
        return a.grad, b.grad

    _same(call)


def test_cdist_second_derivative_is_refused_as_torch_refuses_it():
    for t in (ref, torch):
        a = t.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=t.float64, requires_grad=True)
        b = t.tensor([[0.0, 1.0]], dtype=t.float64)
        (g,) = t.autograd.grad(t.cdist(a, b).sum(), a, create_graph=True)
        assert type(g.grad_fn).__name__ == "CdistBackwardBackward0"
        with pytest.raises(NotImplementedError, match="derivative for '_cdist_backward'"):
            g.sum().backward()


CDIST_EDGES = {
    "p-negative": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3), p=-1),
    "p-nan": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3), p=float("nan")),
    "p-bool": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3) * 2, p=True),
    "p-str": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3), p="2"),
    "mode-unknown": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3), compute_mode="foo"),
    "x1-1d": lambda t: t.cdist(t.ones(3), t.ones(2, 3)),
    "x2-1d": lambda t: t.cdist(t.ones(2, 3), t.ones(3)),
    "x2-a-list": lambda t: t.cdist(t.ones(2, 3), [1.0]),
    "columns-differ": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 4)),
    "batches-differ": lambda t: t.cdist(t.ones(2, 2, 3), t.ones(3, 2, 3)),
    "batches-broadcast": lambda t: t.cdist(t.ones(2, 1, 3, 4), t.ones(3, 2, 4)),
    "int64": lambda t: t.cdist(t.ones(2, 3).long(), t.ones(2, 3).long()),
    "complex": lambda t: t.cdist(t.ones(2, 3).to(t.complex64), t.ones(2, 3).to(t.complex64)),
    "dtypes-differ": lambda t: t.cdist(t.ones(2, 3), t.ones(2, 3).double()),
    "dtypes-differ-matrix-product": lambda t: t.cdist(
        t.ones(2, 3), t.ones(2, 3).double(), compute_mode="use_mm_for_euclid_dist"
    ),
    "dtypes-differ-empty": lambda t: t.cdist(t.ones(0, 3), t.ones(2, 3).double()),
    "float16": lambda t: t.cdist(t.ones(2, 3).half(), t.ones(2, 3).half(), p=1),
    "float16-matrix-product": lambda t: t.cdist(
        t.ones(2, 3).half(), t.ones(2, 3).half() * 2, compute_mode="use_mm_for_euclid_dist"
    ),
    "no-rows": lambda t: t.cdist(t.ones(0, 3), t.ones(2, 3)),
    "no-columns": lambda t: t.cdist(t.ones(3, 0), t.ones(2, 0)),
    "no-batch": lambda t: t.cdist(t.ones(0, 3, 4), t.ones(0, 2, 4)),
    "positional": lambda t: t.cdist(t.ones(2, 3), t.zeros(2, 3), 2, "use_mm_for_euclid_dist"),
    "keywords": lambda t: t.cdist(x1=t.ones(2, 3), x2=t.zeros(2, 3), p=2.0),
    "nan-and-inf": lambda t: t.cdist(
        t.tensor([[float("nan"), 1.0], [INF, 0.0]]), t.tensor([[0.0, 1.0], [INF, 1.0]]), p=1
    ),
}


@pytest.mark.parametrize("name", CDIST_EDGES)
def test_cdist_edges_and_misuse_match_torch(name):
    _same(CDIST_EDGES[name])


def test_empty_cdist_still_records_its_node():
    _same(_with_gradients(lambda t, a, b: t.cdist(a, b), (0, 3), (2, 3)))


@pytest.mark.parametrize("shapes", [[(3, 2), (4, 2)], [(2, 2, 3), (1, 3, 3)]], ids=str)
def test_cdist_matrix_product_path_is_differentiable_twice_as_torchs(shapes):
    """First derivatives (and grad_fn names) and Hessian-vector products in float64, against
    PyTorch and against central finite differences of the first derivative."""
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s) for s in shapes]
    v = None

    def derivatives(t, values):
        nonlocal v
        xs = [t.tensor(a, requires_grad=True) for a in values]
        y = t.cdist(*xs, compute_mode="use_mm_for_euclid_dist")
        v = rng.standard_normal(tuple(y.shape)) if v is None else v
        firsts = t.autograd.grad((y * t.tensor(v)).sum(), xs, create_graph=True)
        u = [t.tensor(np.ones(a.shape)) for a in values]
        seconds = t.autograd.grad(sum((g * w).sum() for g, w in zip(firsts, u, strict=True)), xs)
        return [g.detach().numpy() for g in firsts], [h.numpy() for h in seconds]

    ours, theirs = derivatives(ref, arrays), derivatives(torch, arrays)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # d/dx of sum(first derivatives), numerically, for the first input
    eps, numeric = 1e-6, np.zeros(arrays[0].shape)
    for index in np.ndindex(arrays[0].shape):
        plus, minus = [a.copy() for a in arrays], [a.copy() for a in arrays]
        plus[0][index] += eps
        minus[0][index] -= eps
        total = [sum(g.sum() for g in derivatives(ref, p)[0]) for p in (plus, minus)]
        numeric[index] = (total[0] - total[1]) / (2 * eps)
    np.testing.assert_allclose(ours[1][0], numeric, rtol=1e-5, atol=1e-6)
