"""F.interpolate's modes beyond nearest, linear and bilinear (bicubic, trilinear, 5-D nearest,
area, antialiased bilinear, bicubic and lanczos) and the Upsampling modules against real
PyTorch: values and gradients in float64 and float32, node names of the first and
second-order graphs, the 16-bit and uint8 dtypes, special values and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import conformance.reference as ref

RF = ref.nn.functional

SIZES = {
    3: [(7,), (3,), (1,), (12,), (5,)],
    4: [(7, 3), (4, 5), (8, 10), (1, 1), (3, 9), (1, 9), (2, 2)],
    5: [(5, 3, 2), (3, 4, 5), (1, 1, 1), (6, 2, 9)],
}
FACTORS = [
    {"scale_factor": 0.7},
    {"scale_factor": 1.3},
    {"scale_factor": 2},
    {"scale_factor": 1.0},
    {"scale_factor": 0.45},
    {"scale_factor": 1.3, "recompute_scale_factor": True},
]
SHAPES = {3: (2, 3, 5), 4: (2, 3, 4, 5), 5: (2, 2, 3, 4, 5)}


def _options(mode: str, rank: int):
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for align_corners in corners:
        for kw in [{"size": s} for s in SIZES[rank]] + FACTORS:
            yield {"mode": mode, "align_corners": align_corners, **kw}


CASES = {
    "bicubic": [(SHAPES[4], kw) for kw in _options("bicubic", 4)]
    + [(SHAPES[4], {"mode": "bicubic", "scale_factor": (2.5, 0.4)})],
    "trilinear": [(SHAPES[5], kw) for kw in _options("trilinear", 5)]
    + [(SHAPES[5], {"mode": "trilinear", "scale_factor": (2.5, 0.4, 1.1)})],
    "nearest-3d": [(SHAPES[5], kw) for kw in _options("nearest", 5)]
    + [(SHAPES[5], {"mode": "nearest", "scale_factor": (2.5, 0.4, 1.1)})],
    "nearest-exact-3d": [(SHAPES[5], kw) for kw in _options("nearest-exact", 5)],
    # Area: adaptive average pooling; a scale factor always recomputes the size.
    "area": [(SHAPES[rank], kw) for rank in (3, 4, 5) for kw in _options("area", rank)]
    + [((2, 2, 7, 6, 5), {"mode": "area", "size": (3, 4, 2)})],
    # Antialiased: differs from plain interpolation when downsampling; a kept size with a
    # scale factor (1.1 on 9) is skipped by the forward, not by the backward.
    "antialias": [
        ((2, 3, 9, 11), {**kw, "antialias": True})
        for mode in ("bilinear", "bicubic")
        for kw in _options(mode, 4)
    ]
    + [
        ((2, 3, 9, 11), {"mode": mode, "antialias": True, **kw})
        for mode in ("bilinear", "bicubic")
        for kw in (
            {"size": (12, 3)},
            {"scale_factor": 0.3},
            {"scale_factor": (1.1, 0.4)},
            {"scale_factor": (2.5, 0.4), "align_corners": True},
        )
    ]
    + [
        ((2, 3, 9, 11), {"mode": "lanczos", "antialias": True, **kw})
        for kw in [{"size": s} for s in SIZES[4]] + FACTORS + [{"scale_factor": (1.1, 0.4)}]
    ],
    # A scale factor that keeps a size: the 1-D and 3-D forwards compute each index (1.3 on 3
    # reads 0, 0, 1), their backwards and the 2-D forward copy.
    "nearest-size-kept": [
        (shape, {"mode": "nearest", "scale_factor": f})
        for shape in ((2, 3, 3), (2, 3, 3, 3), (1, 2, 3, 3, 3))
        for f in (1.3, 1.1, 2.2)
    ],
}


def _pair(array, dtype="float64", requires_grad=True):
    t = torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    r = ref.tensor(array, dtype=getattr(ref, dtype), requires_grad=requires_grad)
    return t, r


def _check_values_and_gradients(shape, kw, dtype, rng):
    tol = 1e-12 if dtype == "float64" else 1e-5
    t, r = _pair(rng.standard_normal(shape), dtype)
    yt, yr = TF.interpolate(t, **kw), RF.interpolate(r, **kw)
    assert tuple(yr.shape) == tuple(yt.shape), kw
    assert type(yr.grad_fn).__name__ == type(yt.grad_fn).__name__, kw
    np.testing.assert_allclose(
        yr.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol, err_msg=str(kw)
    )
    g = rng.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(g, dtype=t.dtype))
    yr.backward(ref.tensor(g, dtype=r.dtype))
    np.testing.assert_allclose(r.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol, err_msg=str(kw))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("mode", sorted(CASES))
def test_values_and_gradients_match_torch(mode, dtype):
    rng = np.random.default_rng(0)
    for shape, kw in CASES[mode]:
        _check_values_and_gradients(shape, kw, dtype, rng)


SECOND_ORDER = [
    ((1, 2, 3, 4), {"mode": "bicubic", "scale_factor": 1.5}),
    ((1, 2, 5, 4), {"mode": "bicubic", "size": (3, 7), "align_corners": True}),
    ((1, 2, 2, 3, 4), {"mode": "trilinear", "scale_factor": (1.5, 0.7, 2)}),
    ((1, 2, 2, 3, 4), {"mode": "nearest", "size": (3, 5, 2)}),
    ((1, 2, 2, 3, 4), {"mode": "nearest-exact", "scale_factor": 1.6}),
    ((1, 2, 5, 3, 4), {"mode": "area", "size": (3, 2, 3)}),
    ((1, 2, 5, 3), {"mode": "area", "size": (3, 2)}),
    ((1, 2, 5), {"mode": "area", "size": 3}),
    ((1, 2, 7, 6), {"mode": "bilinear", "size": (3, 4), "antialias": True}),
    ((1, 2, 7, 6), {"mode": "bicubic", "scale_factor": 0.4, "antialias": True}),
    ((1, 2, 7, 6), {"mode": "lanczos", "size": (2, 9), "antialias": True}),
]


@pytest.mark.parametrize(("shape", "kw"), SECOND_ORDER, ids=str)
def test_second_order_graph_matches_torch(shape, kw):
    """The gradient recorded under create_graph is the mode's backward op
    (*BackwardBackward0), whose own derivative, with respect to the incoming gradient, is the
    forward again."""
    rng = np.random.default_rng(1)
    t, r = _pair(rng.standard_normal(shape))
    yt, yr = TF.interpolate(t, **kw), RF.interpolate(r, **kw)
    gt_out, gr_out = _pair(rng.standard_normal(tuple(yt.shape)))
    (gt,) = torch.autograd.grad(yt, t, gt_out, create_graph=True)
    (gr,) = ref.autograd.grad(yr, r, gr_out, create_graph=True)
    assert type(gr.grad_fn).__name__ == type(gt.grad_fn).__name__
    w = rng.standard_normal(shape)
    (ht,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), gt_out)
    (hr,) = ref.autograd.grad((gr * ref.tensor(w)).sum(), gr_out)
    np.testing.assert_allclose(hr.numpy(), ht.numpy(), rtol=1e-12, atol=1e-12)


# (mode, shape, options, the most any element may differ from torch's, in units of the
# dtype's spacing there). uint8 bicubic: PyTorch's fixed-point weights, off by at most 1.
DTYPE_CASES = [
    ("bicubic", (2, 3, 4, 5), {"float16": 0, "bfloat16": 0, "uint8": 1}),
    # A known departure: PyTorch's trilinear kernel rounds the 16-bit floats in a way not
    # reproduced here; a fifth of the elements differ, by up to an ulp of the largest.
    ("trilinear", (2, 2, 3, 4, 5), {"float16": 1, "bfloat16": 1}),
    ("nearest", (2, 2, 3, 4, 5), {"float16": 0, "bfloat16": 0, "uint8": 0}),
    ("nearest-exact", (2, 2, 3, 4, 5), {"float16": 0, "bfloat16": 0, "uint8": 0}),
    # Antialiased uint8: PyTorch's fixed-point weights, off by at most 1.
    ("bilinear-antialias", (2, 3, 8, 9), {"uint8": 1}),
    ("bicubic-antialias", (2, 3, 8, 9), {"uint8": 1}),
    ("lanczos-antialias", (2, 3, 8, 9), {"uint8": 1}),
    # adaptive_avg_pool3d sums in the 16-bit dtype itself: reproduced exactly.
    ("area", (2, 2, 5, 6, 7), {"float16": 0, "bfloat16": 0}),
    ("area", (2, 3, 5, 6), {"float16": 0, "bfloat16": 0}),
    ("area", (2, 3, 7), {"float16": 0, "bfloat16": 0}),
]


@pytest.mark.parametrize(("mode", "shape", "limits"), DTYPE_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "uint8"])
def test_reduced_dtypes_match_torch(mode, shape, limits, dtype):
    if dtype not in limits:
        pytest.skip("PyTorch refuses the dtype: see test_checks_match_torch")
    mode, marker, _ = mode.partition("-antialias")
    extra = {"antialias": True} if marker else {}
    rng = np.random.default_rng(4)
    base = torch.tensor(rng.standard_normal(shape) * 50 + 100).to(getattr(torch, dtype))
    r = ref.tensor(base.float().numpy()).to(getattr(ref, dtype))
    corners = None if mode in ("nearest", "nearest-exact", "area", "lanczos") else True
    for kw in (
        {"scale_factor": 1.7},
        {"scale_factor": 0.6},
        {"size": shape[2:][::-1]},
        {"scale_factor": 1.7, "align_corners": corners},
    ):
        yt = TF.interpolate(base, mode=mode, **kw, **extra)
        yr = RF.interpolate(r, mode=mode, **kw, **extra)
        assert str(yr.dtype) == str(yt.dtype)
        got, want = yr.float().numpy(), yt.float().numpy()
        # One unit in the last place of the largest output.
        ulp = {"float16": 2.0**-10, "bfloat16": 2.0**-7}.get(dtype)
        spacing = 1.0 if ulp is None else ulp * np.abs(want).max()
        assert np.all(np.abs(got - want) <= limits[dtype] * spacing), kw


SPECIAL = [1.0, float("inf"), 3.0, float("nan"), -float("inf"), 2.0, -1.0]


@pytest.mark.parametrize(
    ("shape", "kw"),
    [
        ((1, 1, 3, 7), {"mode": "bicubic", "size": (3, 9)}),
        ((1, 1, 3, 7), {"mode": "bicubic", "size": (2, 4), "align_corners": True}),
        ((1, 1, 3, 1, 7), {"mode": "trilinear", "size": (2, 2, 9)}),
        ((1, 1, 3, 1, 7), {"mode": "nearest", "size": (2, 2, 9)}),
        ((1, 1, 3, 1, 7), {"mode": "area", "size": (2, 1, 3)}),
        ((1, 1, 3, 7), {"mode": "area", "size": (2, 3)}),
        ((1, 3, 7), {"mode": "area", "size": 3}),
        ((1, 1, 3, 7), {"mode": "bilinear", "size": (2, 3), "antialias": True}),
        ((1, 1, 3, 7), {"mode": "bicubic", "size": (3, 2), "antialias": True}),
        ((1, 1, 3, 7), {"mode": "lanczos", "size": (1, 3), "antialias": True}),
    ],
    ids=str,
)
def test_special_values_match_torch(shape, kw):
    """Every tap multiplies its input, whatever its weight: an inf or nan reaches all the
    outputs whose taps read it, as in PyTorch (a zero weight times inf gives nan). Area and
    the antialiased modes read only their windows: an inf outside one stays out of it."""
    a = np.array(SPECIAL * 3).reshape(shape)
    t, r = _pair(a, requires_grad=False)
    np.testing.assert_array_equal(RF.interpolate(r, **kw).numpy(), TF.interpolate(t, **kw).numpy())


def _outcome(f):
    try:
        out = f()
    except Exception as error:  # noqa: BLE001
        return type(error).__name__, str(error)
    return "ok", tuple(out.shape), str(out.dtype)


ERROR_CASES = [
    lambda m, x3, x4, x5: m.interpolate(x3, size=5, mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=5, mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4.int(), size=5, mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4.bool(), size=5, mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4, size=(0, 3), mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4[:, :0], size=(5, 5), mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4[:0], size=(5, 5), mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4, scale_factor=0.1, mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4.byte(), size=(5, 1), mode="bicubic"),
    lambda m, x3, x4, x5: m.interpolate(x4, size=5, mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x3, size=5, mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=5, mode="linear"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=5, mode="bilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5.byte(), size=5, mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5.int(), size=5, mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5.int(), size=5),
    lambda m, x3, x4, x5: m.interpolate(x5.bool(), size=5, mode="nearest-exact"),
    lambda m, x3, x4, x5: m.interpolate(x5.byte(), size=5, mode="nearest-exact"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=(0, 3, 2), mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=(1, 3, 0)),
    lambda m, x3, x4, x5: m.interpolate(x5[:, :, :0], size=(1, 3, 2)),
    lambda m, x3, x4, x5: m.interpolate(x5[:, :0], size=(1, 3, 2), mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5[:0], size=(1, 3, 2), mode="nearest-exact"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=(1, 3)),
    lambda m, x3, x4, x5: m.interpolate(x5, scale_factor=(1, 3)),
    lambda m, x3, x4, x5: m.interpolate(x5, size=5, align_corners=False),
    lambda m, x3, x4, x5: m.interpolate(x5, size=5, mode="nearest-exact", align_corners=True),
    lambda m, x3, x4, x5: m.interpolate(x5[0, 0, 0], size=5, mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5[None], size=5, mode="trilinear"),
    lambda m, x3, x4, x5: m.interpolate(x5[None], size=5),
    lambda m, x3, x4, x5: m.interpolate(x5, size=5, mode="trilinear", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x5.detach().byte(), size=1, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5.detach().byte(), size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().int(), size=1, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x3.detach().int(), size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5[:, :0], size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5[:, :0], size=-2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5[:0], size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5[:, :, :0], size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x4[:, :, :0], size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=(2, 0, 1), mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=(2, -1, 1), mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5, scale_factor=-1.5, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x4, scale_factor=-1.5, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x3, scale_factor=-1.5, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x3, scale_factor=0.2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=2, mode="area", align_corners=False),
    lambda m, x3, x4, x5: m.interpolate(x5, size=2, mode="area", recompute_scale_factor=True),
    lambda m, x3, x4, x5: m.interpolate(
        x5, scale_factor=1.5, mode="area", recompute_scale_factor=False
    ),
    lambda m, x3, x4, x5: m.interpolate(x5[0, 0], size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5[None], size=2, mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=(1, 1, 1), mode="area"),
    lambda m, x3, x4, x5: m.interpolate(x4, size=1, mode="area"),
    lambda m, x3, x4, x5: _backward(m.interpolate(x5, scale_factor=0.2, mode="area")),
    lambda m, x3, x4, x5: _backward(m.interpolate(x5, size=(1, 0, 2), mode="area")),
    lambda m, x3, x4, x5: m.interpolate(x4, size=(0, 3), mode="bilinear", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4[:, :0], size=(2, 3), mode="bilinear", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4[:0], size=(2, 3), mode="bicubic", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4[:, :, :0], size=(2, 3), mode="bicubic", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().half(), size=2, mode="bicubic", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().bfloat16(), size=2, antialias=True),
    lambda m, x3, x4, x5: m.interpolate(
        x4.detach().bfloat16(), size=2, mode="bilinear", antialias=True
    ),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().int(), size=2, mode="bilinear", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().bool(), size=2, mode="bicubic", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().byte(), size=2, mode="bicubic", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x3, size=2, mode="linear", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4, size=2, mode="nearest", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4, size=2, mode="area", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4, scale_factor=0.1, mode="bicubic", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4, scale_factor=-1.0, mode="bilinear", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4, size=2, mode="lanczos", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4, size=2, mode="lanczos"),
    lambda m, x3, x4, x5: m.interpolate(x4, size=2, mode="lanczos", align_corners=True),
    lambda m, x3, x4, x5: m.interpolate(x4, size=2, mode="lanczos", align_corners=False),
    lambda m, x3, x4, x5: m.interpolate(x3, size=2, mode="lanczos"),
    lambda m, x3, x4, x5: m.interpolate(x5, size=2, mode="lanczos", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4, size=0, mode="lanczos", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().half(), size=2, mode="lanczos", antialias=True),
    lambda m, x3, x4, x5: m.interpolate(x4.detach().long(), size=2, mode="lanczos", antialias=True),
]


def _backward(y):
    y.sum().backward()
    return y


@pytest.mark.parametrize("case", range(len(ERROR_CASES)))
def test_checks_match_torch(case):
    f = ERROR_CASES[case]
    shapes = [(1, 2, 3), (1, 2, 3, 4), (1, 2, 2, 3, 4)]
    want = _outcome(lambda: f(TF, *(torch.ones(s, requires_grad=True) for s in shapes)))
    got = _outcome(lambda: f(RF, *(ref.ones(s, requires_grad=True) for s in shapes)))
    assert got == want


@pytest.mark.parametrize(
    ("name", "kwargs", "shape"),
    [
        ("UpsamplingNearest2d", {"scale_factor": 2}, (1, 2, 3, 4)),
        ("UpsamplingNearest2d", {"size": (5, 3)}, (1, 2, 3, 4)),
        ("UpsamplingBilinear2d", {"scale_factor": 1.5}, (1, 2, 3, 4)),
        ("UpsamplingBilinear2d", {"size": 5}, (1, 2, 3, 4)),
        ("Upsample", {"scale_factor": 1.5, "mode": "bicubic"}, (1, 2, 3, 4)),
        ("Upsample", {"size": (3, 2, 5), "mode": "trilinear"}, (1, 2, 2, 3, 4)),
        ("Upsample", {"scale_factor": (0.5, 0.7), "mode": "area"}, (1, 2, 5, 6)),
    ],
    ids=str,
)
def test_modules_match_torch(name, kwargs, shape):
    """UpsamplingBilinear2d aligns the corners (F.interpolate's default does not)."""
    mt, mr = getattr(torch.nn, name)(**kwargs), getattr(ref.nn, name)(**kwargs)
    assert repr(mr) == repr(mt)
    t, r = _pair(np.random.default_rng(5).standard_normal(shape))
    yt, yr = mt(t), mr(r)
    assert type(yr.grad_fn).__name__ == type(yt.grad_fn).__name__
    np.testing.assert_allclose(yr.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["linear", "trilinear"])
def test_linear_modes_fuse_as_torchs_kernel(mode, dtype):
    """The source position s * (i + 0.5) - 0.5 and each t0 * w0 + t1 * w1 are one fused
    multiply-add in PyTorch's compiled kernel; rounded twice, most of these outputs differed
    in the last bit. (bilinear's 2-D kernel rounds otherwise and is not matched bit for bit.)"""
    rng = np.random.default_rng(0)
    spatial = 1 if mode == "linear" else 3
    for trial in range(12):
        x = rng.standard_normal((2, 3, *rng.integers(2, 9, spatial))).astype(dtype)
        size = tuple(int(n) for n in rng.integers(1, 12, spatial))
        kwargs = {"size": size} if trial % 2 else {"scale_factor": float(rng.uniform(0.6, 3.0))}
        align = bool(trial % 3 == 0)
        ours, theirs = (
            t.nn.functional.interpolate(t.tensor(x), mode=mode, align_corners=align, **kwargs)
            for t in (ref, torch)
        )
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=str((trial, kwargs)))
