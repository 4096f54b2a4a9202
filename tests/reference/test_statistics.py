"""Scans and statistics (conformance/reference/ops/statistics.py) against real PyTorch: values,
result dtypes for every input dtype (or the error PyTorch raises), named tuples, 0-d and empty
inputs, keyword names, the errors for misuse and the grad_fn names."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

NAN, INF = float("nan"), float("inf")
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "bfloat16", "float32", "float64"]


def _observe(result):
    """A result as plain data: (dtype, shape, values) per tensor, with the tuple's type and
    grad_fn names."""
    if isinstance(result, tuple):
        return (type(result).__name__, tuple(_observe(r) for r in result))
    values = result.detach()
    values = values.double() if values.dtype.is_floating_point else values
    name = None if result.grad_fn is None else type(result.grad_fn).__name__
    return (str(result.dtype), tuple(result.shape), values.tolist(), name)


def _outcome(t, call):
    """What `call(t)` gives: its observed result (and warnings), or the error's type and
    message."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            seen = _observe(call(t))
        except Exception as exc:  # noqa: BLE001 - an error is an outcome to compare
            return (type(exc).__name__, str(exc))
    # PyTorch's C++ warnings end with where they were raised in its build.
    return seen, [str(w.message).split(" (Triggered internally")[0] for w in caught]


def _same(call):
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    # NaN != NaN in a list comparison: compare reprs (values rounded alike by tolist()).
    assert repr(ours) == repr(theirs)


def _close(call, rtol=1e-6):
    """As _same, but the float values within rtol (scans and means round differently)."""
    ours, theirs = _outcome(ref, call), _outcome(torch, call)
    if isinstance(ours[0], str) or isinstance(theirs[0], str):
        assert ours == theirs
        return

    def split(seen):
        if seen[0] in ("cummax", "cummin", "aminmax", "tuple"):
            return [x for part in seen[1] for x in split(part)]
        return [seen]

    a, b = split(ours[0]), split(theirs[0])
    assert [(x[0], x[1], x[3]) for x in a] == [(x[0], x[1], x[3]) for x in b]
    assert ours[0][0] == theirs[0][0]
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(np.array(x[2], float), np.array(y[2], float), rtol=rtol)
    assert ours[1] == theirs[1]


DATA = [[1.0, 0.0, 2.0, -3.0], [3.0, 4.0, 0.0, 0.5], [-1.0, 2.0, 2.0, 1.0]]

ON_DATA = {
    "cumprod": lambda t, x: t.cumprod(x, 1),
    "cumprod-dtype": lambda t, x: x.cumprod(0, dtype=t.float64),
    "cummax": lambda t, x: t.cummax(x, 1),
    "cummin": lambda t, x: x.cummin(dim=0),
    "logcumsumexp": lambda t, x: t.logcumsumexp(x, 1),
    "aminmax": lambda t, x: t.aminmax(x),
    "aminmax-dim": lambda t, x: x.aminmax(dim=-1, keepdim=True),
    "var-mean": lambda t, x: t.var_mean(x),
    "var-mean-dim": lambda t, x: t.var_mean(x, 1, keepdim=True),
    "var-mean-correction": lambda t, x: t.var_mean(x, (0, 1), correction=0),
    "var-mean-unbiased": lambda t, x: t.var_mean(x, 0, False),
    "std-mean": lambda t, x: t.std_mean(x, dim=0),
    "std-mean-correction": lambda t, x: t.std_mean(x, 1, correction=2, keepdim=True),
    "nansum": lambda t, x: x.nansum(),
    "nansum-dim": lambda t, x: t.nansum(x, (0, 1), keepdim=True),
    "nansum-dtype": lambda t, x: t.nansum(x, 0, dtype=t.float64),
    "nanmean": lambda t, x: x.nanmean(),
    "nanmean-dim": lambda t, x: t.nanmean(x, 1, True),
    "count-nonzero": lambda t, x: t.count_nonzero(x),
    "count-nonzero-dims": lambda t, x: x.count_nonzero((0, 1)),
    "count-nonzero-dim": lambda t, x: x.count_nonzero(dim=1),
    "diff": lambda t, x: x.diff(),
    "diff-n2-dim0": lambda t, x: t.diff(x, n=2, dim=0),
    "diff-n-past-length": lambda t, x: t.diff(x, 5),
    "diff-n0": lambda t, x: t.diff(x, 0),
    "diff-prepend-append": lambda t, x: t.diff(x, 1, 1, x[:, :1], x[:, 2:]),
    "dist": lambda t, x: t.dist(x, x.flip(0)),
    "dist-p0": lambda t, x: t.dist(x, x[0], 0),
    "dist-p1": lambda t, x: x.dist(x[1], p=1),
    "dist-inf": lambda t, x: t.dist(x, x[2], INF),
    "dist-p-half": lambda t, x: t.dist(x, x[2], 0.5),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(ON_DATA))
def test_values_and_dtypes_match_torch(name: str, dtype: str) -> None:
    """Every op on every dtype: the result's dtype, shape, values and grad_fn name, or the
    error PyTorch raises for that dtype."""
    call = ON_DATA[name]
    low = dtype in ("float16", "bfloat16")
    _close(
        lambda t: call(
            t,
            t.tensor(DATA).abs().to(getattr(t, dtype))
            if dtype == "uint8"
            else t.tensor(DATA).to(getattr(t, dtype)),
        ),
        rtol=1e-2 if low else 1e-6,
    )


@pytest.mark.parametrize("name", list(ON_DATA))
def test_grad_fn_names_match_torch(name: str) -> None:
    _close(lambda t: ON_DATA[name](t, t.tensor(DATA, requires_grad=True)))


SPECIAL = [[NAN, 1.0, -INF, 2.0], [INF, INF, 0.0, NAN], [1.0, 1.0, -0.0, 0.0]]


@pytest.mark.parametrize("name", list(ON_DATA))
def test_nan_and_infinity_match_torch(name: str) -> None:
    _close(lambda t: ON_DATA[name](t, t.tensor(SPECIAL, dtype=t.float64)))


EDGE = {
    "cumprod-0d": lambda t: t.cumprod(t.tensor(3.0), 0),
    "cumprod-empty": lambda t: t.cumprod(t.zeros(0, 2), 1),
    "cumprod-no-dim": lambda t: t.cumprod(t.ones(2)),
    "cumprod-bad-dim": lambda t: t.ones(2, 3).cumprod(2),
    "cummax-0d": lambda t: t.cummax(t.tensor(3.0), 0),
    "cummax-empty": lambda t: t.cummax(t.zeros(0), 0),
    "cummax-nan-ties": lambda t: t.cummax(t.tensor([1.0, NAN, 2.0, NAN, 1.0]), 0),
    "cummin-ties": lambda t: t.cummin(t.tensor([1, 0, 0, 2]), 0),
    "logcumsumexp-0d": lambda t: t.logcumsumexp(t.tensor(1.5), 0),
    "logcumsumexp-empty": lambda t: t.logcumsumexp(t.zeros(2, 0), 1),
    "logcumsumexp-no-dim": lambda t: t.logcumsumexp(t.ones(2)),
    "aminmax-empty": lambda t: t.aminmax(t.zeros(0)),
    "aminmax-empty-dim": lambda t: t.aminmax(t.zeros(0, 3), dim=0),
    "aminmax-empty-kept": lambda t: t.aminmax(t.zeros(2, 0), dim=0),
    "aminmax-0d": lambda t: t.aminmax(t.tensor(2.0)),
    "aminmax-bad-dim": lambda t: t.aminmax(t.ones(2), dim=1),
    "var-mean-int": lambda t: t.var_mean(t.tensor([1, 2])),
    "std-mean-bool": lambda t: t.std_mean(t.tensor([True])),
    "var-mean-one-element": lambda t: t.var_mean(t.tensor([1.0])),
    "std-mean-0d": lambda t: t.std_mean(t.tensor(2.0), correction=0),
    "var-mean-empty": lambda t: t.var_mean(t.zeros(0)),
    "nansum-empty": lambda t: t.nansum(t.zeros(0)),
    "nansum-bool": lambda t: t.nansum(t.tensor([True, True])),
    "nanmean-empty": lambda t: t.nanmean(t.zeros(0)),
    "nanmean-all-nan": lambda t: t.nanmean(t.tensor([NAN, NAN]), 0, True),
    "nanmean-int": lambda t: t.nanmean(t.tensor([1, 2])),
    "count-nonzero-0d": lambda t: t.count_nonzero(t.tensor(0.0)),
    "count-nonzero-empty": lambda t: t.count_nonzero(t.zeros(2, 0), 1),
    "diff-0d": lambda t: t.diff(t.tensor(1.0)),
    "diff-negative-n": lambda t: t.ones(3).diff(n=-1),
    "diff-bool": lambda t: t.tensor([True, False, False]).diff(),
    "diff-bad-dim": lambda t: t.ones(2, 3).diff(dim=3),
    "diff-prepend-ndim": lambda t: t.ones(2, 3).diff(prepend=t.zeros(2)),
    "diff-prepend-shape": lambda t: t.ones(2, 3).diff(dim=0, prepend=t.zeros(1, 2)),
    "diff-append-promotes": lambda t: t.ones(2, 3).diff(append=t.zeros(2, 1, dtype=t.int64)),
    "dist-number": lambda t: t.dist(t.ones(3), 1.0),
    "dist-no-broadcast": lambda t: t.dist(t.ones(2, 3), t.ones(4)),
    "dist-promotes": lambda t: t.dist(t.ones(3), t.zeros(3, dtype=t.float64)),
    "dist-ints": lambda t: t.dist(t.ones(3, dtype=t.int32), t.ones(3, dtype=t.int32)),
    "dist-bools": lambda t: t.dist(t.ones(3, dtype=t.bool), t.ones(3, dtype=t.bool)),
}


@pytest.mark.parametrize("name", list(EDGE))
def test_edge_cases_and_errors_match_torch(name: str) -> None:
    _close(EDGE[name])


def test_named_tuples_name_their_fields() -> None:
    x = ref.tensor([[3.0, 1.0, 2.0]])
    for name in ("cummax", "cummin"):
        out = getattr(ref, name)(x, 1)
        assert type(out).__name__ == name
        assert type(out).__module__ == "torch.return_types"
        assert out.values is out[0] and out.indices is out[1]
    pair = ref.aminmax(x)
    assert (pair.min.item(), pair.max.item()) == (1.0, 3.0)
    assert repr(pair).startswith("torch.return_types.aminmax(\nmin=")
    assert type(ref.var_mean(x)) is tuple


@pytest.mark.parametrize("dim", [0, 1])
def test_cumprod_gradient_with_zeros_matches_torch(dim: int) -> None:
    """One zero, two zeros and a zero at the start of a slice: PyTorch's masked formula (and,
    under create_graph, its omitted products), not the division by x that the zero breaks."""
    data = [[0.0, 2.0, 0.0, 3.0], [1.5, 0.0, 2.0, -1.0], [2.0, 3.0, -1.0, 0.0]]
    seen = []
    for t in (ref, torch):
        x = t.tensor(data, dtype=t.float64, requires_grad=True)
        g = t.tensor(np.arange(12.0).reshape(3, 4) - 5, dtype=t.float64)
        (first,) = t.autograd.grad(x.cumprod(dim), x, g, create_graph=True)
        (second,) = t.autograd.grad((first * first).sum(), x)
        x.grad = None
        x.cumprod(dim).backward(g)
        seen.append((x.grad.tolist(), first.tolist(), second.tolist()))
    for ours, theirs in zip(seen[0], seen[1], strict=True):  # .grad, first, second
        np.testing.assert_allclose(np.array(ours), np.array(theirs), rtol=1e-12)


def test_var_mean_skips_an_unused_output_in_backward() -> None:
    """Only the mean used: the var's part is left out, not multiplied by zero (which would
    turn the infinity's NaN deviation into NaN gradients)."""
    seen = []
    for t in (ref, torch):
        x = t.tensor([[INF, 0.0, 0.0], [1.0, 2.0, 3.0]], dtype=t.float64, requires_grad=True)
        t.var_mean(x, 1)[1].sum().backward()
        seen.append(repr(x.grad.tolist()))
    assert seen[0] == seen[1]


def test_var_mean_mean_is_welfords_at_infinities() -> None:
    """PyTorch's var_mean updates its mean element by element: an infinity followed by a
    finite number gives NaN, though mean() gives the infinity."""
    for data in ([INF, 0.0, 0.0], [0.0, 0.0, INF], [1.0, -INF, INF]):
        ours = ref.var_mean(ref.tensor(data, dtype=ref.float64))[1].item()
        theirs = torch.var_mean(torch.tensor(data, dtype=torch.float64))[1].item()
        assert repr(ours) == repr(theirs)


SCANS = {
    "cumsum": lambda t, x: t.cumsum(x * 3, 1),
    "cumprod": lambda t, x: (x * 0.3 + 1).cumprod(1),
    "logcumsumexp": lambda t, x: t.logcumsumexp(x * 3, 1),
}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", list(SCANS))
def test_scans_round_as_torch(name: str, dtype: str) -> None:
    """PyTorch's CPU scans keep their running value in the CPU accumulation type: double
    for float32, float (not double) for float16 and bfloat16, where double rounds otherwise
    in one row or two of these. Bit for bit, NaN and infinities included."""
    x = np.random.default_rng(1).standard_normal((200, 300)).astype(np.float32)
    x[::40, 5] = [np.inf, -np.inf, np.nan, 1.0, np.nan]
    ours, theirs = (
        SCANS[name](t, t.tensor(x).to(getattr(t, dtype))).double().numpy() for t in (ref, torch)
    )
    np.testing.assert_array_equal(ours, theirs)


def test_ops_run_on_the_cuda_backend() -> None:
    """Each op and its gradient on a CUDA tensor (the simulated device runs the same array
    code), against the CPU result."""
    if not ref.cuda.is_available():
        pytest.skip("no CUDA device (set CONFORMANCE_SIMULATED_CUDA=1)")
    for name, call in ON_DATA.items():
        outs = []
        for device in ("cpu", "cuda"):
            x = ref.tensor(DATA, dtype=ref.float64, device=device, requires_grad=True)
            y = call(ref, x)
            first = y[0] if isinstance(y, tuple) else y
            assert first.device.type == device, name
            if first.requires_grad:  # (count_nonzero's counts do not)
                first.sum().backward()
            grad = [] if x.grad is None else x.grad.cpu().tolist()
            outs.append((first.detach().cpu().tolist(), grad))
        np.testing.assert_allclose(np.array(outs[0][0]), np.array(outs[1][0]), err_msg=name)
        np.testing.assert_allclose(np.array(outs[0][1]), np.array(outs[1][1]), err_msg=name)


COUNTING = {
    "bincount": lambda t: t.bincount(t.tensor([1, 3, 3, 0])),
    "bincount-minlength": lambda t: t.bincount(t.tensor([1, 3, 3, 0]), minlength=6),
    "bincount-float32-weights": lambda t: t.bincount(
        t.tensor([1, 3, 3, 0]), t.tensor([0.5, 1.0, 2.0, 3.0])
    ),
    "bincount-int-weights": lambda t: t.bincount(t.tensor([1, 3, 3, 0]), t.tensor([1, 2, 3, 4])),
    "bincount-weights-grad": lambda t: t.bincount(
        t.tensor([1, 0]), t.tensor([0.5, 1.0], requires_grad=True)
    ),
    "bincount-negative": lambda t: t.bincount(t.tensor([-1])),
    "bincount-2d": lambda t: t.bincount(t.tensor([[1]])),
    "bincount-float": lambda t: t.bincount(t.tensor([1.0])),
    "bincount-bool": lambda t: t.bincount(t.tensor([True])),
    "bincount-uint8": lambda t: t.tensor([1, 2], dtype=t.uint8).bincount(),
    "bincount-empty": lambda t: t.bincount(t.tensor([], dtype=t.int64)),
    "bincount-bad-minlength": lambda t: t.bincount(t.tensor([1]), minlength=-1),
    "bincount-bad-weights": lambda t: t.bincount(t.tensor([1, 2]), t.tensor([1.0])),
    "histc": lambda t: t.histc(t.tensor([1.0, 2, 1]), bins=4, min=0, max=3),
    "histc-own-range": lambda t: t.histc(t.tensor([1.0, 2, 1, 5])),
    "histc-edges-and-outside": lambda t: t.tensor([0.1, 0.2, 0.3, 0.7, 0.9, 1.0, -1.0, 2.0]).histc(
        5, 0, 1
    ),
    "histc-max-in-last-bin": lambda t: t.histc(t.tensor([0.0, 1.0, 2.0, 3.0]), 3, 0, 3),
    "histc-equal-elements": lambda t: t.histc(t.tensor([1.0, 1.0]), 3),
    "histc-nan-skipped": lambda t: t.histc(t.tensor([1.0, NAN, 2.0]), 3, 0, 3),
    "histc-nan-range": lambda t: t.histc(t.tensor([NAN]), 3),
    "histc-inf-range": lambda t: t.histc(t.tensor([INF, 1.0]), 3),
    "histc-float16": lambda t: t.histc(t.tensor([1.0, 2.0], dtype=t.float16), 3),
    "histc-float64-requires-grad": lambda t: t.histc(
        t.tensor([1.0, 2.0], dtype=t.float64, requires_grad=True), 3
    ),
    "histc-int": lambda t: t.histc(t.tensor([1, 2]), 3),
    "histc-min-above-max": lambda t: t.histc(t.tensor([1.0]), 3, 2, 1),
    "histc-bad-bins": lambda t: t.histc(t.tensor([1.0]), -1),
    "histc-empty": lambda t: t.histc(t.tensor([]), 3),
}


@pytest.mark.parametrize("name", list(COUNTING))
def test_bincount_and_histc_match_torch(name: str) -> None:
    _same(COUNTING[name])


def test_bincount_weights_gradient_is_refused_as_torch_refuses_it() -> None:
    seen = []
    for t in (ref, torch):
        y = t.bincount(t.tensor([1, 0]), t.tensor([0.5, 1.0], requires_grad=True))
        with pytest.raises(RuntimeError) as caught:
            y.sum().backward()
        seen.append((y.grad_fn.name(), str(caught.value)))
    assert seen[0] == seen[1]


UNIQUE = {
    "unique": lambda t: t.unique(t.tensor([3, 1, 2, 3, 1])),
    "unique-inverse-counts": lambda t: t.unique(
        t.tensor([3, 1, 2, 3, 1]), return_inverse=True, return_counts=True
    ),
    "unique-unsorted-still-sorted": lambda t: t.unique(
        t.tensor([3.0, 1.0, 2.0, 0.5, -2.0]), sorted=False, return_counts=True
    ),
    "unique-dim0": lambda t: t.unique(
        t.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 5.0]]),
        dim=0,
        return_inverse=True,
        return_counts=True,
    ),
    "unique-dim1-grad-fn": lambda t: t.unique(
        t.tensor([[1.0, 2.0], [1.0, 2.0]], requires_grad=True), dim=1, return_inverse=True
    ),
    "unique-rows-lexicographic": lambda t: t.tensor([[3, 1], [3, 0], [3, 1]]).unique(
        dim=0, return_counts=True
    ),
    "unique-nans-distinct": lambda t: t.unique(
        t.tensor([1.0, NAN, NAN, 1.0], requires_grad=True), return_inverse=True, return_counts=True
    ),
    "unique-nan-rows-distinct": lambda t: t.unique(t.tensor([[NAN], [NAN]]), dim=0),
    "unique-0d": lambda t: t.unique(t.tensor(3), return_inverse=True, return_counts=True),
    "unique-2d-inverse-shape": lambda t: t.unique(t.tensor([[2, 1], [1, 2]]), return_inverse=True),
    "unique-bool": lambda t: t.unique(t.tensor([True, False, True]), return_counts=True),
    "unique-signed-zeros": lambda t: (
        t.unique(t.tensor([-0.0, 0.0])),
        t.unique(t.tensor([0.0, -0.0])),
    ),
    "unique-float16": lambda t: t.unique(t.tensor([1.0, 2.0, 1.0], dtype=t.float16)),
    "unique-empty": lambda t: t.unique(t.zeros(0), return_inverse=True, return_counts=True),
    "unique-empty-dim": lambda t: t.unique(
        t.zeros(0, 2), dim=0, return_inverse=True, return_counts=True
    ),
    "unique-bad-dim": lambda t: t.unique(t.ones(2, 2), dim=2),
}


@pytest.mark.parametrize("name", list(UNIQUE))
def test_unique_matches_torch(name: str) -> None:
    _same(UNIQUE[name])


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_numbers_nans_and_keeps_zeros_as_torch(dtype: str, dim) -> None:
    """With NaNs (each its own value) and zeros of both signs, the order of equal elements
    shows: the NaNs' numbering in inverse, which zero a run keeps, which rows std::sort
    leaves apart. Up to 16 elements PyTorch sorts by insertion; above, by introsort."""
    rng = np.random.default_rng(9)
    for rows in (3, 15, 29):
        values = rng.integers(-2, 3, (rows, 3)).astype(np.float32)
        values.flat[rng.integers(0, values.size, 1 + values.size // 6)] = NAN
        values[(values == 0) & (rng.random(values.shape) < 0.5)] = -0.0
        ours, theirs = (
            t.unique(
                t.tensor(values).to(getattr(t, dtype)),
                return_inverse=True,
                return_counts=True,
                dim=dim,
            )
            for t in (ref, torch)
        )
        for mine, torchs in zip(ours, theirs, strict=True):
            a, b = mine.float().numpy(), torchs.float().numpy()
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(np.signbit(a[a == 0]), np.signbit(b[b == 0]))


@pytest.mark.parametrize("dim", [None, 0])
def test_unique_backward_is_refused_as_torch_refuses_it(dim) -> None:
    seen = []
    for t in (ref, torch):
        y = t.unique(t.tensor([[1.0, 2.0]], requires_grad=True), dim=dim)
        with pytest.raises(NotImplementedError) as caught:
            y.sum().backward()
        seen.append(str(caught.value))
    assert seen[0] == seen[1]
