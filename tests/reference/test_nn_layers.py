"""The nn layers over existing functionals (activation_variant_modules.py, norm_shape_modules.py,
more_loss_modules.py, padding_modules.py) and F.softmin, against real PyTorch side by side:
constructor signatures and defaults, reprs, parameters and buffers, forward values (torch's
parameters copied in with load_state_dict), training vs eval, and the errors and warnings
torch raises."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch

import conformance.reference as ref

RNG = np.random.default_rng(7)
X = RNG.uniform(-3, 3, (2, 4, 3, 3))

ACTIVATIONS = [
    "CELU",
    "SELU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Softshrink",
    "Tanhshrink",
    "PReLU",
    "RReLU",
    "Softmin",
    "Softmax2d",
]
NORMS = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]
SHAPES = ["PixelShuffle", "PixelUnshuffle"]
LOSSES = [
    "CosineEmbeddingLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "MultiLabelSoftMarginLoss",
    "PoissonNLLLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
]
PADS = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]


def _both(array):
    return ref.tensor(array), torch.tensor(array)


def _close(ours, theirs, rtol=1e-6, atol=1e-7):
    assert str(ours.dtype) == str(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol, atol)


def _params(kind):
    return [
        (p.name, p.default, p.kind)
        for p in inspect.signature(kind.__init__).parameters.values()
        if p.name != "self"
    ]


@pytest.mark.parametrize("name", ACTIVATIONS + NORMS + SHAPES + LOSSES + PADS)
def test_constructor_signature_is_torchs(name):
    ours, theirs = getattr(ref.nn, name), getattr(torch.nn, name)
    assert _params(ours) == _params(theirs)
    assert ours.__module__ == "conformance.reference.nn.modules"
    assert name in ref.nn.__all__ and name in ref.nn.modules.__all__


REPRS = [
    ("CELU", (), {}),
    ("CELU", (0.5, True), {}),
    ("SELU", (), {}),
    ("SELU", (True,), {}),
    ("Hardshrink", (), {}),
    ("Softshrink", (0.25,), {}),
    ("Hardsigmoid", (True,), {}),
    ("Hardswish", (), {}),
    ("Tanhshrink", (), {}),
    ("PReLU", (), {}),
    ("PReLU", (4, 0.1), {}),
    ("RReLU", (), {}),
    ("RReLU", (0.1, 0.3, True), {}),
    ("Softmin", (), {}),
    ("Softmin", (1,), {}),
    ("Softmax2d", (), {}),
    ("GroupNorm", (2, 4), {}),
    ("GroupNorm", (1, 3, 1e-3, False), {}),
    ("GroupNorm", (2, 4), {"bias": False}),
    ("InstanceNorm1d", (3,), {}),
    ("InstanceNorm2d", (3, 1e-3, 0.2, True, True), {}),
    ("InstanceNorm3d", (2,), {"affine": True, "bias": False}),
    ("PixelShuffle", (3,), {}),
    ("PixelUnshuffle", (2,), {}),
    ("CosineEmbeddingLoss", (0.5,), {}),
    ("GaussianNLLLoss", (), {"full": True}),
    ("TripletMarginLoss", (), {"swap": True}),
    ("ConstantPad1d", (2, 3.5), {}),
    ("ConstantPad2d", ([1, 2, 3, 4], 1), {}),
    ("ConstantPad3d", (1, 0), {}),
    ("ZeroPad1d", ((1, 2),), {}),
    ("ZeroPad2d", (1,), {}),
    ("ZeroPad3d", ([1, 2, 3, 4, 5, 6],), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), REPRS, ids=lambda v: str(v))
def test_repr_is_torchs(name, args, kwargs):
    ours = getattr(ref.nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy())
        assert str(ours.state_dict()[key].dtype) == str(value.dtype)


ACTIVATION_CALLS = [
    ("CELU", (0.7,)),
    ("SELU", ()),
    ("Hardshrink", (1.0,)),
    ("Hardsigmoid", ()),
    ("Hardswish", ()),
    ("Softshrink", (1.0,)),
    ("Tanhshrink", ()),
    ("Softmin", (1,)),
    ("Softmin", (-1,)),
    ("Softmax2d", ()),
]


@pytest.mark.parametrize(("name", "args"), ACTIVATION_CALLS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_activation_forward_and_node_match_torch(name, args, dtype):
    ours_x, theirs_x = _both(X.astype(dtype))
    ours_x.requires_grad_(True)
    theirs_x.requires_grad_(True)
    ours = getattr(ref.nn, name)(*args)(ours_x)
    theirs = getattr(torch.nn, name)(*args)(theirs_x)
    _close(ours, theirs, rtol=1e-5)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__


@pytest.mark.parametrize("name", ["CELU", "SELU", "Hardsigmoid", "Hardswish", "RReLU"])
def test_inplace_activation_writes_into_the_input(name):
    ours_x, theirs_x = _both(X.copy())
    ours = getattr(ref.nn, name)(inplace=True).eval()(ours_x)
    theirs = getattr(torch.nn, name)(inplace=True).eval()(theirs_x)
    assert ours is ours_x and theirs is theirs_x
    _close(ours_x, theirs_x)


def test_softmin_is_softmax_over_the_negated_input_with_torchs_nodes():
    for dtype in (None, ref.float64):
        x = ref.tensor(X.astype(np.float32), requires_grad=True)
        t = torch.tensor(X.astype(np.float32), requires_grad=True)
        ours = ref.nn.functional.softmin(x, 2, dtype=dtype)
        theirs = torch.nn.functional.softmin(t, 2, dtype=None if dtype is None else torch.float64)
        _close(ours, theirs, rtol=1e-6)
        ours_chain, theirs_chain = [], []
        for node, chain in ((ours.grad_fn, ours_chain), (theirs.grad_fn, theirs_chain)):
            while node is not None and type(node).__name__ != "AccumulateGrad":
                chain.append(type(node).__name__)
                node = node.next_functions[0][0]
        assert ours_chain == theirs_chain
    assert theirs_chain == ["SoftmaxBackward0", "ToCopyBackward0", "NegBackward0"]


def test_softmin_without_dim_warns_as_torch():
    for engine, x in zip((ref, torch), _both(X[0, 0, 0]), strict=True):
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
            out = engine.nn.Softmin()(x)
        assert abs(float(out.sum()) - 1.0) < 1e-12


def test_softmax2d_refuses_other_ranks():
    for engine, x in zip((ref, torch), _both(X[0, 0]), strict=True):
        with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D, got 2D"):
            engine.nn.Softmax2d()(x)


def test_prelu_weight_is_one_parameter_set_to_init_and_trains_like_torchs():
    ours, theirs = ref.nn.PReLU(4, init=0.1), torch.nn.PReLU(4, init=0.1)
    assert [n for n, _ in ours.named_parameters()] == ["weight"]
    assert ours.weight.shape == (4,) and ours.weight.requires_grad and ours.init == 0.1
    theirs.weight.data.uniform_(0, 0.5)
    ours.load_state_dict({"weight": ref.tensor(theirs.weight.detach().numpy())})
    ours_x, theirs_x = _both(X.astype(np.float32))
    ours(ours_x).sum().backward()
    theirs(theirs_x).sum().backward()
    _close(ours(ours_x), theirs(theirs_x))
    _close(ours.weight.grad, theirs.weight.grad, rtol=1e-5)
    assert type(ours(ours_x).grad_fn).__name__ == type(theirs(theirs_x).grad_fn).__name__


def test_prelu_dtype_and_reset_parameters():
    ours = ref.nn.PReLU(dtype=ref.float64)
    assert ours.weight.dtype == ref.float64
    with ref.no_grad():
        ours.weight.fill_(3.0)
    ours.reset_parameters()
    assert ours.weight.tolist() == [0.25]


def test_rrelu_eval_uses_the_mean_slope_and_training_draws_in_range():
    ours_x, theirs_x = _both(X)
    ours, theirs = ref.nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)
    _close(ours.eval()(ours_x), theirs.eval()(theirs_x))
    trained = ours.train()(ours_x).numpy()
    negative = X < 0
    np.testing.assert_array_equal(trained[~negative], X[~negative])
    slopes = trained[negative] / X[negative]
    assert slopes.min() >= 0.1 - 1e-12 and slopes.max() <= 0.3 + 1e-12
    assert len(np.unique(slopes)) > 1  # one draw per element
    assert type(ours(ours_x).grad_fn).__name__ == type(theirs(theirs_x).grad_fn).__name__


def _copy_state(ours, theirs):
    ours.load_state_dict({k: ref.tensor(v.numpy()) for k, v in theirs.state_dict().items()})


def test_group_norm_affine_matches_torch_with_its_parameters():
    ours, theirs = ref.nn.GroupNorm(2, 4), torch.nn.GroupNorm(2, 4)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    _copy_state(ours, theirs)
    ours_x, theirs_x = _both(X.astype(np.float32))
    ours_out, theirs_out = ours(ours_x), theirs(theirs_x)
    _close(ours_out, theirs_out, rtol=1e-5, atol=1e-5)
    ours_out.sum().backward()
    theirs_out.sum().backward()
    _close(ours.weight.grad, theirs.weight.grad, rtol=1e-4, atol=1e-5)
    assert type(ours_out.grad_fn).__name__ == type(theirs_out.grad_fn).__name__


def test_group_norm_refuses_indivisible_channels():
    for engine in (ref, torch):
        with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups"):
            engine.nn.GroupNorm(3, 4)


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("InstanceNorm1d", (2, 4, 9)),
        ("InstanceNorm2d", (2, 4, 3, 3)),
        ("InstanceNorm3d", (2, 4, 1, 3, 3)),
    ],
)
def test_instance_norm_tracks_running_stats_like_torch(name, shape):
    data = X.reshape(shape).astype(np.float32)
    ours = getattr(ref.nn, name)(4, affine=True, track_running_stats=True, momentum=0.3)
    theirs = getattr(torch.nn, name)(4, affine=True, track_running_stats=True, momentum=0.3)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    _copy_state(ours, theirs)
    ours_x, theirs_x = _both(data)
    for _ in range(2):  # training: batch statistics, running ones updated
        _close(ours(ours_x).double(), theirs(theirs_x).double(), rtol=1e-5, atol=1e-6)
    for key in ("running_mean", "running_var", "num_batches_tracked"):
        _close(getattr(ours, key), getattr(theirs, key), rtol=1e-5)
    assert int(theirs.num_batches_tracked) == 0  # registered, never counted
    ours.eval()
    theirs.eval()
    _close(ours(ours_x).double(), theirs(theirs_x).double(), rtol=1e-5, atol=1e-6)
    unbatched = (ours_x[0], theirs_x[0])
    _close(ours(unbatched[0]).double(), theirs(unbatched[1]).double(), rtol=1e-5, atol=1e-6)


def test_instance_norm_without_tracking_has_no_buffers_and_uses_batch_stats_in_eval():
    ours, theirs = ref.nn.InstanceNorm1d(3).eval(), torch.nn.InstanceNorm1d(3).eval()
    assert ours.running_mean is None and ours.weight is None
    assert list(dict(ours.named_buffers())) == list(dict(theirs.named_buffers())) == []
    ours_x, theirs_x = _both(X[0, :3].reshape(3, 3, 3))
    _close(ours(ours_x), theirs(theirs_x), atol=1e-12)


def test_instance_norm_feature_mismatch_warns_unless_affine():
    for engine, x in zip((ref, torch), _both(X[0]), strict=True):
        with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
            engine.nn.InstanceNorm1d(5)(x.reshape(2, 2, 9))
        with pytest.raises(ValueError, match=r"at dim=1 to match num_features \(5\), but got: 2"):
            engine.nn.InstanceNorm1d(5, affine=True)(x.reshape(2, 2, 9))
        with pytest.raises(ValueError, match=r"expected 4D or 5D input \(got 3D input\)"):
            engine.nn.InstanceNorm3d(4)(x)


def test_instance_norm_drops_pre_0_4_running_stats_with_torchs_message():
    """A plain dict has no version metadata: read as a checkpoint from before 0.4.0."""
    messages = []
    for engine in (ref, torch):
        legacy = {"running_mean": engine.zeros(3), "running_var": engine.ones(3)}
        with pytest.raises(RuntimeError) as error:
            engine.nn.InstanceNorm1d(3).load_state_dict(legacy)
        messages.append(str(error.value))
    assert 'Unexpected running stats buffer(s) "running_mean" and "running_var"' in messages[1]
    assert messages[0] == messages[1]


@pytest.mark.parametrize(("factor", "shape"), [(2, (1, 8, 2, 3)), (3, (9, 1, 2))])
def test_pixel_shuffle_modules_round_trip_like_torch(factor, shape):
    data = RNG.uniform(-1, 1, shape)
    ours_x, theirs_x = _both(data)
    ours, theirs = ref.nn.PixelShuffle(factor)(ours_x), torch.nn.PixelShuffle(factor)(theirs_x)
    _close(ours, theirs)
    back = ref.nn.PixelUnshuffle(factor)(ours)
    _close(back, torch.nn.PixelUnshuffle(factor)(theirs))
    np.testing.assert_array_equal(back.numpy(), data)


def _loss_inputs(name):
    a, b, c = (RNG.uniform(-2, 2, (3, 4)) for _ in range(3))
    sign4 = np.array([1.0, -1.0, 1.0, -1.0])
    sign34 = np.where(RNG.uniform(-1, 1, (3, 4)) > 0, 1.0, -1.0)
    return {
        "CosineEmbeddingLoss": (a, b, np.array([1.0, -1.0, -1.0])),
        "GaussianNLLLoss": (a, b, np.abs(c) + 0.1),
        "HingeEmbeddingLoss": (a, sign34),
        "MarginRankingLoss": (a[0], b[0], sign4),
        "MultiLabelSoftMarginLoss": (a, (sign34 > 0).astype(np.float64)),
        "PoissonNLLLoss": (a, np.abs(b)),
        "SoftMarginLoss": (a, sign34),
        "TripletMarginLoss": (a, b, c),
    }[name]


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_module_matches_torch(name, reduction):
    arrays = _loss_inputs(name)
    ours_in = [ref.tensor(a, requires_grad=i == 0) for i, a in enumerate(arrays)]
    theirs_in = [torch.tensor(a, requires_grad=i == 0) for i, a in enumerate(arrays)]
    ours = getattr(ref.nn, name)(reduction=reduction)(*ours_in)
    theirs = getattr(torch.nn, name)(reduction=reduction)(*theirs_in)
    _close(ours, theirs, rtol=1e-10, atol=1e-12)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    ours.sum().backward()
    theirs.sum().backward()
    _close(ours_in[0].grad, theirs_in[0].grad, rtol=1e-10, atol=1e-12)


LEGACY = [(None, False), (False, None), (False, True), (True, False), (True, True)]


@pytest.mark.parametrize(("size_average", "reduce"), LEGACY)
@pytest.mark.parametrize("name", [n for n in LOSSES if n != "GaussianNLLLoss"])
def test_legacy_size_average_and_reduce_become_a_reduction_with_a_warning(
    name, size_average, reduce
):
    kwargs = {"size_average": size_average, "reduce": reduce}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = getattr(torch.nn, name)(**kwargs)
    with pytest.warns(UserWarning) as ours_caught:
        ours = getattr(ref.nn, name)(**kwargs)
    assert ours.reduction == theirs.reduction
    assert [str(w.message) for w in ours_caught] == [str(w.message) for w in caught]
    arrays = _loss_inputs(name)
    _close(ours(*map(ref.tensor, arrays)), theirs(*map(torch.tensor, arrays)), 1e-10, 1e-12)


def test_loss_module_settings_reach_the_functional():
    for engine in (ref, torch):
        with pytest.raises(ValueError, match="expected margin to be greater than 0, got 0"):
            engine.nn.TripletMarginLoss(margin=0)
        with pytest.raises(TypeError):
            engine.nn.GaussianNLLLoss(True)  # keyword-only
        with pytest.raises(ValueError, match="foo is not a valid value for reduction"):
            engine.nn.SoftMarginLoss(reduction="foo")(
                *map(engine.tensor, _loss_inputs("SoftMarginLoss"))
            )
    arrays = _loss_inputs("TripletMarginLoss")
    settings = {"margin": 0.5, "p": 1.0, "eps": 1e-3, "swap": True}
    ours = ref.nn.TripletMarginLoss(**settings)(*map(ref.tensor, arrays))
    theirs = torch.nn.TripletMarginLoss(**settings)(*map(torch.tensor, arrays))
    _close(ours, theirs, 1e-10, 1e-12)
    arrays = _loss_inputs("PoissonNLLLoss")
    ours = ref.nn.PoissonNLLLoss(False, True, eps=0.1)(*map(ref.tensor, arrays))
    theirs = torch.nn.PoissonNLLLoss(False, True, eps=0.1)(*map(torch.tensor, arrays))
    _close(ours, theirs, 1e-10, 1e-12)
    weight = RNG.uniform(0.5, 1.5, 4)
    arrays = _loss_inputs("MultiLabelSoftMarginLoss")
    ours_loss = ref.nn.MultiLabelSoftMarginLoss(ref.tensor(weight))
    theirs_loss = torch.nn.MultiLabelSoftMarginLoss(torch.tensor(weight))
    assert list(ours_loss.state_dict()) == list(theirs_loss.state_dict()) == ["weight"]
    _close(ours_loss(*map(ref.tensor, arrays)), theirs_loss(*map(torch.tensor, arrays)), 1e-10)


PAD_CALLS = [
    ("ConstantPad1d", (2, 3.5), (2, 3)),
    ("ConstantPad1d", ((1, -1), -1.0), (2, 3)),
    ("ConstantPad2d", ((1, 0, 2, 1), 2), (2, 3, 2)),
    ("ConstantPad3d", (1, 0.5), (1, 2, 2, 2)),
    ("ConstantPad3d", ((0, 1, 1, 0, 2, 0), 0.0), (2, 2, 2)),
    ("ZeroPad1d", ((0, 2),), (3,)),
    ("ZeroPad2d", (1,), (1, 2, 3)),
    ("ZeroPad2d", ((-1, 1, 0, 2),), (1, 2, 3)),
    ("ZeroPad3d", ([1, 0, 0, 1, 1, 0],), (1, 1, 2, 2, 2)),
]


@pytest.mark.parametrize(("name", "args", "shape"), PAD_CALLS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_pad_module_matches_torch(name, args, shape, dtype):
    data = RNG.integers(-5, 5, shape).astype(dtype)
    ours_module, theirs_module = getattr(ref.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert ours_module.padding == theirs_module.padding
    assert ours_module.value == theirs_module.value
    ours_x, theirs_x = _both(data)
    _close(ours_module(ours_x), theirs_module(theirs_x))


def test_pad_module_widths_are_checked_when_called_as_torch_checks_them():
    for engine in (ref, torch):
        module = engine.nn.ConstantPad1d([1, 2, 3], 0)  # any iterable is kept, as torch does
        assert module.padding == (1, 2, 3)
        with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
            module(engine.zeros(2, 3))
        with pytest.raises(RuntimeError, match="Padding length should be less than or equal"):
            engine.nn.ZeroPad3d(1)(engine.zeros(2, 3))


# -- dropouts ------------------------------------------------------------------------------

DROPOUTS = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]
DROPOUT_MODULES = ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


@pytest.mark.parametrize("name", DROPOUTS + ["dropout"])
def test_dropout_function_signature_is_torchs(name):
    ours = inspect.signature(getattr(ref.nn.functional, name)).parameters
    theirs = inspect.signature(getattr(torch.nn.functional, name)).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ]


@pytest.mark.parametrize("name", DROPOUT_MODULES + ["RMSNorm"])
def test_dropout_and_rms_norm_module_signatures_and_reprs(name):
    assert _params(getattr(ref.nn, name)) == _params(getattr(torch.nn, name))
    args = ([3, 4],) if name == "RMSNorm" else (0.25, True)
    assert repr(getattr(ref.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    if name != "RMSNorm":
        for engine in (ref, torch):
            with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
                getattr(engine.nn, name)(1.5)


@pytest.mark.parametrize(
    ("name", "shape"),
    [("dropout1d", (6, 40, 3)), ("dropout1d", (40, 3)), ("dropout2d", (6, 40, 2, 2))]
    + [("dropout3d", (6, 40, 1, 2, 2)), ("dropout3d", (40, 1, 2, 2))],
)
def test_feature_dropout_zeroes_whole_channels_and_scales_the_rest(name, shape):
    x = ref.tensor(RNG.uniform(1, 2, shape), requires_grad=True)
    out = getattr(ref.nn.functional, name)(x, 0.25)
    ratio = (out / x).detach().numpy().reshape(-1, *shape[-(len(shape) - 1) :])
    channel_values = ratio.reshape(ratio.shape[0] * ratio.shape[1], -1)
    for row in channel_values:  # one draw per (sample, channel)
        assert np.allclose(row, row[0])
    assert set(np.round(np.unique(channel_values), 12)) <= {0.0, round(1 / 0.75, 12)}
    assert 0 < (channel_values[:, 0] == 0).sum() < len(channel_values)
    theirs = getattr(torch.nn.functional, name)(torch.ones(shape, requires_grad=True), 0.25)
    assert type(out.grad_fn).__name__ == type(theirs.grad_fn).__name__
    names = [type(n).__name__ for n, _ in out.grad_fn.next_functions if n is not None]
    assert names == [type(n).__name__ for n, _ in theirs.grad_fn.next_functions if n is not None]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout", "dropout1d"])
def test_dropout_values_are_torchs_for_each_dtype(name, dtype):
    """The draws differ; the set of values an input of ones can take does not."""
    outs = [
        getattr(engine.nn.functional, name)(
            engine.ones(64, 8, dtype=getattr(engine, dtype)), 0.3, True
        )
        for engine in (ref, torch)
    ]
    assert str(outs[0].dtype) == str(outs[1].dtype)
    values = [set(np.unique(out.float().numpy()).tolist()) for out in outs]
    assert values[0] == values[1] and len(values[0]) == 2


def test_alpha_dropout_keeps_mean_and_variance():
    x = RNG.standard_normal(200_000)
    out = ref.nn.functional.alpha_dropout(ref.tensor(x), 0.2, True).numpy()
    assert abs(out.mean()) < 0.01 and abs(out.std() - 1) < 0.01
    theirs = torch.nn.functional.alpha_dropout(torch.ones(3, requires_grad=True), 0.2, True)
    ours = ref.nn.functional.alpha_dropout(ref.ones(3, requires_grad=True), 0.2, True)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__ == "AddBackward0"


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_identity_cases_as_torch(name):
    for engine in (ref, torch):
        f = getattr(engine.nn.functional, name)
        x = engine.ones(
            {"dropout1d": (2, 3, 4), "dropout3d": (1, 2, 3, 4, 5)}.get(name, (2, 3, 4, 5))
        )
        assert f(x, 0.5, False) is x and f(x, 0.0, True) is x
        zero = f(engine.ones(x.shape, requires_grad=True), 1.0, True)
        assert float(zero.detach().abs().sum()) == 0
        assert type(zero.grad_fn).__name__ == "MulBackward0"
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            f(x, -0.1)
    for engine in (ref, torch):  # the alpha forms do not train by default
        x = engine.ones(2, 3)
        assert engine.nn.functional.alpha_dropout(x) is x


def test_dropout_rank_errors_and_warnings_are_torchs():
    for engine in (ref, torch):
        F = engine.nn.functional
        with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received"):
            F.dropout1d(engine.ones(2, 3, 4, 5))
        with pytest.warns(UserWarning, match="Received a 3D input to dropout2d and assuming"):
            assert F.dropout2d(engine.ones(2, 3, 4)).shape == (2, 3, 4)
        with pytest.warns(UserWarning, match="dropout2d: Received a 5-D input to dropout2d"):
            F.dropout2d(engine.ones(1, 2, 3, 4, 5))
        with pytest.warns(UserWarning, match="dropout3d: Received a 3-D input to dropout3d"):
            assert F.dropout3d(engine.ones(2, 3, 4)).shape == (2, 3, 4)
        with (
            pytest.warns(UserWarning),
            pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"),
        ):
            F.dropout2d(engine.ones(3))
        for dtype, text in ((engine.int64, "Long"), (engine.bool, "Bool")):
            with pytest.raises(
                RuntimeError, match=f"can't be cast to the desired output type {text}"
            ):
                F.dropout1d(engine.ones(2, 3, dtype=dtype))
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
            F.alpha_dropout(engine.ones(2, 3, dtype=engine.bool), 0.5, True)


def test_inplace_dropout_writes_into_the_input_unbatched_too():
    for engine in (ref, torch):
        x = engine.ones(4, 30)
        out = engine.nn.functional.dropout1d(x, 0.5, inplace=True)
        assert out is x and tuple(x.shape) == (4, 30)
        assert set(np.unique(x.numpy()).tolist()) <= {0.0, 2.0}


@pytest.mark.parametrize("name", DROPOUT_MODULES)
def test_dropout_modules_drop_in_training_only(name):
    shape = (4, 30, 2, 2, 2) if name in ("Dropout3d", "FeatureAlphaDropout") else (4, 30, 2, 2)
    shape = (4, 30, 2) if name == "Dropout1d" else shape
    x = ref.ones(shape)
    module = getattr(ref.nn, name)(0.5)
    assert not np.array_equal(module(x).numpy(), x.numpy())
    assert module.eval()(x) is x


# -- rms_norm ------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("eps", [None, 1e-5, 0.3])
def test_rms_norm_matches_torch_values_and_graph(dtype, eps):
    data, weight = X.reshape(2, 3, 12), RNG.uniform(0.5, 1.5, (3, 12))
    ours_x = ref.tensor(data, dtype=getattr(ref, dtype), requires_grad=True)
    theirs_x = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
    ours_w, theirs_w = (
        ref.tensor(weight, dtype=ours_x.dtype),
        torch.tensor(weight, dtype=theirs_x.dtype),
    )
    ours = ref.nn.functional.rms_norm(ours_x, [3, 12], ours_w, eps)
    theirs = torch.nn.functional.rms_norm(theirs_x, [3, 12], theirs_w, eps)
    # One rounding step apart at most (the mean's float32 sum is ordered differently).
    ulp = {"float64": 1e-15, "float32": 1e-6, "float16": 1e-3, "bfloat16": 8e-3}[dtype]
    _close(ours.float(), theirs.float(), rtol=ulp, atol=0)

    def walk(node):
        if node is None:
            return []
        return [type(node).__name__, [walk(n) for n, _ in node.next_functions]]

    assert walk(ours.grad_fn) == walk(theirs.grad_fn)
    ours.float().sum().backward()
    theirs.float().sum().backward()
    _close(
        ours_x.grad.float(),
        theirs_x.grad.float(),
        rtol=1e-2 if dtype in ("float16", "bfloat16") else 1e-6,
        atol=1e-3,
    )


def test_rms_norm_errors_are_torchs():
    for engine in (ref, torch):
        F, x = engine.nn.functional, engine.ones(2, 3)
        with pytest.raises(
            RuntimeError, match=r"expected input with shape \[\*4\], but got input of size\[2, 3\]"
        ):
            F.rms_norm(x, [4])
        with pytest.raises(
            RuntimeError, match=r"weight of shape \[4\] and normalized_shape = \[3\]"
        ):
            F.rms_norm(x, [3], engine.ones(4))
        with pytest.raises(RuntimeError, match="normalized_shape to be at least 1-dimensional"):
            F.rms_norm(x, [])
        with pytest.raises(TypeError, match="must be tuple of ints, not int"):
            F.rms_norm(x, 3)
        with pytest.raises(NotImplementedError, match="\"rms_norm\" not implemented for 'Long'"):
            F.rms_norm(engine.ones(2, 3, dtype=engine.int64), [3])


def test_rms_norm_module_weight_and_forward_match_torch():
    ours, theirs = ref.nn.RMSNorm(4, eps=1e-4), torch.nn.RMSNorm(4, eps=1e-4)
    assert ours.normalized_shape == theirs.normalized_shape == (4,)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
    _copy_state(ours, theirs)
    ours_x, theirs_x = _both(X.reshape(9, 8)[:, :4].astype(np.float32))
    _close(ours(ours_x), theirs(theirs_x), rtol=1e-6)
    assert ref.nn.RMSNorm(3, elementwise_affine=False).weight is None
