"""Convolutions, pooling and their layers against real PyTorch: values, dtypes, node names,
index conventions, error messages, double backward, and the layers' reprs and parameters."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
import torch
from side_by_side import assert_same

import conformance.reference as ref


def _same(make, rtol=1e-5, atol=1e-5):
    assert_same(make, rtol, atol)


RNG = np.random.default_rng(7)
X4 = RNG.standard_normal((2, 4, 7, 6)).astype(np.float32)
W4 = RNG.standard_normal((6, 2, 3, 2)).astype(np.float32)
B6 = RNG.standard_normal(6).astype(np.float32)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1)},
        {"padding": "same", "dilation": 2},
        {"padding": "valid", "stride": 3},
        {"padding": "same"},  # an even kernel width: padded on the right first
    ],
    ids=str,
)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64"])
def test_conv2d_values_and_dtypes(kwargs, dtype) -> None:
    def make(t):
        d = getattr(t, dtype)
        scale = 3 if dtype == "int64" else 1
        x, w, b = (t.tensor(a * scale).to(d) for a in (X4, W4, B6))
        return t.nn.functional.conv2d(x, w, b, groups=2, **kwargs)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(make, rtol=1e-2 if dtype in ("float16", "bfloat16") else 1e-5)


def test_conv1d_unbatched_and_empty_batch() -> None:
    w, x = RNG.standard_normal((3, 2, 3)), RNG.standard_normal((2, 8))
    _same(lambda t: t.nn.functional.conv1d(t.tensor(x), t.tensor(w)))
    _same(lambda t: t.nn.functional.conv1d(t.zeros(0, 2, 8, dtype=t.float64), t.tensor(w)))


@pytest.mark.parametrize(
    "call",
    [
        lambda t, x, w: t.nn.functional.conv2d(x[0, 0], w),
        lambda t, x, w: t.nn.functional.conv2d(x[:, :3], w),
        lambda t, x, w: t.nn.functional.conv2d(x, w, groups=3),
        lambda t, x, w: t.nn.functional.conv2d(x[..., :2, :2], w),
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding="same", stride=2),
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding="full"),
        lambda t, x, w: t.nn.functional.conv2d(x, w, stride=0),
        lambda t, x, w: t.nn.functional.conv2d(x, w, padding=-1),
        lambda t, x, w: t.nn.functional.conv2d(x, w, dilation=0),
        lambda t, x, w: t.nn.functional.conv2d(x, w, groups=0),
        lambda t, x, w: t.nn.functional.conv2d(x, w, stride=(1, 2, 3)),
        lambda t, x, w: t.nn.functional.conv2d(x, w, t.ones(3)),
        lambda t, x, w: t.nn.functional.conv2d(x, w, t.ones(6, dtype=t.float64)),
        lambda t, x, w: t.nn.functional.conv2d(x, w.double()),
        lambda t, x, w: t.nn.functional.conv2d(x.double(), w),
        lambda t, x, w: t.nn.functional.conv2d(x.bool(), w.bool()),
        lambda t, x, w: t.nn.functional.conv1d(x, w),
    ],
)
def test_conv_errors_match_torch(call) -> None:
    """Wrong ranks, channel counts, kernel larger than the padded input, 'same' with a stride,
    bad settings and mixed dtypes: PyTorch's error types and messages."""
    _same(lambda t: call(t, t.tensor(X4), t.tensor(W4[:, :, :, :2])))


def test_conv_node_names_and_double_backward() -> None:
    """ConvolutionBackward0, then ConvolutionBackwardBackward0 in a create_graph backward,
    whose own derivatives (in the input, the weight and the incoming gradient) are torch's."""
    seen = []
    x0, w0 = RNG.standard_normal((2, 4, 5, 5)), RNG.standard_normal((4, 2, 3, 2))
    for t in (ref, torch):
        x = t.tensor(x0, requires_grad=True)
        w = t.tensor(w0, requires_grad=True)
        y = t.nn.functional.conv2d(x, w, stride=2, padding=1, groups=2)
        v = t.ones(tuple(y.shape), dtype=t.float64, requires_grad=True)
        gx, gw = t.autograd.grad(y, (x, w), v, create_graph=True)
        second = t.autograd.grad((gx * gx).sum() + (gw**3).sum(), (x, w, v))
        seen.append((y.grad_fn.name(), gw.grad_fn.name(), [s.numpy() for s in second]))
    assert seen[0][:2] == seen[1][:2] == ("ConvolutionBackward0", "ConvolutionBackwardBackward0")
    for a, b in zip(seen[0][2], seen[1][2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_same_padding_with_an_even_kernel_pads_first() -> None:
    """The extra column goes on the right through constant_pad_nd, as PyTorch records it."""
    names = []
    for t in (ref, torch):
        x = t.ones(1, 1, 4, 4, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = t.nn.functional.conv2d(x, t.ones(1, 1, 2, 2), padding="same")
        names.append([type(n).__name__ for n, _ in y.grad_fn.next_functions if n is not None])
    assert names[0] == names[1] == ["ConstantPadNdBackward0"]


def test_same_padding_takes_an_input_smaller_than_the_kernel() -> None:
    x, w = RNG.standard_normal((1, 2, 2, 3)), RNG.standard_normal((3, 2, 3, 3))
    _same(lambda t: t.nn.functional.conv2d(t.tensor(x), t.tensor(w), padding="same"))
    _same(
        lambda t: t.nn.functional.conv2d(
            t.tensor(x), t.tensor(w), padding="same", dilation=(1,) * 3
        )
    )


def test_batch_norm_2d_normalises_four_dimensional_input_only() -> None:
    x = RNG.standard_normal((3, 2, 4, 5)).astype(np.float32)
    _same(lambda t: t.nn.BatchNorm2d(2)(t.tensor(x)))
    _same(lambda t: t.nn.BatchNorm2d(2)(t.tensor(x[0])))
    _same(lambda t: t.nn.BatchNorm2d(2).eval()(t.tensor(x)))


@pytest.mark.parametrize(
    "call",
    [
        lambda F, y: F.conv2d(y, y.new_ones(1, 1, 2, 2)),
        lambda F, y: F.max_pool2d(y, 2),
        lambda F, y: F.avg_pool2d(y, 2),
        lambda F, y: F.adaptive_avg_pool2d(y, (3, 3)),
    ],
)
def test_the_input_is_saved_for_backward(call) -> None:
    """Each node saves its input (convolution even when only the input needs a gradient):
    changing it in place before backward is PyTorch's version error."""
    outcomes = []
    for t in (ref, torch):
        y = t.ones(1, 1, 4, 4, requires_grad=True) * 1
        z = call(t.nn.functional, y)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
            z.sum().backward()
        outcomes.append(str(info.value))
    assert outcomes[0] == outcomes[1]


X_POOL = RNG.standard_normal((2, 3, 7, 6)).astype(np.float32)


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.max_pool2d(x, 2, return_indices=True),
        lambda F, x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True, return_indices=True),
        lambda F, x: F.max_pool2d(x[0], (3, 2), (2, 1), 1, (2, 3), return_indices=True),
        lambda F, x: F.max_pool1d(x[0], 3, 2, 1, return_indices=True),
        lambda F, x: F.max_pool1d(x[0, 0], 2),
        lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True),
        lambda F, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda F, x: F.avg_pool2d(x[0], (2, 3), padding=(1, 0), divisor_override=5),
        lambda F, x: F.avg_pool1d(x[0], 3, 2, 1, ceil_mode=True),
        lambda F, x: F.adaptive_avg_pool2d(x, (3, 4)),
        lambda F, x: F.adaptive_avg_pool2d(x[0], (9, None)),
        lambda F, x: F.adaptive_avg_pool2d(x, 1),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "int64"])
def test_pooling_values_indices_and_dtypes(call, dtype) -> None:
    _same(lambda t: call(t.nn.functional, t.tensor(X_POOL * 3).to(getattr(t, dtype))))


def test_max_pool_index_conventions() -> None:
    """Among equal maxima the first wins (-0.0 before 0.0), a NaN wins and the last NaN
    does, and a window of -inf points at its first element inside the input."""
    for row in ([-0.0, 0.0, 2.0, 2.0], [np.nan, 1.0, np.nan, 0.0], [-np.inf] * 4):
        _same(
            lambda t, row=row: t.nn.functional.max_pool2d(
                t.tensor([[[row]]]), (1, 2), 1, (0, 1), return_indices=True
            ),
            rtol=0,
            atol=0,
        )


def test_avg_pool_of_integers_truncates_toward_zero() -> None:
    _same(lambda t: t.nn.functional.avg_pool2d(t.tensor([[[-5, -3], [-2, -1]]]), 2))
    _same(
        lambda t: t.nn.functional.avg_pool2d(
            t.tensor([[[-5, -3], [-2, -1]]]), 2, 1, 0, False, True, 3
        )
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.max_pool2d(x[0, 0], 2),
        lambda F, x: F.max_pool2d(x, 2, padding=2),
        lambda F, x: F.max_pool2d(x, 8),
        lambda F, x: F.max_pool2d(x, 2, stride=0),
        lambda F, x: F.max_pool2d(x, 2, dilation=0),
        lambda F, x: F.max_pool2d(x, -1),
        lambda F, x: F.max_pool2d(x, (2, 2, 2)),
        lambda F, x: F.max_pool2d(x, 2, padding=-1),
        lambda F, x: F.max_pool2d(x[:, :0], 2),
        lambda F, x: F.max_pool2d(x[0, :0], 2),
        lambda F, x: F.max_pool2d(x[:0], 2),
        lambda F, x: F.max_pool2d(x.bool(), 2),
        lambda F, x: F.max_pool1d(x[0, 0, 0], 2),
        lambda F, x: F.max_pool1d(x[0, 0], 0),
        lambda F, x: F.max_pool1d(x[0, 0], 8),
        lambda F, x: F.avg_pool2d(x[0, 0], 2),
        lambda F, x: F.avg_pool2d(x, 2, padding=2),
        lambda F, x: F.avg_pool2d(x, 2, divisor_override=0),
        lambda F, x: F.avg_pool2d(x, 2, divisor_override=2.5),
        lambda F, x: F.avg_pool2d(x.int(), 2),
        lambda F, x: F.avg_pool1d(x, 2),
        lambda F, x: F.adaptive_avg_pool2d(x[0, 0], 2),
        lambda F, x: F.adaptive_avg_pool2d(x, (2, 2, 2)),
        lambda F, x: F.adaptive_avg_pool2d(x, -1),
        lambda F, x: F.adaptive_avg_pool2d(x[..., :0], 2),
        lambda F, x: F.adaptive_avg_pool2d(x.long(), 2),
    ],
)
def test_pooling_errors_match_torch(call) -> None:
    _same(lambda t: call(t.nn.functional, t.tensor(X_POOL)))


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.max_pool2d(x, 3, 2, 1),
        lambda F, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
        lambda F, x: F.adaptive_avg_pool2d(x, (4, 5)),
    ],
)
def test_pooling_double_backward(call) -> None:
    """The gradient's own node (*BackwardBackward0) and its derivative in the incoming
    gradient, against torch."""
    seen = []
    shape = tuple(call(torch.nn.functional, torch.tensor(X_POOL)).shape)
    v0 = np.random.default_rng(8).standard_normal(shape)
    for t in (ref, torch):
        x = t.tensor(X_POOL.astype(np.float64), requires_grad=True)
        y = call(t.nn.functional, x)
        v = t.tensor(v0, requires_grad=True)
        (g,) = t.autograd.grad(y, x, v, create_graph=True)
        (h,) = t.autograd.grad((g * g).sum(), v)
        seen.append((y.grad_fn.name(), g.grad_fn.name(), h.numpy()))
    assert seen[0][:2] == seen[1][:2]
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Conv2d(3, 8, 3),
        lambda nn: nn.Conv2d(3, 8, (3, 2), stride=2, padding=1, dilation=2, bias=False),
        lambda nn: nn.Conv2d(4, 8, 3, padding="same", groups=2, padding_mode="reflect"),
        lambda nn: nn.Conv1d(3, 8, 3),
        lambda nn: nn.Conv1d(3, 8, 3, padding="valid"),
        lambda nn: nn.MaxPool2d(2),
        lambda nn: nn.MaxPool2d((2, 3), stride=1, padding=1, dilation=2, ceil_mode=True),
        lambda nn: nn.MaxPool1d(3),
        lambda nn: nn.AvgPool2d(3, 2, 1, True, False, 2),
        lambda nn: nn.AvgPool1d(3),
        lambda nn: nn.AdaptiveAvgPool2d((None, 3)),
        lambda nn: nn.BatchNorm2d(3, affine=False, momentum=None),
        lambda nn: nn.Conv2d(3, 8, 3, groups=2),
        lambda nn: nn.Conv2d(4, 6, 3, groups=4),
        lambda nn: nn.Conv2d(4, 6, 3, padding="foo"),
        lambda nn: nn.Conv2d(4, 6, 3, padding="same", stride=2),
        lambda nn: nn.Conv2d(4, 6, 3, padding_mode="foo"),
    ],
)
def test_layer_reprs_parameters_and_errors(make) -> None:
    def describe(nn):
        try:
            m = make(nn)
        except Exception as exc:  # noqa: BLE001
            # The messages print Python sets, whose order varies between runs.
            names = re.sub(
                r"\{[^}]*\}", lambda m: str(sorted(m.group(0)[1:-1].split(", "))), str(exc)
            )
            return (type(exc).__name__, names)
        params = [(n, tuple(p.shape)) for n, p in m.named_parameters()]
        return repr(m), params, [n for n, _ in m.named_buffers()]

    assert describe(ref.nn) == describe(torch.nn)


def test_conv_initialisation_bounds() -> None:
    """kaiming_uniform_(a=sqrt(5)): weight and bias within 1/sqrt(fan_in), fan_in counting
    in_channels / groups and the kernel."""
    layer = ref.nn.Conv2d(6, 16, (3, 5), groups=2)
    bound = 1 / math.sqrt(3 * 3 * 5)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.8 * bound  # drawn across the range, not near zero
    assert type(layer.weight).__name__ == "Parameter"
    assert ref.nn.Conv2d.__module__ == "conformance.reference.nn.modules"


def test_a_small_cnn_trains_like_torch() -> None:
    """Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Flatten and Linear with the
    same parameters: the same loss and the same gradients (running statistics too)."""
    x = RNG.standard_normal((4, 3, 8, 8)).astype(np.float32)
    models, results = [], []
    for t in (ref, torch):
        nn = t.nn
        model = nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 5, 3),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(5, 2),
        )
        models.append(model)
    with torch.no_grad():
        for (_, p), (_, q) in zip(
            models[0].named_parameters(), models[1].named_parameters(), strict=True
        ):
            q.copy_(torch.tensor(p.detach().numpy()))
    for t, model in zip((ref, torch), models, strict=True):
        loss = (model(t.tensor(x)) ** 2).mean()
        loss.backward()
        grads = [p.grad.numpy() for p in model.parameters()]
        results.append((loss.item(), grads, model[1].running_var.numpy()))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5)
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-5)
    assert repr(models[0]) == repr(models[1])


@pytest.mark.parametrize(
    "shape", [(0, 0, 4), (2, 0, 4), (0, 4, 4), (3, 0, 4, 4), (0, 3, 4, 0), (3, 4, 0), (0, 3, 4, 4)]
)
def test_adaptive_avg_pool2d_empty_dims_as_torch(shape):
    """The forward refuses empty spatial dims only; its backward refuses empty channels too."""

    def run(t):
        out = []
        try:
            x = t.ones(shape, requires_grad=True)
            y = t.nn.functional.adaptive_avg_pool2d(x, 2)
            out.append((tuple(y.shape), y.grad_fn.name()))
            y.sum().backward()
            out.append(tuple(x.grad.shape))
        except RuntimeError as error:
            out.append(str(error))
        return out

    assert run(ref) == run(torch)
