"""F.interpolate (nearest, nearest-exact, linear, bilinear), nn.Upsample, F.bilinear and
nn.Bilinear against real PyTorch: values, gradients (first and second order, with their node
names), finite differences in float64, dtypes, special values and error messages."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import conformance.reference as ref

RF = ref.nn.functional

MODES_1D = ["nearest", "nearest-exact", "linear"]
MODES_2D = ["nearest", "nearest-exact", "bilinear"]
SIZES = {3: [7, 3, 5, 10, 1], 4: [(7, 3), (4, 5), (8, 10), (1, 1), (3, 9)]}
FACTORS = [
    {"scale_factor": 0.7},
    {"scale_factor": 1.3},
    {"scale_factor": 2},
    {"scale_factor": 1.0},
    {"scale_factor": 1.3, "recompute_scale_factor": True},
]


def _pair(array, dtype="float64", requires_grad=True):
    t = torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=requires_grad)
    r = ref.tensor(array, dtype=getattr(ref, dtype), requires_grad=requires_grad)
    return t, r


def _cases():
    for shape, modes in (((2, 3, 5), MODES_1D), ((2, 3, 4, 5), MODES_2D)):
        for mode in modes:
            corners = [None] if "nearest" in mode else [False, True]
            for align_corners in corners:
                options = [{"size": s} for s in SIZES[len(shape)]] + FACTORS
                for kw in options:
                    yield shape, mode, align_corners, kw


CASES = list(_cases())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_interpolate_values_and_gradients_match_torch(dtype):
    rng = np.random.default_rng(0)
    tol = 1e-12 if dtype == "float64" else 1e-5
    for shape, mode, align_corners, kw in CASES:
        t, r = _pair(rng.standard_normal(shape), dtype)
        yt = TF.interpolate(t, mode=mode, align_corners=align_corners, **kw)
        yr = RF.interpolate(r, mode=mode, align_corners=align_corners, **kw)
        assert tuple(yr.shape) == tuple(yt.shape), (mode, kw)
        assert type(yr.grad_fn).__name__ == type(yt.grad_fn).__name__
        np.testing.assert_allclose(yr.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
        g = rng.standard_normal(tuple(yt.shape))
        yt.backward(torch.tensor(g, dtype=t.dtype))
        yr.backward(ref.tensor(g, dtype=r.dtype))
        np.testing.assert_allclose(r.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


def test_interpolate_second_order_graph_matches_torch():
    rng = np.random.default_rng(1)
    for shape, mode, kw in [
        ((1, 2, 3, 4), "nearest", {"scale_factor": 2}),
        ((1, 2, 3, 4), "nearest-exact", {"size": (5, 3)}),
        ((1, 2, 3, 4), "bilinear", {"scale_factor": 1.5}),
        ((1, 2, 5), "linear", {"size": 3}),
        ((1, 2, 5), "nearest", {"size": 8}),
        ((1, 2, 5), "nearest-exact", {"size": 8}),
    ]:
        t, r = _pair(rng.standard_normal(shape))
        yt, yr = (m.interpolate(x, mode=mode, **kw) for m, x in ((TF, t), (RF, r)))
        g = rng.standard_normal(tuple(yt.shape))
        gt_out, gr_out = _pair(g)
        (gt,) = torch.autograd.grad(yt, t, gt_out, create_graph=True)
        (gr,) = ref.autograd.grad(yr, r, gr_out, create_graph=True)
        assert type(gr.grad_fn).__name__ == type(gt.grad_fn).__name__
        assert type(gr.grad_fn).__name__.endswith("BackwardBackward0")
        w = rng.standard_normal(shape)
        (ht,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), gt_out)
        (hr,) = ref.autograd.grad((gr * ref.tensor(w)).sum(), gr_out)
        np.testing.assert_allclose(hr.numpy(), ht.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("shape", "mode", "kw"),
    [
        ((1, 2, 4), "linear", {"size": 7, "align_corners": True}),
        ((1, 2, 3, 4), "bilinear", {"scale_factor": 0.8}),
        ((1, 1, 3, 3), "nearest", {"size": (5, 2)}),
        ((1, 1, 4), "nearest-exact", {"scale_factor": 1.6}),
    ],
)
def test_interpolate_gradcheck_float64(shape, mode, kw):
    x = ref.tensor(np.random.default_rng(2).standard_normal(shape), requires_grad=True)
    assert ref.autograd.gradcheck(lambda a: RF.interpolate(a, mode=mode, **kw), (x,))
    assert ref.autograd.gradgradcheck(lambda a: RF.interpolate(a, mode=mode, **kw), (x,))


def test_interpolate_central_differences():
    """The gradient of sum(w * y) against central differences, element by element."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((1, 1, 3, 4))
    w = rng.standard_normal((1, 1, 5, 6))
    f = lambda x: (RF.interpolate(x, size=(5, 6), mode="bilinear") * ref.tensor(w)).sum()  # noqa: E731
    x = ref.tensor(a, requires_grad=True)
    f(x).backward()
    numeric = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[index] += 1e-6
        down[index] -= 1e-6
        numeric[index] = (f(ref.tensor(up)).item() - f(ref.tensor(down)).item()) / 2e-6
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_interpolate_special_values_match_torch():
    """A tap of weight 0 still multiplies its input: an inf beside a position gives nan."""
    values = [1.0, float("inf"), 3.0, float("nan"), -float("inf")]
    for mode in ("linear", "nearest", "nearest-exact"):
        for size in (5, 7, 3, 1):
            for corners in [None] if "nearest" in mode else [False, True]:
                t, r = _pair(np.array(values).reshape(1, 1, 5), requires_grad=False)
                a = TF.interpolate(t, size=size, mode=mode, align_corners=corners)
                b = RF.interpolate(r, size=size, mode=mode, align_corners=corners)
                np.testing.assert_array_equal(b.numpy(), a.numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "uint8"])
def test_interpolate_dtypes_match_torch(dtype):
    rng = np.random.default_rng(4)
    for shape, mode in [
        ((2, 3, 5), "linear"),
        ((2, 3, 4, 5), "bilinear"),
        ((2, 3, 4, 5), "nearest"),
        ((2, 3, 5), "nearest-exact"),
    ]:
        if dtype == "uint8" and mode == "linear":
            continue
        base = torch.tensor(rng.standard_normal(shape) * 50 + 100).to(getattr(torch, dtype))
        r = ref.tensor(base.float().numpy()).to(getattr(ref, dtype))
        for kw in ({"scale_factor": 1.7}, {"scale_factor": 0.6}):
            yt = TF.interpolate(base, mode=mode, **kw)
            yr = RF.interpolate(r, mode=mode, **kw)
            assert str(yr.dtype) == str(yt.dtype)
            # Exact but for uint8 bilinear (fixed-point weights in PyTorch: off by at most
            # 1).
            got, want = yr.float().numpy(), yt.float().numpy()
            limit = 1 if (dtype, mode) == ("uint8", "bilinear") else 0
            assert np.abs(got - want).max() <= limit, (mode, kw)


def _outcome(f):
    try:
        out = f()
    except Exception as error:  # noqa: BLE001
        return type(error).__name__, str(error)
    return "ok", tuple(out.shape)


ERROR_CASES = [
    lambda m, x4, x3: m.interpolate(x4, size=(0, 3)),
    lambda m, x4, x3: m.interpolate(x4, size=(0, 3), mode="bilinear"),
    lambda m, x4, x3: m.interpolate(x4, scale_factor=0.1),
    lambda m, x4, x3: m.interpolate(x4, scale_factor=-1.0),
    lambda m, x4, x3: m.interpolate(x3, size=0),
    lambda m, x4, x3: m.interpolate(x3, scale_factor=-0.5),
    lambda m, x4, x3: m.interpolate(x4[:, :0], size=(5, 5)),
    lambda m, x4, x3: m.interpolate(x3[:, :0], size=5, mode="linear"),
    lambda m, x4, x3: m.interpolate(x4[:0], size=(5, 5)),
    lambda m, x4, x3: m.interpolate(x4[:, :, :0], size=(5, 5)),
    lambda m, x4, x3: m.interpolate(x4[0, 0], size=5),
    lambda m, x4, x3: m.interpolate(x4[0, 0], size=(5,)),
    lambda m, x4, x3: m.interpolate(x4, size=5, mode="foo"),
    lambda m, x4, x3: m.interpolate(x4, size=5, mode="linear"),
    lambda m, x4, x3: m.interpolate(x3, size=5, mode="bilinear"),
    lambda m, x4, x3: m.interpolate(x4, size=[5, 5.0]),
    lambda m, x4, x3: m.interpolate(x4, size=[5]),
    lambda m, x4, x3: m.interpolate(x4, size=5, align_corners=True),
    lambda m, x4, x3: m.interpolate(x4, scale_factor=(2,)),
    lambda m, x4, x3: m.interpolate(x4),
    lambda m, x4, x3: m.interpolate(x4, size=3, scale_factor=2),
    lambda m, x4, x3: m.interpolate(x4, size=3, recompute_scale_factor=True),
    lambda m, x4, x3: m.interpolate(x4, size=3, antialias=True),
    lambda m, x4, x3: m.interpolate(x4, scale_factor=(2, 0.5)),
    lambda m, x4, x3: m.interpolate(x4, scale_factor=(2, 0.2)),
    lambda m, x4, x3: m.interpolate(x4, scale_factor=2.9, recompute_scale_factor=False),
    lambda m, x4, x3: m.interpolate(x4.int(), size=5),
    lambda m, x4, x3: m.interpolate(x4.bool(), size=5, mode="nearest-exact"),
    lambda m, x4, x3: m.interpolate(x4.long(), size=5, mode="bilinear"),
    lambda m, x4, x3: m.interpolate(x3.char(), size=5),
    lambda m, x4, x3: m.interpolate(x3.byte(), size=5, mode="linear"),
    lambda m, x4, x3: m.interpolate(x3.byte(), size=5, mode="nearest-exact"),
]


@pytest.mark.parametrize("case", range(len(ERROR_CASES)))
def test_interpolate_checks_match_torch(case):
    f = ERROR_CASES[case]
    want = _outcome(lambda: f(TF, torch.ones(1, 2, 3, 4), torch.ones(1, 2, 3)))
    got = _outcome(lambda: f(RF, ref.ones(1, 2, 3, 4), ref.ones(1, 2, 3)))
    assert got == want


def test_upsample_module_matches_torch():
    for kwargs in (
        {"scale_factor": 2, "mode": "bilinear"},
        {"size": (5, 3)},
        {"scale_factor": (2, 1.5), "mode": "nearest-exact"},
        {"scale_factor": 1.5, "mode": "bilinear", "align_corners": True},
    ):
        mt, mr = torch.nn.Upsample(**kwargs), ref.nn.Upsample(**kwargs)
        assert repr(mr) == repr(mt)
        a = np.random.default_rng(5).standard_normal((1, 2, 3, 4))
        t, r = _pair(a)
        np.testing.assert_allclose(mr(r).detach().numpy(), mt(t).detach().numpy(), rtol=1e-12)


# -- bilinear ----------------------------------------------------------------------------------


@pytest.mark.parametrize("shapes", [((4, 3), (4, 5)), ((3,), (5,)), ((2, 4, 3), (2, 4, 5))])
@pytest.mark.parametrize("with_bias", [True, False])
def test_bilinear_matches_torch(shapes, with_bias):
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])]
    arrays += [rng.standard_normal((2, 3, 5)), rng.standard_normal(2)]
    pairs = [_pair(a) for a in arrays]
    ts, rs = [p[0] for p in pairs], [p[1] for p in pairs]
    yt = TF.bilinear(*ts[:3], ts[3] if with_bias else None)
    yr = RF.bilinear(*rs[:3], rs[3] if with_bias else None)
    assert type(yr.grad_fn).__name__ == type(yt.grad_fn).__name__
    chain_t = yt.grad_fn if not with_bias else yt.grad_fn.next_functions[0][0]
    chain_r = yr.grad_fn if not with_bias else yr.grad_fn.next_functions[0][0]
    assert type(chain_r.next_functions[0][0]).__name__ == "TrilinearBackward0"
    assert type(chain_t.next_functions[0][0]).__name__ == "TrilinearBackward0"
    np.testing.assert_allclose(yr.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(tuple(yt.shape))
    gt = torch.autograd.grad(yt, ts[:3], torch.tensor(g), create_graph=True)
    gr = ref.autograd.grad(yr, rs[:3], ref.tensor(g), create_graph=True)
    for a, b in zip(gr, gt, strict=True):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    ht = torch.autograd.grad(sum((x * x).sum() for x in gt), ts[:3])
    hr = ref.autograd.grad(sum((x * x).sum() for x in gr), rs[:3])
    for a, b in zip(hr, ht, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10)
    assert ref.autograd.gradcheck(lambda *xs: RF.bilinear(*xs), tuple(rs[:3]))


def test_bilinear_checks_match_torch():
    def run(m):
        ones = lambda *s: m.ones(*s)  # noqa: E731
        x1, x2, w, b = ones(4, 3), ones(4, 5), ones(2, 3, 5), ones(2)
        cases = [
            lambda: m.nn.functional.bilinear(x1, ones(3, 5), w, b),
            lambda: m.nn.functional.bilinear(x1, ones(4, 4), w, b),
            lambda: m.nn.functional.bilinear(ones(4, 4), x2, w, b),
            lambda: m.nn.functional.bilinear(x1, x2, w[0], b),
            lambda: m.nn.functional.bilinear(x1, x2, w, ones(3)),
            lambda: m.nn.functional.bilinear(x1.double(), x2, w, b),
            lambda: m.nn.functional.bilinear(x1.double(), x2.double(), w.double(), b),
            lambda: m.nn.functional.bilinear(x1.double(), x2, w),
            lambda: m.nn.functional.bilinear(ones(3), ones(2, 5), w, b),
            lambda: m.nn.functional.bilinear(ones(0, 3), ones(0, 5), w, b),
        ]
        return [_outcome(c) for c in cases]

    assert run(ref) == run(torch)


def test_bilinear_module_matches_torch():
    torch.manual_seed(0)  # torch's initial weights: the comparison below must not depend on them
    mt, mr = torch.nn.Bilinear(3, 5, 2), ref.nn.Bilinear(3, 5, 2, bias=True)
    assert repr(mr) == repr(mt)
    assert [(k, tuple(v.shape)) for k, v in mr.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in mt.state_dict().items()
    ]
    bound = 1 / np.sqrt(3)
    assert np.abs(mr.weight.detach().numpy()).max() <= bound
    assert np.abs(mr.weight.detach().numpy()).max() > bound / 2
    assert repr(ref.nn.Bilinear(3, 5, 2, bias=False)) == repr(torch.nn.Bilinear(3, 5, 2, False))
    mr.load_state_dict({k: ref.tensor(v.numpy()) for k, v in mt.state_dict().items()})
    a1, a2 = np.ones((4, 3), np.float32), np.ones((4, 5), np.float32)
    np.testing.assert_allclose(
        mr(ref.tensor(a1), ref.tensor(a2)).detach().numpy(),
        mt(torch.tensor(a1), torch.tensor(a2)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    with pytest.raises(ValueError, match=r"in1_features must be > 0, but got \(in1_features=0\)"):
        ref.nn.Bilinear(0, 5, 2)
